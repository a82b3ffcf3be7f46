"""Editing a node reaches ``nodes.node_updates.update_nodes``, and editing a question
``nodes.questions.update_question``, from the browser (sync UPDATED) and from the Django admin
alike (issue 11): the same rows, the same ``Change`` rows (the edit and the server's
completeness verdict), the same refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contentcuration.models import AssessmentItem, Change, ContentNode
from contentcuration.models.change_types import ASSESSMENTITEM, CONTENTNODE, UPDATED
from contentcuration.tests.factories import build_tree
from contentcuration.tests.publishing import build_sample_channel
from contentcuration.tests.sync_helpers import change
from contentcuration.tests.test_admin import submit
from contentcuration.tests.test_channel_domain import admin_browser
from contentcuration.tests.test_small_tables_agree import feed, form_errors, sync_error

pytestmark = pytest.mark.django_db


def edit_over_sync(user, channel, node, values):
    return sync_error(user, change(UPDATED, CONTENTNODE, node.pk, channel_id=channel.pk, mods=values))


def edit_over_admin(user, channel, node, values):
    url = reverse("admin:contentcuration_contentnode_change", args=[node.pk])
    response = submit(admin_browser(user), url, **values)
    return None if response.status_code == 302 else form_errors(response)


EDIT_PATHS = {"sync": edit_over_sync, "admin": edit_over_admin}


@pytest.fixture
def topic(channel):
    (node,) = build_tree(channel.main_tree, ["topic"])
    ContentNode.objects.filter(pk=node.pk).update(changed=False, complete=False)
    return node


def last_rev() -> int:
    return Change.objects.order_by("-server_rev").values_list("server_rev", flat=True).first() or 0


@pytest.mark.parametrize("path", EDIT_PATHS)
def test_an_edit_writes_the_same_node_and_feed_from_sync_and_the_admin(owner, channel, topic, path):
    after = last_rev()

    assert EDIT_PATHS[path](owner, channel, topic, {"title": "Fractions", "author": "Ada"}) is None

    node = ContentNode.objects.get(pk=topic.pk)
    assert (node.title, node.author, node.changed, node.complete) == ("Fractions", "Ada", True, True)
    assert node.modified > topic.modified
    # The edit as the browser sends it, then the server's verdict (a titled topic is complete).
    assert feed(channel=channel, server_rev__gt=after) == [
        (CONTENTNODE, UPDATED, topic.pk, None, {"title": "Fractions", "author": "Ada"}, None, owner.pk),
        (CONTENTNODE, UPDATED, topic.pk, None, {"complete": True, "incomplete_reasons": []}, None, owner.pk),
    ]


@pytest.mark.parametrize("path", EDIT_PATHS)
def test_a_refused_edit_names_the_field_and_changes_nothing_from_sync_and_the_admin(owner, channel, topic, path):
    limit = ContentNode._meta.get_field("author").max_length
    after = last_rev()

    errors = EDIT_PATHS[path](owner, channel, topic, {"title": "Kept out", "author": "a" * (limit + 1)})

    assert errors == {"author": [f"is {limit + 1} characters long; at most {limit} are allowed"]}
    node = ContentNode.objects.get(pk=topic.pk)
    assert (node.title, node.changed) == (topic.title, False)
    assert not Change.objects.filter(server_rev__gt=after, applied=True).exists()


# --- a question: sync UPDATED assessmentitem vs the admin's question form ---------------------


def edit_question_over_sync(user, channel, item, values):
    key = [item.contentnode_id, item.assessment_id]
    return sync_error(user, change(UPDATED, ASSESSMENTITEM, key, channel_id=channel.pk, mods=values))


def edit_question_over_admin(user, channel, item, values):
    url = reverse("admin:contentcuration_assessmentitem_change", args=[item.pk])
    response = submit(admin_browser(user), url, **values)
    return None if response.status_code == 302 else form_errors(response)


QUESTION_PATHS = {"sync": edit_question_over_sync, "admin": edit_question_over_admin}


@pytest.mark.parametrize("path", QUESTION_PATHS)
def test_a_question_edit_writes_the_same_rows_and_feed_from_sync_and_the_admin(owner, path):
    channel, nodes = build_sample_channel(owner)
    exercise = nodes["exercise"]
    ContentNode.objects.filter(pk=exercise.pk).update(changed=False)
    item = AssessmentItem.objects.filter(contentnode=exercise).first()
    after = last_rev()

    assert QUESTION_PATHS[path](owner, channel, item, {"question": "What is 2 + 3?"}) is None

    assert AssessmentItem.objects.get(pk=item.pk).question == "What is 2 + 3?"
    assert ContentNode.objects.get(pk=exercise.pk).changed
    key = [exercise.pk, item.assessment_id]
    assert feed(channel=channel, server_rev__gt=after) == [
        (ASSESSMENTITEM, UPDATED, key, None, {"question": "What is 2 + 3?"}, None, owner.pk),
    ]


@pytest.mark.parametrize("path", QUESTION_PATHS)
def test_a_bad_question_edit_is_refused_alike_from_sync_and_the_admin(owner, path):
    channel, nodes = build_sample_channel(owner)
    item = AssessmentItem.objects.filter(contentnode=nodes["exercise"]).first()

    errors = QUESTION_PATHS[path](owner, channel, item, {"answers": '[{"answer": "4"}]'})

    assert errors == {"answers": ["Incorrect field in answers"]}
    assert AssessmentItem.objects.get(pk=item.pk).answers == item.answers
