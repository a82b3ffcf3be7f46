"""Publish progress benchmark: how often a 20,000-node publish reports its progress
(issue 15: the Publish dialog's progress must move at least every 2 s, and in steps of a
few percent).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<server> BENCH_DATABASE=<db> .venv/bin/python benchmarks/publish_progress.py
(the database BENCH_DATABASE names, default ``bench_publish_progress``, is dropped and re-created on that server);
without DATABASE_URL it runs on a throwaway SQLite file.

How it is measured: no Celery worker. ``publish_channel`` runs in this process as the publish
job runs it: its progress callback is the job's, ``jobs.report_progress(task_id, p)``, and
``job_id`` is the job's id, so the steps inside the version's final transaction report
through ``jobs.progress_in_transaction`` as in the worker. A watcher thread, on its own
database connection as the sync endpoint would be, reads the job's TaskMetadata.progress
every 20 ms and notes when the value changes: the gaps between those changes (from the call
of ``publish_channel`` to the first, and from the last to its return) are what the Publish
dialog would see. The tree is benchmarks/publish.py's W5 shape with k = 27 (~20,000 nodes);
it is published once first, and the measured publish is the second (every node changed),
so it also reads back the previous version for the diff, as a real republish does.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import report, settle, throwaway_database  # noqa: E402

BENCH_DB = "bench_publish_progress"  # BENCH_DATABASE overrides it (harness.setup_django)
K = 27  # ~20,000 nodes
TARGET_GAP_SECONDS = 2.0
TARGET_STEP_PERCENT = 5.0
POLL_SECONDS = 0.02


def run() -> None:
    from django.db import connection, connections
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
    seen: list[tuple[float, int]] = []
    stop = threading.Event()

    def watch() -> None:
        last = None
        try:
            while not stop.is_set():
                value = TaskMetadata.objects.filter(task_id=task_id).values_list("progress", flat=True).first()
                if value != last:
                    seen.append((time.monotonic(), value))
                    last = value
                time.sleep(POLL_SECONDS)
        finally:
            connections.close_all()

    watcher = threading.Thread(target=watch, name="progress-watcher")
    started = time.monotonic()
    watcher.start()
    result = publish_channel(
        channel_id=channel.id,
        user=None,
        version_notes="v2",
        progress=lambda p: jobs.report_progress(task_id, p),
        job_id=task_id,
    )
    ended = time.monotonic()
    time.sleep(POLL_SECONDS * 3)  # let the watcher read the final value
    stop.set()
    watcher.join()

    changes = [(t, v) for t, v in seen if v]  # the first read is the row's initial 0
    times = [started, *(t for t, _ in changes), ended]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    worst = max(range(len(gaps)), key=gaps.__getitem__)
    values = [0, *(v for _, v in changes)]
    steps = [b - a for a, b in zip(values, values[1:], strict=False)]
    print(
        f"published version {result.version}: {result.node_count:,} nodes ({count:,} in the tree) in "
        f"{ended - started:.1f} s; {len(changes)} progress values seen: {values[1:]}",
        flush=True,
    )
    print(f"phases: { {k: round(v, 2) for k, v in result.timings.items()} }; loadavg {os.getloadavg()[0]:.1f}")
    report(f"longest time the progress stood still (at {values[worst]} %)", max(gaps), TARGET_GAP_SECONDS)
    report("largest progress step", max(steps), TARGET_STEP_PERCENT, unit="%")


def main() -> None:
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="bench-publish-progress-"))
    with throwaway_database(BENCH_DB):
        run()


if __name__ == "__main__":
    main()
