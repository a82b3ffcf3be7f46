"""Two identical add_nodes chunks at the same time (a client retry racing the original) must
not both insert: the parent's tree lock serialises them and the second finds the nodes."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from contentcuration.internal.chef_nodes import add_nodes
from contentcuration.internal.chef_upload import create_chef_tree
from contentcuration.models import ContentNode
from contentcuration.tests.test_chef_api import node_dict
from contentcuration.tree import find_tree_error


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_identical_chunks_at_once_create_the_nodes_once(owner):
    channel = create_chef_tree(user=owner, channel_data={"id": "a" * 32, "name": "Race", "language": "en"})
    parent = channel.chef_tree
    chunk = [node_dict("topic", f"race-{i}") for i in range(10)]
    results, errors = [], []
    barrier = threading.Barrier(2)

    def post():
        try:
            barrier.wait()
            results.append(add_nodes(user=owner, parent=parent, channel_id=channel.pk, content_data=chunk))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results[0] == results[1]
    assert ContentNode.objects.filter(parent_id=parent.pk).count() == 10
    assert find_tree_error(parent.tree_id) is None
