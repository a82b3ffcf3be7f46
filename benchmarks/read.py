"""Latency and query count of ``GET /api/contentnode?parent=<topic with 1,000 children>``.

Target (PostgreSQL): median <= 100 ms and <= 8 queries for the full, unpaginated list
(Kolibri Studio: 1.12 s). Runs standalone:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anything .venv/bin/python benchmarks/read.py

With a PostgreSQL URL it creates and finally drops a throwaway database ``bench_read`` on that
server; without one it uses a temporary SQLite file. Requests go through Django's test Client
with a real session cookie, so the figure includes session and user lookups.
"""

from __future__ import annotations

import os
import statistics
import time

from harness import throwaway_database

CHILDREN = 1000
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
TARGET_MS = 100
TARGET_QUERIES = 8
BENCH_DB = "bench_read"


def main() -> None:
    with throwaway_database(BENCH_DB):
        run()


def run() -> None:
    from django.db import connection
    from django.test import Client

    from contentcuration import tree
    from contentcuration.channels.lifecycle import create_channel
    from contentcuration.models import ContentNode, ContentTag, User

    user = User.objects.create_user("bench@example.com", "password")
    channel = create_channel(actor=user, name="Benchmark")
    topic = tree.insert_node(node=ContentNode(kind_id="topic", title="Big topic"), target=channel.main_tree)
    kinds = ("video", "document", "exercise", "audio", "html5")
    tree.insert_nodes(
        nodes=[
            ContentNode(
                kind_id=kinds[i % len(kinds)],
                title=f"Resource {i}",
                description="x" * 200,
                license_id=1,
                copyright_holder="Bench",
                complete=True,
            )
            for i in range(CHILDREN)
        ],
        target=topic,
    )
    tag = ContentTag.objects.create(tag_name="bench")
    tag.tagged_nodes.add(*ContentNode.objects.filter(parent=topic)[:500])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    client = Client()
    client.force_login(user)
    path = f"/api/contentnode?parent={topic.id}"
    response = client.get(path)
    assert response.status_code == 200 and len(response.json()) == CHILDREN, response.status_code
    queries: list[tuple[float, str]] = []

    def record(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - start) * 1000, sql, params))

    with connection.execute_wrapper(record):
        client.get(path)
    if os.environ.get("BENCH_VERBOSE"):
        for ms, sql, _ in queries:
            print(f"{ms:8.1f} ms  {sql[:4000]}")
        if connection.vendor == "postgresql":
            ms, sql, params = max(queries)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + sql, params)
                print("\n".join(row[0] for row in cursor.fetchall()))
    timings, cpu = [], []
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        response.content  # noqa: B018 - make sure the body is rendered
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    median = statistics.median(timings)
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(client.get, path)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
    print(f"database: {connection.vendor}")
    print(f"GET /api/contentnode?parent=<topic with {CHILDREN} children> (full list, {RUNS} runs)")
    print(f"median latency: {median:.1f} ms (target <= {TARGET_MS} ms; Kolibri Studio: 1120 ms)")
    print(f"fastest run: {min(timings):.1f} ms; median Django-process CPU time: {statistics.median(cpu):.1f} ms")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} (shared machine: wall times vary with it)")
    print(f"queries: {len(queries)} (target <= {TARGET_QUERIES}; 2 are the session and user lookups)")


if __name__ == "__main__":
    main()
