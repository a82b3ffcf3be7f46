"""Many writers on one tree: the advisory locks keep the nested sets valid, without deadlocks."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection, connections

from contentcuration import tree
from contentcuration.models import ContentNode
from contentcuration.tests.factories import build_tree, make_channel, node

THREADS = 8
OPERATIONS = 50


def random_operation(rng: random.Random, tree_id: int, root_id: str) -> str:
    ids = list(ContentNode.objects.filter(tree_id=tree_id).values_list("id", flat=True))
    non_root = [i for i in ids if i != root_id] or [root_id]
    operation = rng.choice(["insert", "insert", "move", "move", "copy", "delete"])
    position = rng.choice(tree.POSITIONS)
    target = rng.choice(ids)
    if position in ("left", "right") and target == root_id:
        position = "last-child"
    if operation == "insert":
        tree.insert_nodes(nodes=[node() for _ in range(rng.randint(1, 3))], target=target, position=position)
    elif operation == "move":
        tree.move_node(node=rng.choice(non_root), target=target, position=position)
    elif operation == "copy":
        tree.copy_subtree(source=rng.choice(non_root), target=target, position=position)
    else:
        victim = rng.choice(non_root)
        if victim != root_id:
            tree.delete_subtree(node=victim)
    return operation


@pytest.mark.postgresql
@pytest.mark.slow
def test_eight_writers_keep_one_tree_consistent_without_deadlocks(transactional_db):
    channel = make_channel(name="Contended")
    root = channel.main_tree
    build_tree(root, [("topic", ["video", "video", ("topic", ["document"])]) for _ in range(5)])
    failures: list[BaseException] = []
    refusals: list[str] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(OPERATIONS):
                try:
                    random_operation(rng, root.tree_id, root.pk)
                except tree.TreeError as refusal:
                    # A node deleted or moved by another writer, a move into its own subtree:
                    # refused cleanly, the tree untouched.
                    refusals.append(str(refusal))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert failures == [], failures
    assert connection.vendor == "postgresql"
    assert tree.find_tree_error(root.tree_id) is None
    assert ContentNode.objects.filter(tree_id=root.tree_id).count() > 1
