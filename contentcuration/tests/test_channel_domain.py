"""Every entry point that writes a channel reaches the same domain function (issue 11):
``channels.publishing.request_publish``, ``channels.lifecycle.update_channel`` /
``delete_channel`` / ``restore_channel`` and ``channels.sharing.accept_invitation``.

Each test is parametrized over the entry points (sync through ``/api/sync/``, REST with CSRF
enforced, the chef API with a token as ricecooker sends it, the Django admin) and asserts the
same rows, the same feed changes (``Change`` rows) and the same errors.
"""

from __future__ import annotations

import json

import pytest
from rest_framework.authtoken.models import Token

from contentcuration.models import Change, Channel, ChannelHistory, ContentNode, Invitation, TaskMetadata, new_hex_id
from contentcuration.models.change_types import (
    CHANNEL,
    CREATED,
    DELETED,
    EDITOR_M2M,
    INVITATION,
    PUBLISHED,
    TASK_ID,
    UPDATED,
    VIEWER_M2M,
)
from contentcuration.tests.factories import UserFactory, make_channel
from contentcuration.tests.sync_helpers import (
    change,
    csrf_client_for,
    errors_by_rev,
    post_sync,
    token_client_for,
)

# --- entry points ---------------------------------------------------------------------------


def chef_post(user, name: str, payload: dict):
    """As ricecooker posts: raw JSON, token header, no Content-Type."""
    from django.test import Client

    token = Token.objects.get_or_create(user=user)[0].key
    return Client(enforce_csrf_checks=True).generic(
        "POST", f"/api/internal/{name}", json.dumps(payload), content_type="", HTTP_AUTHORIZATION=f"Token {token}"
    )


def sync_error(user, item: dict):
    """The stored errors of one change posted to /api/sync/ (None: applied)."""
    response = post_sync(token_client_for(user), [item])
    return errors_by_rev(response, [item])[item["rev"]]


def feed(channel_id: str, after: int = 0) -> list[tuple]:
    """The channel's feed as watchers see it, without what varies by entry point (revs, ids)."""
    rows = Change.objects.filter(channel_id=channel_id, server_rev__gt=after).order_by("server_rev")
    shown = []
    for row in rows:
        kwargs = dict(row.kwargs)
        mods = kwargs.get("mods") or {}
        if TASK_ID in mods:
            mods = {TASK_ID: "<task>"}
        shown.append((row.table, row.change_type, kwargs.get("key"), mods, row.created_by_id, row.applied))
    return shown


def last_rev() -> int:
    return Change.objects.order_by("-server_rev").values_list("server_rev", flat=True).first() or 0


# --- request a publish: sync PUBLISHED vs chef publish_channel ---------------------------------


def publish_over_sync(user, channel, **extra):
    return sync_error(user, change(PUBLISHED, CHANNEL, channel.pk, channel_id=channel.pk, **extra))


def publish_over_chef(user, channel, **extra):
    response = chef_post(user, "publish_channel", {"channel_id": channel.pk, **extra})
    if response.status_code == 200:
        return None
    return response.json()["error"], response.status_code


PUBLISH_PATHS = {"sync": publish_over_sync, "chef": publish_over_chef}


@pytest.mark.parametrize("path", PUBLISH_PATHS)
def test_a_publish_request_queues_the_same_job_and_feed_from_every_entry_point(owner, path, settings):
    channel = Channel.objects.get(pk=_channel_in(owner, language_id="fr").pk)
    before = last_rev()

    assert PUBLISH_PATHS[path](owner, channel, version_notes="First") is None

    (job,) = TaskMetadata.objects.filter(channel_id=channel.pk)
    # The language defaults to the channel's in both (sync used to default to "en").
    assert job.kwargs == {
        "channel_id": channel.pk,
        "user_id": owner.pk,
        "version_notes": "First",
        "language": "fr",
        "draft": False,
        "use_staging_tree": False,
    }
    assert feed(channel.pk, before) == [
        (CHANNEL, PUBLISHED, channel.pk, {}, owner.pk, True),
        (CHANNEL, UPDATED, channel.pk, {TASK_ID: "<task>"}, owner.pk, True),
    ]


def _channel_in(owner, **fields):
    from contentcuration.tests.factories import make_channel

    return make_channel(owner=owner, name="Publishable", **fields)


@pytest.mark.parametrize("path", PUBLISH_PATHS)
@pytest.mark.parametrize(
    "state, message",
    [("deleted", "Cannot publish a deleted channel"), ("publishing", "Channel is already publishing")],
)
def test_a_deleted_or_publishing_channel_is_refused_the_same_way_everywhere(owner, path, state, message):
    channel = _channel_in(owner, language_id="fr")
    if state == "deleted":
        Channel.objects.filter(pk=channel.pk).update(deleted=True)
    else:
        ContentNode.objects.filter(pk=channel.main_tree_id).update(publishing=True)
    before = last_rev()

    outcome = PUBLISH_PATHS[path](owner, channel)

    assert outcome == ([message] if path == "sync" else (message, 400))
    assert not TaskMetadata.objects.filter(channel_id=channel.pk).exists()
    # Nothing the chef path would announce; sync logs the refused change with its errors.
    expected = [(CHANNEL, PUBLISHED, channel.pk, {}, owner.pk, False)] if path == "sync" else []
    assert feed(channel.pk, before) == expected


