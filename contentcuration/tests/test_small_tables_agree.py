"""The smaller sync tables that another entry point also writes reach the same domain function
(issue 11): channel sets (``channels.channel_sets``: sync, REST ``POST /api/channelset``, the
Django admin) and prerequisites (``nodes.prerequisites``: sync, the admin). Each test is
parametrized over the entry points and asserts the same rows, the same feed changes (``Change``
rows) and the same errors.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from contentcuration.models import Change, ChannelSet, ContentNode, PrerequisiteContentRelationship, new_hex_id
from contentcuration.models.change_types import CHANNELSET, CONTENTNODE_PREREQUISITE, CREATED, DELETED, UPDATED
from contentcuration.tests.factories import build_tree
from contentcuration.tests.sync_helpers import change, csrf_client_for, errors_by_rev, post_sync, token_client_for
from contentcuration.tests.test_admin import submit
from contentcuration.tests.test_channel_domain import admin_browser

pytestmark = pytest.mark.django_db


def sync_error(user, item: dict):
    response = post_sync(token_client_for(user), [item])
    return errors_by_rev(response, [item])[item["rev"]]


def feed(**scope) -> list[tuple]:
    """The feed as watchers see it, without what varies by run (revs, tokens)."""
    shown = []
    for row in Change.objects.filter(**scope).order_by("server_rev"):
        kwargs = dict(row.kwargs)
        mods = dict(kwargs.get("mods") or {})
        if "secret_token" in mods:
            mods["secret_token"] = "<token>"
        shown.append(
            (row.table, row.change_type, kwargs.get("key"), kwargs.get("obj"), mods, row.user_id, row.created_by_id)
        )
    return shown


def form_errors(response) -> dict:
    form = response.context["adminform"].form
    return {name: list(problems) for name, problems in form.errors.items()}


# --- channel sets: sync vs REST POST vs admin ----------------------------------------------------


def create_set_over_sync(user, key, data):
    return sync_error(user, change(CREATED, CHANNELSET, key, user_id=user.pk, obj=data))


def create_set_over_rest(user, key, data):
    client = csrf_client_for(user)
    response = client.post("/api/channelset", json.dumps({"id": key, **data}), content_type="application/json")
    return None if response.status_code == 201 else response.json()


def create_set_over_admin(user, key, data):
    response = submit(admin_browser(user), reverse("admin:contentcuration_channelset_add"), **data)
    return None if response.status_code == 302 else form_errors(response)  # the admin picks the id


CREATE_SET_PATHS = {"sync": create_set_over_sync, "rest": create_set_over_rest, "admin": create_set_over_admin}


@pytest.mark.parametrize("path", CREATE_SET_PATHS)
def test_a_channel_set_is_created_with_the_same_rows_and_feed_from_every_entry_point(owner, path):
    key = new_hex_id()
    data = {"name": "Science", "description": "For the lab"}

    assert CREATE_SET_PATHS[path](owner, key, data) is None

    channel_set = ChannelSet.objects.get(name="Science")
    assert (channel_set.description, list(channel_set.editors.all())) == ("For the lab", [owner])
    assert channel_set.secret_token is not None and len(channel_set.secret_token.token) == 10
    created_key = channel_set.pk if path == "admin" else key
    assert [row[:2] + row[3:] for row in feed(user=owner)] == [
        (CHANNELSET, CREATED, data, {}, owner.pk, owner.pk),
        (CHANNELSET, UPDATED, None, {"secret_token": "<token>"}, owner.pk, owner.pk),
    ]
    assert {row[2] for row in feed(user=owner)} == {created_key}


@pytest.mark.parametrize("path", CREATE_SET_PATHS)
def test_a_channel_set_name_over_the_models_limit_is_refused_alike(owner, path):
    limit = ChannelSet._meta.get_field("name").max_length

    errors = CREATE_SET_PATHS[path](owner, new_hex_id(), {"name": "n" * (limit + 1), "description": ""})

    assert errors == {"name": [f"Ensure this field has no more than {limit} characters."]}
    assert not ChannelSet.objects.exists()
    assert not Change.objects.filter(user=owner, applied=True).exists()


def edit_set_over_sync(user, channel_set, data):
    return sync_error(user, change(UPDATED, CHANNELSET, channel_set.pk, user_id=user.pk, mods=data))


def edit_set_over_admin(user, channel_set, data):
    url = reverse("admin:contentcuration_channelset_change", args=[channel_set.pk])
    response = submit(admin_browser(user), url, **data)
    return None if response.status_code == 302 else form_errors(response)


def delete_set_over_sync(user, channel_set):
    return sync_error(user, change(DELETED, CHANNELSET, channel_set.pk, user_id=user.pk))


def delete_set_over_admin(user, channel_set):
    client = admin_browser(user)
    url = reverse("admin:contentcuration_channelset_delete", args=[channel_set.pk])
    response = client.post(url, {"post": "yes", "csrfmiddlewaretoken": client.get(url).cookies["csrftoken"].value})
    assert response.status_code == 302, response.content[:500]


@pytest.mark.parametrize(
    "edit, delete",
    [(edit_set_over_sync, delete_set_over_sync), (edit_set_over_admin, delete_set_over_admin)],
    ids=["sync", "admin"],
)
def test_editing_and_deleting_a_channel_set_write_the_same_rows_and_feed(owner, edit, delete):
    create_set_over_sync(owner, key := new_hex_id(), {"name": "Before"})
    channel_set = ChannelSet.objects.get(pk=key)
    token_id = channel_set.secret_token_id
    after = Change.objects.order_by("-server_rev").values_list("server_rev", flat=True).first()

    assert edit(owner, channel_set, {"name": "After"}) is None
    assert ChannelSet.objects.get(pk=key).name == "After"
    delete(owner, channel_set)

    assert not ChannelSet.objects.filter(pk=key).exists()
    assert not ChannelSet.secret_token.field.related_model.objects.filter(pk=token_id).exists()
    assert feed(user=owner, server_rev__gt=after) == [
        (CHANNELSET, UPDATED, key, None, {"name": "After"}, owner.pk, owner.pk),
        (CHANNELSET, DELETED, key, None, {}, owner.pk, owner.pk),
    ]


# --- prerequisites: sync vs admin ------------------------------------------------------------------


def add_over_sync(user, channel, target, prerequisite):
    item = change(
        CREATED,
        CONTENTNODE_PREREQUISITE,
        [target.pk, prerequisite.pk],
        channel_id=channel.pk,
        obj={"target_node": target.pk, "prerequisite": prerequisite.pk},
    )
    return sync_error(user, item)


def add_over_admin(user, channel, target, prerequisite):
    url = reverse("admin:contentcuration_prerequisitecontentrelationship_add")
    response = submit(admin_browser(user), url, target_node=target.pk, prerequisite=prerequisite.pk)
    if response.status_code == 302:
        return None
    # The form shows the domain's refusal first; a check constraint's own wording may follow.
    return form_errors(response)["__all__"][:1]


def remove_over_sync(user, channel, target, prerequisite):
    key = [target.pk, prerequisite.pk]
    return sync_error(user, change(DELETED, CONTENTNODE_PREREQUISITE, key, channel_id=channel.pk))


def remove_over_admin(user, channel, target, prerequisite):
    edge = PrerequisiteContentRelationship.objects.get(target_node=target, prerequisite=prerequisite)
    client = admin_browser(user)
    url = reverse("admin:contentcuration_prerequisitecontentrelationship_delete", args=[edge.pk])
    response = client.post(url, {"post": "yes", "csrfmiddlewaretoken": client.get(url).cookies["csrftoken"].value})
    assert response.status_code == 302, response.content[:500]


@pytest.fixture
def lessons(channel):
    nodes = build_tree(channel.main_tree, ["document", "document"])
    ContentNode.objects.filter(pk__in=[n.pk for n in nodes]).update(changed=False)
    return nodes


@pytest.mark.parametrize(
    "add, remove", [(add_over_sync, remove_over_sync), (add_over_admin, remove_over_admin)], ids=["sync", "admin"]
)
def test_a_prerequisite_is_added_and_removed_with_the_same_rows_and_feed(owner, channel, lessons, add, remove):
    first, second = lessons
    after = Change.objects.order_by("-server_rev").values_list("server_rev", flat=True).first() or 0

    assert add(owner, channel, second, first) is None
    assert PrerequisiteContentRelationship.objects.filter(target_node=second, prerequisite=first).exists()
    assert ContentNode.objects.get(pk=second.pk).changed
    remove(owner, channel, second, first)

    assert not PrerequisiteContentRelationship.objects.exists()
    key = [second.pk, first.pk]
    assert feed(channel=channel, server_rev__gt=after) == [
        (
            CONTENTNODE_PREREQUISITE,
            CREATED,
            key,
            {"target_node": second.pk, "prerequisite": first.pk},
            {},
            None,
            owner.pk,
        ),
        (CONTENTNODE_PREREQUISITE, DELETED, key, None, {}, None, owner.pk),
    ]


@pytest.mark.parametrize("add", [add_over_sync, add_over_admin], ids=["sync", "admin"])
def test_a_prerequisite_cycle_or_self_reference_is_refused_alike(owner, channel, lessons, add):
    first, second = lessons
    assert add(owner, channel, second, first) is None

    assert add(owner, channel, first, second) == ["Prerequisite relationship cannot be reciprocal"]
    assert add(owner, channel, first, first) == ["Prerequisite relationship cannot be self referential"]
    assert PrerequisiteContentRelationship.objects.count() == 1
