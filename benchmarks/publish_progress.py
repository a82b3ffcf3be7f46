"""Publish progress benchmark: how often a 20,000-node publish reports its progress
(issue 15: the Publish dialog's progress must move at least every 2 s, and in steps of a
few percent).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<server> BENCH_DB=<db> .venv/bin/python benchmarks/publish_progress.py
(BENCH_DB, default ``bench_publish_progress``, is dropped and re-created on that server);
without DATABASE_URL it runs on a throwaway SQLite file.

How it is measured: no Celery worker. ``publish_channel`` is called in this process with
the progress callback the publish job uses, ``jobs.report_progress(task_id, p)`` (which
writes the job's TaskMetadata row, what the sync answer's ``tasks`` shows), wrapped to note
the monotonic time of each call. Gaps are measured from the call of ``publish_channel`` to
its first report, between reports, and from the last report to its return. The tree is
benchmarks/publish.py's W5 shape with k = 27 (~20,000 nodes); it is published once first,
and the measured publish is the second (every node changed), so it also reads back the
previous version for the diff, as a real republish does.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import report, settle, throwaway_database  # noqa: E402

BENCH_DB = os.environ.get("BENCH_DB", "bench_publish_progress")
K = 27  # ~20,000 nodes
TARGET_GAP_SECONDS = 2.0
TARGET_STEP_PERCENT = 5.0


def run() -> None:
    from django.db import connection
    from publish import build_channel

    from contentcuration import jobs
    from contentcuration.models import ContentNode, TaskMetadata
    from contentcuration.publish import publish_channel

    print(f"database: {connection.vendor}; python {sys.version.split()[0]}", flush=True)
    channel, count = build_channel(K)
    publish_channel(channel_id=channel.id, user=None, version_notes="v1", force=True)
    ContentNode.objects.filter(tree_id=channel.main_tree.tree_id).update(changed=True)
    settle()

    task_id = uuid.uuid4().hex
    TaskMetadata.objects.create(task_id=task_id, task_name="benchmark publish", channel_id=channel.id)
    reports: list[tuple[float, float]] = []

    def progress(percent: float) -> None:
        jobs.report_progress(task_id, percent)
        reports.append((time.monotonic(), percent))

    started = time.monotonic()
    result = publish_channel(channel_id=channel.id, user=None, version_notes="v2", progress=progress, job_id=task_id)
    ended = time.monotonic()

    times = [started, *(t for t, _ in reports), ended]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    worst = max(range(len(gaps)), key=gaps.__getitem__)
    percents = [0.0, *(p for _, p in reports)]
    steps = [b - a for a, b in zip(percents, percents[1:], strict=False)]
    where = f"after {percents[worst]:.0f} %" if worst < len(percents) else "before returning"
    print(
        f"published version {result.version}: {result.node_count:,} nodes ({count:,} in the tree) in "
        f"{ended - started:.1f} s, {len(reports)} progress reports; phases {result.timings}",
        flush=True,
    )
    report(f"longest gap between progress reports ({where})", max(gaps), TARGET_GAP_SECONDS)
    report("largest progress step", max(steps), TARGET_STEP_PERCENT, unit="%")
    print(f"stored progress at the end: {TaskMetadata.objects.get(task_id=task_id).progress} %")


def main() -> None:
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="bench-publish-progress-"))
    with throwaway_database(BENCH_DB):
        run()


if __name__ == "__main__":
    main()
