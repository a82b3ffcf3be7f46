"""Publish progress (issue 15): a publish reports its progress in small steps from start to
end, including between the steps of its final transaction (benchmarks/publish_progress.py
times what a watcher of the job's row sees)."""

from __future__ import annotations

import pytest

from contentcuration.publish import mapper, publish_channel
from contentcuration.tests.factories import build_tree
from contentcuration.tests.publishing import build_sample_channel


@pytest.fixture
def small_chunks(monkeypatch):
    # Read the tree a node at a time (a 10,000-node tree is read 200 at a time), so that a
    # 70-node tree takes the steps of a big one.
    monkeypatch.setattr(mapper, "MIN_CHUNK_SIZE", 1)


def test_progress_rises_in_steps_of_a_few_percent_to_100(owner, small_chunks):
    channel, _ = build_sample_channel(owner)
    build_tree(channel.main_tree, [("topic", [], {"title": f"Empty {n}", "complete": True}) for n in range(60)])
    seen: list[float] = []

    publish_channel(channel_id=channel.id, user=owner, version_notes="v1", progress=seen.append)

    assert seen == sorted(seen) and seen[-1] == 100
    steps = [b - a for a, b in zip([0, *seen], seen, strict=False)]
    assert max(steps) <= 5, seen
    assert {95, 96, 97, 98} <= set(seen)  # the manifest read and the final transaction
