"""Sync endpoint: Studio's workloads W1, W2, W3, W3b and W6, measured the way
../shared/spec/studio-baseline.md measured Kolibri Studio (3 runs each, median [min-max]).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/sync.py

Creates (and drops afterwards) a throwaway database ``bench_sync`` on the server named by
DATABASE_URL. "Applied" is the baseline's: from just before the POST until the effect is
durable and visible to a later read. Our server applies changes inside the request, so for
W1-W3 that is the POST's return. A copy (W6) is a Celery task: it is done when its
``__COPYING_STATUS`` server change exists. By default the task runs eagerly (on the
request's commit); with ``SYNC_BENCH_WORKER=1`` the script starts a Celery worker on the
same database and broker (set ``REDIS_URL`` for Redis; without it kombu's filesystem
transport), so the figure includes queueing, as Studio's does.

The workloads, as the baseline defines them:
  W1   1,000 CREATED topics under the main_tree root of a fresh channel (one per run)
  W2   1,000 UPDATED titles of W1's first-run nodes
  W3   200 MOVED to last-child of another topic, in W1's second-run tree (1,001 nodes)
  W3b  the same 200 MOVED inside a 5,220-node tree (root -> 17 -> 289 -> 4,913 resources)
  W6   COPIED of a 1,111-node and of a 5,220-node subtree (mixed kinds with files and
       assessment items) into a new topic of another channel
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from harness import ROOT, settle, throwaway_database

BENCH_DB = "bench_sync"
# Targets from the sync issue; Studio's "applied" medians from the baseline.
TARGETS = {"W1": 0.5, "W2": 0.5, "W3": 0.3, "W3b": None, "W6-1k": None, "W6-5k": 3.0}
STUDIO = {"W1": 18.43, "W2": 25.86, "W3": 7.74, "W3b": 45.00, "W6-1k": 9.62, "W6-5k": 36.71}
RUNS = 3
# CPU seconds this process spent in each POST (the server's Python work: the test client runs the
# view in-process; PostgreSQL's share is not in it). On a shared machine wall times swing with
# the load; this figure barely does, so before/after comparisons read it first.
CPU: list[float] = []


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("benchmarks/sync.py needs DATABASE_URL=postgres://...")
    with throwaway_database(BENCH_DB):
        run()


def report(name: str, label: str, timings: list[float], note: str = "") -> None:
    median = statistics.median(timings)
    target = TARGETS[name]
    verdict = "" if target is None else f"target <= {target} s: {'met' if median <= target else 'MISSED'}; "
    spread = f"[{min(timings):.3f}-{max(timings):.3f}]"
    cpu = statistics.median(CPU[-len(timings) :])
    print(
        f"{name:<6} {label:<48} median {median:6.3f} s {spread} cpu {cpu:6.3f} s  "
        f"({verdict}Studio {STUDIO[name]} s){note}",
        flush=True,
    )


def run() -> None:
    from django.db import connection
    from django.test import Client
    from publish import build_channel

    from contentcuration import tree
    from contentcuration.celery import app
    from contentcuration.models import Change, ContentNode, new_hex_id
    from contentcuration.models import change_types as c
    from contentcuration.tests.factories import UserFactory, build_tree, make_channel

    print(f"database: {connection.vendor}; {RUNS} runs per workload", flush=True)
    user = UserFactory(email="bench@example.com")
    client = Client()
    client.force_login(user)
    revs = iter(range(1, 10**9))

    def post(changes: list[dict], channel_id: str) -> float:
        body = json.dumps({"changes": changes, "channel_revs": {channel_id: 0}})
        start, cpu_start = time.perf_counter(), time.process_time()
        response = client.post("/api/sync/", data=body, content_type="application/json")
        elapsed = time.perf_counter() - start
        CPU.append(time.process_time() - cpu_start)
        assert response.status_code == 200, response.content[:500]
        outcome = response.json()
        assert not outcome["errors"] and not outcome["disallowed"], str(outcome)[:500]
        return elapsed

    # Warm-up: the first request of a process imports handlers and fills caches; a server
    # pays that once, not per batch.
    warm_channel = make_channel(owner=user, name="Warm-up")
    warm = new_hex_id()
    post(
        [
            {
                "type": c.CREATED,
                "table": "contentnode",
                "key": warm,
                "rev": next(revs),
                "channel_id": warm_channel.pk,
                "obj": {"title": "warm", "kind": "topic", "parent": warm_channel.main_tree_id},
            },
            {
                "type": c.UPDATED,
                "table": "contentnode",
                "key": warm,
                "rev": next(revs),
                "channel_id": warm_channel.pk,
                "mods": {"title": "warm2"},
            },
        ],
        warm_channel.pk,
    )

    # --- W1: 1,000 CREATED topics under the root of a fresh channel, 3 runs ----------------
    w1: list[tuple] = []
    timings = []
    for run_index in range(RUNS):
        channel = make_channel(owner=user, name=f"W1 run {run_index}")
        root = channel.main_tree_id
        ids = [new_hex_id() for _ in range(1000)]
        changes = [
            {
                "key": node_id,
                "table": "contentnode",
                "type": c.CREATED,
                "channel_id": channel.pk,
                "rev": next(revs),
                "obj": {
                    "id": node_id,
                    "title": f"W1 r{run_index} node {k:04d}",
                    "kind": "topic",
                    "description": "",
                    "parent": root,
                },
            }
            for k, node_id in enumerate(ids)
        ]
        timings.append(post(changes, channel.pk))
        assert ContentNode.objects.filter(parent_id=root).count() == 1000
        w1.append((channel, ids))
    report("W1", "1,000 CREATED topics under the root", timings)

    # --- W2: 1,000 UPDATED titles of W1's first-run nodes, 3 runs --------------------------
    channel, ids = w1[0]
    timings = []
    for run_index in range(RUNS):
        changes = [
            {
                "key": node_id,
                "table": "contentnode",
                "type": c.UPDATED,
                "channel_id": channel.pk,
                "rev": next(revs),
                "mods": {"title": f"W2 r{run_index} edited {k:04d}"},
            }
            for k, node_id in enumerate(ids)
        ]
        timings.append(post(changes, channel.pk))
        assert ContentNode.objects.filter(pk__in=ids, title__startswith=f"W2 r{run_index} ").count() == 1000
    report("W2", "1,000 UPDATED titles", timings)

    # --- W3: 200 MOVED in W1's second-run tree (1,001 nodes), 3 runs ----------------------
    channel, ids = w1[1]
    settle()
    timings = []
    for run_index in range(RUNS):
        target = ids[999 - run_index]
        moving = ids[200 * run_index : 200 * (run_index + 1)]
        timings.append(post(moves(c, channel.pk, moving, target, revs), channel.pk))
        assert ContentNode.objects.filter(parent_id=target).count() == 200
    assert tree.find_tree_error(channel.main_tree.tree_id) is None
    report("W3", "200 MOVED, 1,001-node tree", timings)

    # --- W3b: the same inside a 5,220-node tree, 3 runs ------------------------------------
    big, size = build_channel(17)
    big.editors.add(user)
    settle()
    root = big.main_tree
    level2 = list(
        ContentNode.objects.filter(tree_id=root.tree_id, level=2).order_by("lft").values_list("pk", "lft", "rght")
    )
    spared = level2[-3:]  # the last 3 level-2 topics are the targets; their children stay
    resources = [
        pk
        for pk, lft in ContentNode.objects.filter(tree_id=root.tree_id, level=3)
        .order_by("lft")
        .values_list("pk", "lft")
        if not any(a < lft < b for _, a, b in spared)
    ]
    timings = []
    for run_index in range(RUNS):
        target = level2[-(run_index + 1)][0]
        moving = resources[200 * run_index : 200 * (run_index + 1)]
        timings.append(post(moves(c, big.pk, moving, target, revs), big.pk))
        assert ContentNode.objects.filter(parent_id=target, pk__in=moving).count() == 200
    assert tree.find_tree_error(root.tree_id) is None
    report("W3b", f"200 MOVED, {size:,}-node tree", timings)

    # --- W6: COPIED of a 1,111- and a 5,220-node subtree, 3 runs each ----------------------
    worker = start_worker(app) if os.environ.get("SYNC_BENCH_WORKER") == "1" else None
    if worker is None:
        app.conf.CELERY_TASK_ALWAYS_EAGER = True
    note = "  task run by a Celery worker" if worker else "  task run eagerly (SYNC_BENCH_WORKER=1 for a worker)"
    target_channel = make_channel(owner=user, name="W6 target")
    for name, k in (("W6-1k", 10), ("W6-5k", 17)):
        source_channel, _ = build_channel(k)
        source_channel.editors.add(user)
        source = wrap_in_one_topic(source_channel, tree, ContentNode)
        size = ContentNode.objects.get(pk=source).get_descendant_count() + 1
        settle()
        timings = []
        for _ in range(RUNS):
            topic = build_tree(target_channel.main_tree, ["topic"])[0]
            key = new_hex_id()
            change = {
                "key": key,
                "table": "contentnode",
                "type": c.COPIED,
                "channel_id": target_channel.pk,
                "rev": next(revs),
                "from_key": source,
                "target": topic.pk,
                "position": "last-child",
                "mods": {},
                "excluded_descendants": {},
            }
            timings.append(
                until(
                    lambda change=change: post([change], target_channel.pk),
                    lambda key=key: copy_status(Change, c, key),
                )
            )
            assert copy_status(Change, c, key) == "SUCCESS"
            assert ContentNode.objects.get(pk=key).get_descendant_count() + 1 == size
        assert tree.find_tree_error(target_channel.main_tree.tree_id) is None
        report(name, f"COPIED of a {size:,}-node subtree", timings, note)
    if worker is not None:
        worker.terminate()
        worker.wait(timeout=30)


def start_worker(app) -> subprocess.Popen:
    """A Celery worker on this benchmark's database and broker (the environment carries
    DATABASE_URL, and REDIS_URL if set); returns once it answers a ping."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "contentcuration", "worker", "--pool", "solo", "--loglevel", "WARNING"],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=1.0):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the Celery worker did not start")
    return worker


