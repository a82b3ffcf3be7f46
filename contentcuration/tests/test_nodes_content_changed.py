"""Every path that changes a node's content goes through ``nodes.content_changed``: the node
reads ``changed``, its ``modified`` moves, a copy gets its own ``content_id`` and watchers are
told, whichever write it was (issue 11: four sync paths set ``changed`` directly, leaving
``modified`` as it was, and creating a question did not mark the exercise changed at all)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from contentcuration import tree
from contentcuration.models import ContentNode, File, new_hex_id
from contentcuration.tests.factories import build_tree, make_assessment_item, make_file
from contentcuration.tests.sync_helpers import client_for, created, deleted, errors_by_rev, post_sync, updated

ANSWERS = '[{"answer": "2", "correct": true, "order": 1}]'


def _question(copy):
    return make_assessment_item(contentnode=copy, assessment_id=new_hex_id())


def change_for(path: str, copy: ContentNode, owner, channel) -> dict:
    """One sync change through ``path`` that changes ``copy``'s content."""
    if path == "file_attached":
        upload = make_file(uploaded_by=owner, data=b"another pdf")
        return updated("file", upload.pk, {"contentnode": copy.pk}, channel_id=channel.pk)
    if path == "file_deleted":
        return deleted("file", File.objects.filter(contentnode=copy).first().pk, channel_id=channel.pk)
    if path == "question_created":
        obj = {"question": "Q", "answers": ANSWERS, "type": "single_selection"}
        return created("assessmentitem", [copy.pk, new_hex_id()], obj, channel_id=channel.pk)
    item = _question(copy)
    if path == "question_updated":
        return updated("assessmentitem", [copy.pk, item.assessment_id], {"question": "New"}, channel_id=channel.pk)
    return deleted("assessmentitem", [copy.pk, item.assessment_id], channel_id=channel.pk)


PATHS = ("file_attached", "file_deleted", "question_created", "question_updated", "question_deleted")


@pytest.mark.parametrize("path", PATHS)
def test_a_content_change_marks_the_node_changed_modified_and_gives_a_copy_its_content_id(owner, channel, path):
    exercise = build_tree(channel.main_tree, ["exercise"])[0]
    make_assessment_item(contentnode=exercise)
    make_file(contentnode=exercise, data=b"exercise pdf")
    copy = tree.copy_subtree(source=exercise, target=channel.main_tree)
    long_ago = timezone.now() - datetime.timedelta(days=30)
    ContentNode.objects.filter(pk=copy.pk).update(changed=False, modified=long_ago)  # as after a publish
    change = change_for(path, copy, owner, channel)

    response = post_sync(client_for(owner), [change], channel_revs={channel.pk: 0})

    assert errors_by_rev(response, [change])[change["rev"]] is None
    copy.refresh_from_db()
    assert copy.changed is True
    assert copy.modified > long_ago
    assert copy.content_id != exercise.content_id
    assert {"content_id": copy.content_id} in [e["mods"] for e in response["changes"] if e["key"] == copy.pk]
