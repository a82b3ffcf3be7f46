"""Import benchmark (issue 15): a curator imports a 5,000-node folder from a public channel;
every node must be visible in the editor at most 5 s after Import.

Run: .venv/bin/python benchmarks/import_copy.py                       (a throwaway SQLite file)
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres BENCH_DATABASE=<db> .venv/bin/python benchmarks/import_copy.py
(the database BENCH_DATABASE names, default ``bench_import_copy``, is dropped and re-created).

What is measured, as the browser does it: the importer (not an editor of the source) posts
the dialog's change, one COPIED of the folder into a folder of their channel, to
``/api/sync/`` (Django's test client, session-authenticated, in this process). A copy of
more than 500 nodes runs as a job: a real Celery worker started here (``--pool solo``, the
broker of the environment: Redis with ``REDIS_URL``, else kombu's filesystem transport)
runs it. Two figures, both from just before the POST:

  landed   until the editor's first read of the copied folder,
           ``GET /api/channel/<id>/editor?folder=<new id>``, answers 200 (polled every 50 ms):
           the "copying" row settles and opens. The copy is one transaction, so every node
           exists from that moment.
  all      ``landed`` plus reading every copied node back through the editor's folder reads
           (``GET /api/contentnode?parent=<folder>&max_results=100``, every page of every
           folder, one request at a time), and checking their number.

The folder is benchmarks/publish.py's channel shape with k = 17 (root -> 17 -> 289 -> 4,913
resources of mixed kinds with files and assessment items) under one topic: 5,220 nodes.
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness import settle, throwaway_database  # noqa: E402
from sync import start_worker, wrap_in_one_topic  # noqa: E402

BENCH_DB = "bench_import_copy"  # BENCH_DATABASE overrides it (harness.setup_django)
K = 17  # 5,220 nodes
RUNS = 3
TARGET_SECONDS = 5.0
POLL_SECONDS = 0.05
TIMEOUT_SECONDS = 300.0


def run() -> None:
    import logging

    from django.db import connection
    from django.test import Client
    from publish import build_channel

    from contentcuration import tree
    from contentcuration.celery import app
    from contentcuration.models import Channel, ContentNode, TaskMetadata, new_hex_id
    from contentcuration.models import change_types as c
    from contentcuration.tests.factories import UserFactory, build_tree, make_channel

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the polls' 404s until the copy lands
    print(f"database: {connection.vendor}; python {sys.version.split()[0]}; {RUNS} runs", flush=True)
    source_channel, _ = build_channel(K)
    folder = wrap_in_one_topic(source_channel, tree, ContentNode)
    Channel.objects.filter(pk=source_channel.pk).update(public=True)
    size = ContentNode.objects.get(pk=folder).get_descendant_count() + 1
    importer = UserFactory(email="importer@example.com")
    target = make_channel(owner=importer, name="Import target")
    settle()

    client = Client()
    client.force_login(importer)
    revs = iter(range(1, 10**9))

    def post(change: dict) -> None:
        body = json.dumps({"changes": [change], "channel_revs": {target.pk: 0}})
        response = client.post("/api/sync/", data=body, content_type="application/json")
        assert response.status_code == 200, response.content[:500]
        outcome = response.json()
        assert not outcome["errors"] and not outcome["disallowed"], str(outcome)[:500]

    def read_all(top: str) -> int:
        """Every node under ``top`` through the editor's folder reads; returns how many."""
        seen, folders = 0, [top]
        while folders:
            parent = folders.pop()
            query: dict | None = {"parent": parent, "max_results": 100}
            while query:
                response = client.get("/api/contentnode", data=query)
                assert response.status_code == 200, response.content[:300]
                page = response.json()
                seen += len(page["results"])
                folders.extend(row["id"] for row in page["results"] if row["kind"] == "topic")
                query = page["more"]
        return seen

    # Warm-up: the first requests of a process import the handlers and fill caches.
    client.get(f"/api/channel/{target.pk}/editor")

    worker = start_worker(app)
    landed_times: list[float] = []
    all_times: list[float] = []
    try:
        for _ in range(RUNS):
            into = build_tree(target.main_tree, [("topic", [], {"title": "Imports"})])[0]
            key = new_hex_id()
            change = {
                "type": c.COPIED,
                "table": "contentnode",
                "key": key,
                "rev": next(revs),
                "channel_id": target.pk,
                "from_key": folder,
                "target": into.pk,
                "position": "last-child",
                "mods": {},
                "excluded_descendants": None,
            }
            began, wall = time.perf_counter(), time.time()
            post(change)
            while client.get(f"/api/channel/{target.pk}/editor", data={"folder": key}).status_code != 200:
                if time.perf_counter() - began > TIMEOUT_SECONDS:
                    raise SystemExit(f"the copy did not land within {TIMEOUT_SECONDS} s")
                time.sleep(POLL_SECONDS)
            landed = time.perf_counter() - began
            count = read_all(key) + 1
            every = time.perf_counter() - began
            assert count == size, (count, size)
            landed_times.append(landed)
            all_times.append(every)
            job = TaskMetadata.objects.filter(kwargs__new_id=key).values("started_at").first()
            started = job["started_at"].timestamp() - wall if job and job["started_at"] else float("nan")
            print(
                f"  run: job started after {started:.3f} s, landed {landed:.3f} s, "
                f"all {count:,} nodes read {every:.3f} s",
                flush=True,
            )
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    def line(label: str, timings: list[float]) -> None:
        median = statistics.median(timings)
        verdict = "met" if median <= TARGET_SECONDS else "MISSED"
        spread = f"[{min(timings):.3f}-{max(timings):.3f}]"
        print(f"{label:<62} median {median:6.3f} s {spread}  (target <= {TARGET_SECONDS} s: {verdict})", flush=True)

    line(f"import of a {size:,}-node folder: copy landed, folder opens", landed_times)
    line(f"import of a {size:,}-node folder: every node read back", all_times)
    print(f"loadavg {os.getloadavg()[0]:.1f}", flush=True)


def main() -> None:
    # One data directory for this process and the worker: the filesystem broker lives there.
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="bench-import-copy-"))
    with throwaway_database(BENCH_DB):
        run()


if __name__ == "__main__":
    main()