def moves(c, channel_id: str, keys: list[str], target: str, revs) -> list[dict]:
    return [
        {
            "key": key,
            "table": "contentnode",
            "type": c.MOVED,
            "channel_id": channel_id,
            "rev": next(revs),
            "target": target,
            "position": "last-child",
        }
        for key in keys
    ]


def wrap_in_one_topic(channel, tree, ContentNode) -> str:
    """Make the channel's top topics children of one topic X, the root's only child (W6)."""
    root = channel.main_tree
    tops = list(ContentNode.objects.filter(parent=root).order_by("lft").values_list("pk", flat=True))
    x = tree.insert_node(node=ContentNode(kind_id="topic", title="X", complete=True), target=root)
    for pk in tops:
        tree.move_node(node=pk, target=x, position="last-child")
    return x.pk


def copy_status(Change, c, key: str) -> str | None:
    row = Change.objects.filter(table="contentnode", kwargs__key=key, kwargs__mods__has_key=c.COPYING_STATUS).first()
    return row.kwargs["mods"][c.COPYING_STATUS] if row else None


def until(start: Callable[[], object], done: Callable[[], object], timeout: float = 120.0) -> float:
    """Seconds from ``start()`` until ``done()`` is truthy, polled every 50 ms (as the baseline)."""
    began = time.perf_counter()
    start()
    while not done():
        if time.perf_counter() - began > timeout:
            raise SystemExit(f"not done within {timeout} s")
        time.sleep(0.05)
    return time.perf_counter() - began


if __name__ == "__main__":
    main()
