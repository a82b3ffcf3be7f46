"""Sync endpoint: time from POST /api/sync/ to applied, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/sync.py

Creates (and drops afterwards) a throwaway database ``bench_sync`` on the server named by
DATABASE_URL. Changes are applied inside the request, so "applied" is the POST's return,
except for the large copy, which is a Celery task: with no worker running the benchmark
runs it eagerly (in the request's on-commit hook) and says so.
"""

from __future__ import annotations

import json
import os
import sys
import time

from harness import throwaway_database

BENCH_DB = "bench_sync"
TARGETS = {"create": 0.5, "update": 0.5, "move": 0.3, "copy": 3.0}
STUDIO = {"create": 18.4, "update": 25.9, "move": 7.7, "copy": 37.0}


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("benchmarks/sync.py needs DATABASE_URL=postgres://...")
    with throwaway_database(BENCH_DB):
        run()


def run() -> None:
    from django.test import Client

    from contentcuration import tree
    from contentcuration.celery import app
    from contentcuration.models import Change, ContentNode, new_hex_id
    from contentcuration.tests.factories import UserFactory, build_tree, make_channel
    from contentcuration.viewsets.sync import constants as c

    user = UserFactory(email="bench@example.com")
    channel = make_channel(owner=user, name="Bench")
    topic, other = build_tree(channel.main_tree, ["topic", "topic"])
    client = Client()
    client.force_login(user)
    revs = iter(range(1, 10**9))

    def post(changes):
        body = json.dumps({"changes": changes, "channel_revs": {channel.pk: 0}})
        start = time.perf_counter()
        response = client.post("/api/sync/", data=body, content_type="application/json")
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.content[:500]
        return elapsed, response.json()

    def report(name, label, seconds, extra=""):
        verdict = "OK" if seconds <= TARGETS[name] else "MISSED"
        print(f"{label:<44} {seconds:7.3f} s  (target <= {TARGETS[name]} s, Studio {STUDIO[name]} s) {verdict}{extra}")

    # Warm-up: the first request of a process imports handlers and fills caches; a server
    # pays that once, not per batch.
    warm = new_hex_id()
    post(
        [
            {
                "type": c.CREATED,
                "table": "contentnode",
                "key": warm,
                "rev": next(revs),
                "channel_id": channel.pk,
                "obj": {"title": "warm", "kind": "video", "parent": other.pk},
            },
            {
                "type": c.UPDATED,
                "table": "contentnode",
                "key": warm,
                "rev": next(revs),
                "channel_id": channel.pk,
                "mods": {"title": "warm2"},
            },
            {
                "type": c.MOVED,
                "table": "contentnode",
                "key": warm,
                "rev": next(revs),
                "channel_id": channel.pk,
                "target": channel.trash_tree_id,
                "position": "last-child",
            },
        ]
    )

    keys = [new_hex_id() for _ in range(1000)]
    creates = [
        {
            "type": c.CREATED,
            "table": "contentnode",
            "key": k,
            "rev": next(revs),
            "channel_id": channel.pk,
            "obj": {"title": f"Node {i}", "kind": "video", "parent": topic.pk},
        }
        for i, k in enumerate(keys)
    ]
    seconds, response = post(creates)
    assert ContentNode.objects.filter(parent=topic).count() == 1000 and not Change.objects.filter(errored=True).exists()
    report("create", "1,000 CREATED contentnodes under one topic", seconds)

    updates = [
        {
            "type": c.UPDATED,
            "table": "contentnode",
            "key": k,
            "rev": next(revs),
            "channel_id": channel.pk,
            "mods": {"title": f"Renamed {i}"},
        }
        for i, k in enumerate(keys)
    ]
    seconds, _ = post(updates)
    assert ContentNode.objects.filter(parent=topic, title__startswith="Renamed").count() == 1000
    report("update", "1,000 UPDATED titles", seconds)

    moves = [
        {
            "type": c.MOVED,
            "table": "contentnode",
            "key": k,
            "rev": next(revs),
            "channel_id": channel.pk,
            "target": other.pk,
            "position": "last-child",
        }
        for k in keys[:200]
    ]
    seconds, _ = post(moves)
    assert ContentNode.objects.filter(parent=other).count() == 200
    report("move", "200 MOVED", seconds)

    big = tree.create_root(title="source")
    spec = [("topic", ["video"] * 49) for _ in range(100)]  # 100 topics x 50 = 5,000 nodes
    source = build_tree(big, [("topic", spec)])[0]
    tree.move_node(node=source, target=channel.main_tree, position="last-child")
    size = ContentNode.objects.get(pk=source.pk).get_descendant_count() + 1
    eager = os.environ.get("SYNC_BENCH_WORKER") != "1"
    if eager:
        app.conf.CELERY_TASK_ALWAYS_EAGER = True
    key = new_hex_id()
    copy = {
        "type": c.COPIED,
        "table": "contentnode",
        "key": key,
        "rev": next(revs),
        "channel_id": channel.pk,
        "from_key": source.pk,
        "target": channel.main_tree_id,
        "position": "last-child",
        "mods": {},
        "excluded_descendants": None,
    }
    start = time.perf_counter()
    post([copy])
    while not Change.objects.filter(
        table="contentnode", kwargs__key=key, kwargs__mods__has_key=c.COPYING_STATUS
    ).exists():
        if time.perf_counter() - start > 120:
            raise SystemExit("copy did not finish within 120 s")
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    status = Change.objects.filter(table="contentnode", kwargs__key=key, kwargs__mods__has_key=c.COPYING_STATUS).get()
    assert status.kwargs["mods"][c.COPYING_STATUS] == "SUCCESS", status.kwargs
    assert ContentNode.objects.get(pk=key).get_descendant_count() + 1 == size
    assert tree.find_tree_error(channel.main_tree.tree_id) is None
    report(
        "copy",
        f"COPIED of a {size:,}-node subtree until success",
        seconds,
        " (task run eagerly: no worker)" if eager else " (task run by a worker)",
    )


if __name__ == "__main__":
    main()