@pytest.mark.parametrize("path", PUBLISH_PATHS)
def test_a_publish_with_an_unknown_language_names_the_field_everywhere(owner, path):
    channel = _channel_in(owner, language_id="fr")
    outcome = PUBLISH_PATHS[path](owner, channel, language="xx-nope")
    message = 'Invalid pk "xx-nope" - object does not exist.'
    if path == "sync":
        assert outcome == {"language": [message]}
    else:
        assert outcome == (f"field 'language': {message}", 400)
    assert not TaskMetadata.objects.filter(channel_id=channel.pk).exists()


# --- channel fields: one table (model limits; tagline) through every entry point ---------------


def admin_browser(user):
    """The Django admin as an operator drives it (tests/test_admin.py: forms posted back with
    their CSRF token); ``user`` is made staff, keeping its own id as the author."""
    from django.test import Client

    user.is_staff = user.is_superuser = user.is_admin = True
    user.save(update_fields=["is_staff", "is_superuser", "is_admin"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def fields_over_sync(user, channel, values):
    return sync_error(user, change(UPDATED, CHANNEL, channel.pk, channel_id=channel.pk, mods=values))


def fields_over_chef(user, channel, values):
    body = {"id": channel.pk, "name": channel.name, "thumbnail": None, "language": "en", **values}
    response = chef_post(user, "create_channel", {"channel_data": body})
    if response.status_code == 200:
        return None
    return {p["field"].removeprefix("channel_data."): [p["message"]] for p in response.json()["problems"]}


def fields_over_admin(user, channel, values):
    from django.urls import reverse

    from contentcuration.tests.test_admin import submit

    url = reverse("admin:contentcuration_channel_change", args=[channel.pk])
    response = submit(admin_browser(user), url, **values)
    if response.status_code == 302:
        return None
    form = response.context["adminform"].form
    return {name: list(problems) for name, problems in form.errors.items()}


def fields_over_rest_post(user, channel, values):
    """POST /api/channel makes a new channel: the same field table decides what it accepts."""
    body = {"id": channel.pk, "name": channel.name, **values}
    response = csrf_client_for(user).post("/api/channel", json.dumps(body), content_type="application/json")
    if response.status_code == 201:
        return None
    return response.json()


FIELD_PATHS = {
    "sync": fields_over_sync,
    "chef": fields_over_chef,
    "admin": fields_over_admin,
    "rest": fields_over_rest_post,
}


def _target(owner, path):
    """The channel the entry point writes: an existing one, or (REST POST) a fresh id."""
    from contentcuration.models import new_hex_id
    from contentcuration.tests.factories import make_channel

    if path == "rest":
        return Channel(id=new_hex_id(), name="Fields")
    if path == "chef":
        return make_channel(owner=owner, name="Fields", id="0123456789ab5def0123456789abcdef")
    return make_channel(owner=owner, name="Fields")


@pytest.mark.parametrize("path", FIELD_PATHS)
def test_the_channel_field_limits_are_the_models_and_tagline_is_writable_everywhere(owner, path):
    channel = _target(owner, path)
    limit = Channel._meta.get_field("tagline").max_length

    too_long = FIELD_PATHS[path](owner, channel, {"tagline": "t" * (limit + 1)})
    assert too_long == {"tagline": [f"Ensure this field has no more than {limit} characters."]}
    assert not Channel.objects.filter(pk=channel.pk, tagline__isnull=False).exists()

    long_name = "n" * (Channel._meta.get_field("name").max_length + 1)
    assert FIELD_PATHS[path](owner, channel, {"name": long_name, "tagline": "ok"}) == {
        "name": ["Ensure this field has no more than 200 characters."]
    }

    assert FIELD_PATHS[path](owner, channel, {"tagline": "t" * limit}) is None
    assert Channel.objects.get(pk=channel.pk).tagline == "t" * limit


# --- soft delete and restore: sync vs REST DELETE vs admin -------------------------------------


def delete_over_sync(user, channel):
    return sync_error(user, change(UPDATED, CHANNEL, channel.pk, channel_id=channel.pk, mods={"deleted": True}))


def delete_over_rest(user, channel):
    response = csrf_client_for(user).delete(f"/api/channel/{channel.pk}")
    return None if response.status_code == 204 else response.status_code


def delete_over_admin(user, channel):
    from django.urls import reverse

    client = admin_browser(user)
    url = reverse("admin:contentcuration_channel_delete", args=[channel.pk])
    client.get(url)
    response = client.post(url, {"post": "yes", "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    return None if response.status_code == 302 else response.status_code


def restore_over_sync(user, channel):
    return sync_error(user, change(UPDATED, CHANNEL, channel.pk, channel_id=channel.pk, mods={"deleted": False}))


def restore_over_admin(user, channel):
    from django.urls import reverse

    client = admin_browser(user)
    url = reverse("admin:contentcuration_channel_changelist")
    client.get(url)
    body = {
        "action": "restore_channels",
        "_selected_action": [channel.pk],
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
    }
    response = client.post(url + "?deleted__exact=1", body)
    return None if response.status_code == 302 else response.status_code


@pytest.mark.parametrize(
    "delete", [delete_over_sync, delete_over_rest, delete_over_admin], ids=["sync", "rest", "admin"]
)
@pytest.mark.parametrize("restore", [restore_over_sync, restore_over_admin], ids=["sync", "admin"])
def test_soft_delete_and_restore_make_the_same_rows_and_feed_everywhere(owner, delete, restore):
    channel = make_channel(owner=owner, name="Short-lived")
    pending = Invitation.objects.create(channel=channel, email="x@example.com", sender=owner)
    before = last_rev()

    assert delete(owner, channel) is None
    channel.refresh_from_db()
    assert channel.deleted
    assert not Invitation.objects.filter(pk=pending.pk).exists()
    assert ChannelHistory.objects.filter(channel=channel, action=ChannelHistory.DELETION, actor=owner).count() == 1

    assert restore(owner, channel) is None
    channel.refresh_from_db()
    assert not channel.deleted
    assert ChannelHistory.objects.filter(channel=channel, action=ChannelHistory.RECOVERY, actor=owner).count() == 1
    assert feed(channel.pk, before) == [
        (CHANNEL, UPDATED, channel.pk, {"deleted": True}, owner.pk, True),
        (CHANNEL, UPDATED, channel.pk, {"deleted": False}, owner.pk, True),
    ]


# --- accepting an invitation: REST vs sync -----------------------------------------------------


def accept_over_rest(user, key):
    response = csrf_client_for(user).post(f"/api/invitation/{key}/accept")
    return None if response.status_code == 200 else (response.status_code, response.json())


def accept_over_sync(user, key):
    return sync_error(user, change(UPDATED, INVITATION, key, user_id=user.pk, mods={"accepted": True}))


ACCEPT_PATHS = {"rest": accept_over_rest, "sync": accept_over_sync}


def _invitation(owner, channel, invitee, share_mode="view", **fields):
    return Invitation.objects.create(
        id=new_hex_id(), channel=channel, email=invitee.email, share_mode=share_mode, sender=owner, **fields
    )


@pytest.mark.parametrize("path", ACCEPT_PATHS)
def test_accepting_an_invitation_makes_the_same_rows_and_feed_from_rest_and_sync(owner, channel, path):
    invitee = UserFactory(email="invitee@example.com", email_verified=True)
    channel.editors.add(invitee)  # an editor invited to view: the old membership goes
    invitation = _invitation(owner, channel, invitee)
    before = last_rev()

    assert ACCEPT_PATHS[path](invitee, invitation.pk) is None

    invitation.refresh_from_db()
    assert invitation.accepted and invitation.invited_id == invitee.pk
    assert channel.viewers.filter(pk=invitee.pk).exists() and not channel.editors.filter(pk=invitee.pk).exists()
    key = [invitee.pk, channel.pk]
    domain_feed = [
        (EDITOR_M2M, DELETED, key, {}, invitee.pk, True),
        (VIEWER_M2M, CREATED, key, {}, invitee.pk, True),
        (INVITATION, UPDATED, invitation.pk, {"accepted": True}, invitee.pk, True),
    ]
    # Sync logs the client's own change as well (on the invitee's feed: its user_id).
    assert feed(channel.pk, before) == domain_feed


@pytest.mark.parametrize("path", ACCEPT_PATHS)
@pytest.mark.parametrize(
    "state, message",
    [
        ({"revoked": True}, "Invitation has been revoked"),
        ({"accepted": True}, "This invitation has already been accepted."),
    ],
)
def test_an_invitation_that_cannot_be_accepted_is_refused_with_the_same_message(owner, channel, path, state, message):
    invitee = UserFactory(email="invitee@example.com", email_verified=True)
    invitation = _invitation(owner, channel, invitee, **state)
    before = last_rev()

    outcome = ACCEPT_PATHS[path](invitee, invitation.pk)

    assert outcome == ((400, message) if path == "rest" else {"accepted": [message]})
    assert not channel.viewers.filter(pk=invitee.pk).exists()
    assert feed(channel.pk, before) == []


@pytest.mark.parametrize("path", ACCEPT_PATHS)
def test_an_invitation_without_a_channel_is_refused_not_a_server_error(owner, channel, path):
    invitee = UserFactory(email="invitee@example.com", email_verified=True)
    invitation = _invitation(owner, None, invitee)
    message = "This invitation is not for any channel."

    outcome = ACCEPT_PATHS[path](invitee, invitation.pk)

    assert outcome == ((400, message) if path == "rest" else {"accepted": [message]})
    invitation.refresh_from_db()
    assert not invitation.accepted and not invitee.view_only_channels.exists()
