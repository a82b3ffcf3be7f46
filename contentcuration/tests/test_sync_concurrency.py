"""Concurrent clients on one channel (PostgreSQL): nothing lost, nothing doubled, trees valid,
and a poller running alongside receives every applied change exactly once, in order."""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import connection

from contentcuration import tree
from contentcuration.models import Change, ContentNode, new_hex_id
from contentcuration.models import change_types as c
from contentcuration.tests.factories import UserFactory
from contentcuration.tests.sync_helpers import change, client_for, created, deleted, moved, post_sync, updated

CLIENTS = 8
BATCHES = 50


def _batch(rng: random.Random, channel, mine: list[str]) -> list[dict]:
    batch = []
    for _ in range(rng.randint(2, 6)):
        roll = rng.random()
        if roll < 0.35 or not mine:
            key = new_hex_id()
            parent = rng.choice([channel.main_tree_id, *mine[-3:]]) if mine else channel.main_tree_id
            batch.append(
                created("contentnode", key, {"title": "n", "kind": "topic", "parent": parent}, channel_id=channel.pk)
            )
            mine.append(key)
        elif roll < 0.6:
            batch.append(updated("contentnode", rng.choice(mine), {"title": f"t{rng.random()}"}, channel_id=channel.pk))
        elif roll < 0.8:
            target = rng.choice([channel.main_tree_id, channel.trash_tree_id, *mine])
            batch.append(
                moved(
                    rng.choice(mine),
                    target,
                    rng.choice(["last-child", "first-child", "left", "right"]),
                    channel_id=channel.pk,
                )
            )
        elif roll < 0.9:
            batch.append(
                change(
                    c.COPIED,
                    "contentnode",
                    new_hex_id(),
                    channel_id=channel.pk,
                    from_key=rng.choice(mine),
                    target=channel.main_tree_id,
                    position="last-child",
                    mods={},
                    excluded_descendants=None,
                )
            )
        else:
            victim = mine.pop(rng.randrange(len(mine)))
            batch.append(deleted("contentnode", victim, channel_id=channel.pk))
    return batch


@pytest.mark.postgresql
@pytest.mark.slow
def test_eight_clients_editing_one_channel_lose_nothing(transactional_db):
    owner = UserFactory()
    from contentcuration.tests.factories import make_channel

    channel = make_channel(owner=owner)
    users = [UserFactory() for _ in range(CLIENTS // 2)]
    for user in users:
        channel.editors.add(user)
    clients = [client_for(users[i % len(users)]) for i in range(CLIENTS)]
    observer = client_for(owner)
    sent: list[list[dict]] = [[] for _ in range(CLIENTS)]
    answers: list[list[dict]] = [[] for _ in range(CLIENTS)]
    failures: list[BaseException] = []
    done = threading.Event()
    observed: list[int] = []

    def work(index: int) -> None:
        rng = random.Random(index)
        mine: list[str] = []
        try:
            for _ in range(BATCHES):
                batch = _batch(rng, channel, mine)
                sent[index].extend(batch)
                answers[index].append(post_sync(clients[index], batch))
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            connection.close()

    def watch() -> None:
        mark = 0
        try:
            while True:
                finished = done.is_set()
                response = post_sync(observer, channel_revs={channel.pk: mark})
                revs = [ch["server_rev"] for ch in response["changes"]]
                observed.extend(revs)
                if revs:
                    mark = max(revs)
                if finished and not revs:
                    return
                if not revs:
                    time.sleep(0.05)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    watcher = threading.Thread(target=watch)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    watcher.join()
    assert not failures, failures

    for index in range(CLIENTS):
        allowed = [a for response in answers[index] for a in response["allowed"]]
        assert [a["rev"] for a in allowed] == [ch["rev"] for ch in sent[index]]  # every change accepted
        rows = Change.objects.filter(server_rev__in=[a["server_rev"] for a in allowed])
        assert rows.count() == len(allowed)  # ... and logged once
        assert all(r.applied != r.errored for r in rows)  # ... with a final outcome
    applied = list(
        Change.objects.filter(channel=channel, applied=True).order_by("server_rev").values_list("server_rev", flat=True)
    )
    assert observed == applied  # the poller saw everything once, in order
    for root in (channel.main_tree, channel.trash_tree):
        assert tree.find_tree_error(root.tree_id) is None
    created_ok = Change.objects.filter(
        channel=channel, table="contentnode", change_type=c.CREATED, applied=True
    ).count()
    assert (
        created_ok > 0
        and ContentNode.objects.filter(tree_id__in=[channel.main_tree.tree_id, channel.trash_tree.tree_id]).exists()
    )
