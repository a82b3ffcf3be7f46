"""The few REST writes Studio has besides /api/sync (spec 0 "Write model"): POST /api/channel,
DELETE /api/channel/<id>, POST /api/channelset. Each is applied as the sync change it stands
for, so it is validated, logged and announced to watchers like one."""

from __future__ import annotations

import pytest
from django.test import Client

from contentcuration.models import Change, Channel, ChannelSet, new_hex_id
from contentcuration.models import change_types as c
from contentcuration.tests.read_data import client_for
from contentcuration.tests.sync_helpers import client_for as session_client_for
from contentcuration.tests.sync_helpers import created, post_sync
from contentcuration.viewsets.rows import ChannelRow, ChannelSetRow

pytestmark = pytest.mark.django_db


def test_posting_a_channel_creates_it_with_the_read_shape_and_logs_the_change(owner):
    key = new_hex_id()
    body = {"id": key, "name": "Made over REST", "description": "d", "language": "en"}
    response = client_for(owner).post("/api/channel", body, format="json")
    assert response.status_code == 201, response.content
    row = response.json()
    assert set(row) == set(ChannelRow.__annotations__)
    assert (row["id"], row["name"], row["language"], row["edit"]) == (key, "Made over REST", "en", True)
    channel = Channel.objects.get(pk=key)
    assert channel.editors.filter(pk=owner.pk).exists() and channel.main_tree_id == row["root_id"]
    logged = Change.objects.get(channel=channel, change_type=c.CREATED)
    assert logged.created_by == owner and logged.kwargs["obj"]["name"] == "Made over REST"


def test_a_channel_posted_without_an_id_gets_one(owner):
    response = client_for(owner).post("/api/channel", {"name": "No id"}, format="json")
    assert response.status_code == 201 and Channel.objects.filter(pk=response.json()["id"]).exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": 7}, "name"),
        ({"name": "x", "language": "no-such-language"}, "language"),
        ({"name": "x", "content_defaults": "nope"}, "content_defaults"),
        ({"id": "not-hex", "name": "x"}, "id"),
    ],
)
def test_a_bad_channel_body_is_a_400_naming_the_field_and_creates_nothing(owner, body, field):
    before = Channel.objects.count()
    response = client_for(owner).post("/api/channel", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert Channel.objects.count() == before


def test_posting_an_existing_channel_id_is_a_409_and_logs_nothing_in_its_feed(owner, channel, stranger):
    before = Change.objects.filter(channel=channel).count()
    response = client_for(stranger).post("/api/channel", {"id": channel.pk, "name": "Mine now"}, format="json")
    assert response.status_code == 409 and response.json() == {"error": "Channel could not be created"}
    assert Channel.objects.get(pk=channel.pk).name != "Mine now"
    assert Change.objects.filter(channel=channel).count() == before


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}])
def test_a_channel_needs_a_name(owner, body):
    response = client_for(owner).post("/api/channel", body, format="json")
    assert response.status_code == 400 and "name" in response.json(), response.content
    key = new_hex_id()
    outcome = post_sync(session_client_for(owner), [created("channel", key, body, channel_id=key)])["errors"]
    assert outcome and "name" in outcome[0]["errors"]
    assert not Channel.objects.filter(editors=owner).exists()


def test_anonymous_writes_are_refused(channel):
    anonymous = client_for(None)
    assert anonymous.post("/api/channel", {"name": "x"}, format="json").status_code == 403
    assert anonymous.delete(f"/api/channel/{channel.pk}").status_code == 403
    assert anonymous.post("/api/channelset", {"name": "x"}, format="json").status_code == 403


@pytest.mark.parametrize(
    "persona, status", [("stranger", 404), ("viewer", 404), ("editor", 204), ("admin_user", 204), ("owner", 204)]
)
def test_deleting_a_channel_is_for_its_editors_and_admins(request, channel, persona, status):
    user = request.getfixturevalue(persona)
    response = client_for(user).delete(f"/api/channel/{channel.pk}")
    assert response.status_code == status
    channel.refresh_from_db()
    assert channel.deleted is (status == 204)


def test_a_deleted_channel_is_announced_to_watchers_as_an_update(owner, editor, channel):
    watcher = session_client_for(editor)
    post_sync(watcher, [], channel_revs={channel.pk: 0})  # the editor is watching
    assert client_for(owner).delete(f"/api/channel/{channel.pk}").status_code == 204
    seen = post_sync(watcher, [], channel_revs={channel.pk: 0})["changes"]
    assert {"table": "channel", "type": c.UPDATED, "mods": {"deleted": True}} in [
        {k: ch.get(k) for k in ("table", "type", "mods")} for ch in seen
    ]


def test_channel_edits_over_rest_stay_405(owner, channel):
    client = client_for(owner)
    assert client.patch(f"/api/channel/{channel.pk}", {"name": "x"}, format="json").status_code == 405
    assert client.put(f"/api/channel/{channel.pk}", {"name": "x"}, format="json").status_code == 405


def test_the_catalog_takes_no_writes(owner, channel):
    channel.public = True
    channel.save(update_fields=["public"])
    client = client_for(owner)
    assert client.post("/api/catalog", {"name": "x"}, format="json").status_code == 405
    assert client.delete(f"/api/catalog/{channel.pk}").status_code == 405
    assert Channel.objects.get(pk=channel.pk).deleted is False


def test_session_writes_need_the_csrf_token(owner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    response = browser.post("/api/channel", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403 and not Channel.objects.filter(name="x").exists()


def test_posting_a_channel_set_creates_it_for_the_requester_with_a_token(owner, channel, stranger):
    key = new_hex_id()
    body = {"id": key, "name": "My set", "description": "", "channels": {channel.pk: True}}
    response = client_for(owner).post("/api/channelset", body, format="json")
    assert response.status_code == 201, response.content
    row = response.json()
    assert set(row) == set(ChannelSetRow.__annotations__)
    channelset = ChannelSet.objects.get(pk=key)
    assert row["secret_token"] == channelset.secret_token.token and row["edit"] is True
    assert list(channelset.editors.all()) == [owner]
    assert client_for(stranger).get(f"/api/channelset/{key}").status_code == 404
    echo = Change.objects.filter(table="channelset", user=owner, change_type=c.UPDATED).get()
    assert echo.kwargs["mods"] == {"secret_token": channelset.secret_token.token}


def test_a_bad_channel_set_is_a_400_naming_the_field(owner):
    response = client_for(owner).post("/api/channelset", {"name": ["not", "a", "string"]}, format="json")
    assert response.status_code == 400 and "name" in response.json()
    assert not ChannelSet.objects.exists()
