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

from contentcuration.models import Change, Channel, ContentNode, TaskMetadata
from contentcuration.models.change_types import CHANNEL, PUBLISHED, TASK_ID, UPDATED
from contentcuration.tests.sync_helpers import (
    change,
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
