"""Review benchmark: the server time of "Review changes since the last publish" on a
100,000-node channel with 2,000 changes since its last publish (issue 15; target 200 ms).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<server> BENCH_DATABASE=<db> .venv/bin/python benchmarks/review.py
(the database BENCH_DATABASE names, default ``bench_review``, is dropped and re-created on that server, and dropped
after unless KEEP_DB is set); without
DATABASE_URL it runs on a throwaway SQLite file.

The channel is benchmarks/publish.py's W5 tree (k = 46: ~100,000 nodes), published for
real (so the version has its manifest). Then 2,000 changes go through the real sync path
(POST /api/sync/, 100 a batch), as two curators would make them: 800 updates (titles and
descriptions, anywhere in the tree), 400 new nodes, 400 moves, 200 deletions and 200 nodes
moved to the trash (the moves and deletions in the last top-level topic, so that setting
up stays quick: the review does not care where they are). The review is then read through
the Django test client (routing, authentication, the query and the JSON: everything but
the network): GET /api/channel/<id>/unpublished_changes (first page of 50, and filtered)
and /unpublished_changes/count, median of 7 runs each after one warm-up, wall time beside
the process's CPU time.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import report, settle, setup_django, throwaway_database  # noqa: E402

BENCH_DB = "bench_review"  # BENCH_DATABASE overrides it (harness.setup_django)
K = 46  # benchmarks/publish.py: root -> 46 -> 46^2 -> 46^3 resources, ~100,000 nodes
TARGET_SECONDS = 0.2
BATCH = 100
REPEAT = 7


def make_changes(channel):
    from contentcuration.models import ContentNode, new_hex_id
    from contentcuration.models import change_types as c
    from contentcuration.tests.sync_helpers import change, created, deleted, updated

    everywhere = list(
        ContentNode.objects.filter(tree_id=channel.main_tree.tree_id, kind_id="document").values_list("pk", flat=True)
    )
    last_topic = (
        ContentNode.objects.filter(parent_id=channel.main_tree_id).order_by("-lft").values_list("pk", flat=True).first()
    )
    last_subtopics = list(ContentNode.objects.filter(parent_id=last_topic).order_by("lft").values_list("pk", flat=True))
    tail = list(ContentNode.objects.filter(parent_id__in=last_subtopics).order_by("lft").values_list("pk", flat=True))
    changes = []
    step = max(1, len(everywhere) // 800)
    for n, pk in enumerate(everywhere[::step][:800]):
        mods = {"title": f"Renamed {n}"} if n % 2 else {"description": f"Described {n}"}
        changes.append(updated("contentnode", pk, mods, channel_id=channel.pk))
    for n in range(400):
        obj = {"parent": last_subtopics[n % len(last_subtopics)], "kind": "topic", "title": f"New {n}"}
        changes.append(created("contentnode", new_hex_id(), obj, channel_id=channel.pk))
    movers, doomed, trashed = tail[:400], tail[400:600], tail[600:800]
    for n, pk in enumerate(movers):
        target = last_subtopics[(n + 1) % len(last_subtopics)]
        changes.append(change(c.MOVED, "contentnode", pk, target=target, position="first-child", channel_id=channel.pk))
    changes += [deleted("contentnode", pk, channel_id=channel.pk) for pk in doomed]
    changes += [
        change(c.MOVED, "contentnode", pk, target=channel.trash_tree_id, position="last-child", channel_id=channel.pk)
        for pk in trashed
    ]
    return changes


def run() -> None:
    from django.db import connection
    from django.test import Client
    from publish import build_channel

    from contentcuration.models import Change, ChannelVersion
    from contentcuration.publish import publish_channel

    print(f"database: {connection.vendor}; python {sys.version.split()[0]}", flush=True)
    started = time.monotonic()
    channel, count = build_channel(K)
    print(f"built {count:,} nodes in {time.monotonic() - started:.0f} s", flush=True)
    started = time.monotonic()
    result = publish_channel(channel_id=channel.id, user=None, version_notes="v1", force=True)
    print(
        f"published version {result.version} ({result.node_count:,} nodes) in {time.monotonic() - started:.0f} s"
        f"; record phase {result.timings.get('record', 0):.2f} s (manifest included)",
        flush=True,
    )

    owner = channel.editors.first()
    client = Client()
    client.force_login(owner)
    changes = make_changes(channel)
    started = time.monotonic()
    for start in range(0, len(changes), BATCH):
        batch = changes[start : start + BATCH]
        answer = client.post("/api/sync/", json.dumps({"changes": batch}), content_type="application/json").json()
        if answer["errors"] or answer["disallowed"]:
            raise SystemExit(f"changes refused: {(answer['errors'] or answer['disallowed'])[:2]}")
    since = ChannelVersion.objects.get(channel=channel, version=1).change_rev
    rows = Change.objects.filter(channel=channel, server_rev__gt=since).count()
    print(
        f"{len(changes):,} changes applied through /api/sync/ in {time.monotonic() - started:.0f} s "
        f"({rows:,} log rows since the publish, server echoes included)",
        flush=True,
    )
    settle()

    base = f"/api/channel/{channel.pk}/unpublished_changes"
    first = client.get(base).json()
    print(f"review: {first['counts']}", flush=True)
    for label, url in (
        ("GET unpublished_changes (page 1 of 50)", base),
        ("GET unpublished_changes?change=deleted", f"{base}?change=deleted"),
        ("GET unpublished_changes/count", f"{base}/count"),
    ):
        client.get(url)  # warm: the first read of a freshly built database pages it in
        walls, cpus = [], []
        for _ in range(REPEAT):
            wall, cpu = time.perf_counter(), time.process_time()
            client.get(url)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        report(f"{label} [{connection.vendor}]", statistics.median(walls) * 1000, TARGET_SECONDS * 1000, unit="ms")
        # This process's own CPU time: on SQLite the database work too (it runs in-process);
        # on a shared machine it shows the work done, whatever the wait for a core.
        print(
            f"{'':<55} {statistics.median(cpus) * 1000:8.3f} ms cpu, fastest {min(walls) * 1000:.0f} ms wall"
            f" (loadavg {os.getloadavg()[0]:.1f})",
            flush=True,
        )


def main() -> None:
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="bench-review-"))
    if os.environ.get("KEEP_DB"):  # keep it to look into (EXPLAIN ANALYZE); drop it yourself
        setup_django(BENCH_DB)
        run()
        return
    with throwaway_database(BENCH_DB):
        run()


if __name__ == "__main__":
    main()
