"""The /api/sync/ envelope: shapes, 400s, classification (spec 2.4), idempotency, the feed."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from contentcuration.models import Change, Channel, ContentNode, new_hex_id
from contentcuration.models import change_types as c
from contentcuration.tests.factories import UserFactory, make_channel
from contentcuration.tests.sync_helpers import (
    SYNC_URL,
    change,
    client_for,
    created,
    errors_by_rev,
    post_sync,
    updated,
)

KEYS = {"disallowed", "allowed", "changes", "errors", "successes", "tasks"}


def new_node(channel, title="Node", parent=None, key=None):
    return created(
        "contentnode",
        key or new_hex_id(),
        {"title": title, "kind": "topic", "parent": parent or channel.main_tree_id},
        channel_id=channel.pk,
    )


# --- envelope -------------------------------------------------------------------------------


def test_an_empty_poll_answers_the_six_keys(owner):
    assert set(post_sync(client_for(owner))) == KEYS


@pytest.mark.parametrize(
    "body, named",
    [
        ("not json", "JSON"),
        ("[1, 2]", "JSON object"),
        ('{"changes": {}}', "changes"),
        ('{"channel_revs": {"x": null}}', "channel_revs"),
        ('{"user_rev": "7"}', "user_rev"),
        ('{"unapplied_revs": ["a"]}', "unapplied_revs"),
    ],
)
def test_a_malformed_body_is_a_400_naming_the_problem(owner, body, named):
    response = client_for(owner).post(SYNC_URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert named in json.dumps(response.json())


def test_anonymous_requests_are_refused(db):
    response = Client().post(SYNC_URL, data="{}", content_type="application/json")
    assert response.status_code == 403


def test_token_clients_can_sync_and_get_their_outcomes(owner, channel):
    token = Token.objects.create(user=owner)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    batch = [new_node(channel, "From a script")]
    response = client.post(SYNC_URL, data=json.dumps({"changes": batch}), content_type="application/json").json()
    assert len(response["successes"]) == 1
    assert Change.objects.get(server_rev=response["allowed"][0]["server_rev"]).client_id == f"token:{owner.pk}"


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"type": 99}, "type"),
        ({"type": "1"}, "type"),
        ({"table": "nope"}, "table"),
        ({"rev": "abc"}, "rev"),
        ({"rev": 2**40}, "rev"),
    ],
)
def test_a_change_with_a_bad_envelope_is_an_error_naming_the_field(owner, channel, bad, field):
    item = {**new_node(channel), **bad}
    response = post_sync(client_for(owner), [item], unapplied_revs=[])
    assert not response["successes"]
    assert field in response["errors"][0]["errors"]


def test_a_change_without_key_is_an_error_naming_key(owner, channel):
    item = new_node(channel)
    del item["key"]
    response = post_sync(client_for(owner), [item])
    assert "key" in response["errors"][0]["errors"]


def test_non_object_changes_are_dropped(owner, channel):
    response = post_sync(client_for(owner), [1, "x", None, new_node(channel)])
    assert len(response["allowed"]) == 1 and not response["disallowed"]


def test_user_tables_without_write_handlers_report_an_error(owner):
    item = updated("user", owner.pk, {"first_name": "X"}, user_id=owner.pk)
    response = post_sync(client_for(owner), [item])
    assert "not allowed" in response["errors"][0]["errors"][0]


def test_reserved_keys_sent_by_a_client_are_ignored(owner, channel):
    item = {**new_node(channel), "created_by_id": 999, "applied": False, "session_key": "x", "errors": ["fake"]}
    response = post_sync(client_for(owner), [item])
    assert response["successes"][0]["created_by_id"] == owner.pk
    assert "errors" not in response["successes"][0]


# --- classification -------------------------------------------------------------------------


def test_viewer_and_stranger_changes_are_disallowed(channel, viewer, stranger):
    for user in (viewer, stranger):
        item = new_node(channel)
        response = post_sync(client_for(user), [item])
        assert response["disallowed"] == [item]
        assert response["allowed"] == []
    assert ContentNode.objects.filter(parent=channel.main_tree).count() == 0


def test_editors_and_admins_changes_are_allowed(channel, editor, admin_user):
    for user in (editor, admin_user):
        response = post_sync(client_for(user), [new_node(channel)])
        assert len(response["successes"]) == 1, response


def test_a_fake_create_of_an_existing_channel_grants_no_rights(channel, stranger):
    fake = created("channel", channel.pk, {"name": "Mine now"}, channel_id=channel.pk)
    edit = new_node(channel)
    response = post_sync(client_for(stranger), [fake, edit])
    assert response["disallowed"] == [fake, edit]
    assert not channel.editors.filter(pk=stranger.pk).exists()


def test_a_channel_created_in_the_batch_can_be_edited_in_the_same_batch(stranger):
    channel_id = new_hex_id()
    batch = [created("channel", channel_id, {"name": "New"}, channel_id=channel_id)]
    response = post_sync(client_for(stranger), batch, channel_revs={channel_id: 0})
    assert len(response["successes"]) == 1
    channel = Channel.objects.get(pk=channel_id)
    echo = response["changes"][0]
    assert echo["mods"]["root_id"] == channel.main_tree_id
    assert echo["mods"]["trash_root_id"] == channel.trash_tree_id
    response = post_sync(client_for(stranger), [new_node(channel)])
    assert len(response["successes"]) == 1


def test_server_only_changes_are_always_disallowed(owner, channel):
    item = change(c.ADDED_TO_COMMUNITY_LIBRARY, "channel", channel.pk, channel_id=channel.pk)
    assert post_sync(client_for(owner), [item])["disallowed"] == [item]


def test_user_changes_about_someone_else_are_disallowed(owner, stranger, channel):
    item = created("bookmark", channel.pk, {"channel": channel.pk}, user_id=stranger.pk)
    assert post_sync(client_for(owner), [item])["disallowed"] == [item]


def test_object_level_failures_are_not_found(owner, channel):
    other = make_channel(name="Someone else's")
    victim = other.main_tree_id
    # Allowed at channel level (owner edits `channel`) but the node lives elsewhere.
    item = updated("contentnode", victim, {"title": "Hijacked"}, channel_id=channel.pk)
    response = post_sync(client_for(owner), [item])
    assert response["errors"][0]["errors"] == ["Not found"]
    assert ContentNode.objects.get(pk=victim).title != "Hijacked"


# --- atomicity, idempotency -----------------------------------------------------------------


def test_one_invalid_change_does_not_block_the_others(owner, channel):
    good1, bad, good2 = new_node(channel, "A"), new_node(channel, "B"), new_node(channel, "C")
    bad["obj"]["kind"] = "no-such-kind"
    batch = [good1, bad, good2]
    outcome = errors_by_rev(post_sync(client_for(owner), batch), batch)
    assert outcome[good1["rev"]] is None and outcome[good2["rev"]] is None
    assert "kind" in outcome[bad["rev"]]
    assert list(ContentNode.objects.filter(parent=channel.main_tree).values_list("title", flat=True)) == ["A", "C"]


def test_the_same_batch_posted_twice_applies_once_and_reports_the_same_outcome(owner, channel):
    client = client_for(owner)
    batch = [new_node(channel, "Once"), updated("contentnode", new_hex_id(), {"title": "x"}, channel_id=channel.pk)]
    first = post_sync(client, batch)
    second = post_sync(client, batch)
    assert first["allowed"] == second["allowed"]
    assert [s["server_rev"] for s in first["successes"]] == [s["server_rev"] for s in second["successes"]]
    assert first["errors"] == second["errors"]
    assert ContentNode.objects.filter(title="Once").count() == 1
    assert Change.objects.filter(client_rev=batch[0]["rev"]).count() == 1


def test_a_rev_repeated_inside_one_batch_is_applied_once(owner, channel):
    item = new_node(channel, "Twice")
    response = post_sync(client_for(owner), [item, dict(item)])
    assert len({a["server_rev"] for a in response["allowed"]}) == 1
    assert ContentNode.objects.filter(title="Twice").count() == 1


def test_another_session_reusing_a_rev_is_not_mistaken_for_a_repost(owner, channel):
    item = new_node(channel, "First")
    post_sync(client_for(owner), [item])
    again = {**new_node(channel, "Second"), "rev": item["rev"]}
    post_sync(client_for(owner), [again])
    assert ContentNode.objects.filter(title="Second").count() == 1


# --- the feed -------------------------------------------------------------------------------


def test_two_sessions_see_each_others_changes_exactly_once_in_order(owner, editor, channel):
    alice, bob = client_for(owner), client_for(editor)
    marks = {"alice": 0, "bob": 0}
    seen = {"alice": [], "bob": []}
    made = {"alice": [], "bob": []}

    def sync(name, client, batch):
        response = post_sync(client, batch, channel_revs={channel.pk: marks[name]})
        returned = response["changes"] + response["successes"] + response["errors"]
        if returned:
            marks[name] = max(marks[name], max(r["server_rev"] for r in returned))
        seen[name].extend(r["server_rev"] for r in response["changes"])
        made[name].extend(r["server_rev"] for r in response["successes"])

    for round in range(6):
        sync("alice", alice, [new_node(channel, f"a{round}-{i}") for i in range(3)])
        sync("bob", bob, [new_node(channel, f"b{round}")])
    sync("alice", alice, [])
    sync("bob", bob, [])
    assert seen["alice"] == sorted(seen["alice"]) and len(set(seen["alice"])) == len(seen["alice"])
    assert seen["bob"] == sorted(seen["bob"]) and len(set(seen["bob"])) == len(seen["bob"])
    bob_edits = set(
        Change.objects.filter(created_by=editor, client_rev__isnull=False).values_list("server_rev", flat=True)
    )
    alice_edits = set(
        Change.objects.filter(created_by=owner, client_rev__isnull=False).values_list("server_rev", flat=True)
    )
    assert bob_edits <= set(seen["alice"]) and alice_edits <= set(seen["bob"])
    assert set(made["alice"]) == alice_edits and set(made["bob"]) == bob_edits


def test_the_feed_returns_at_most_200_changes_and_catches_up(owner, editor, channel):
    post_sync(client_for(owner), [new_node(channel, f"n{i}") for i in range(250)])
    client = client_for(editor)
    first = post_sync(client, channel_revs={channel.pk: 0})
    assert len(first["changes"]) == 200
    received = [ch["server_rev"] for ch in first["changes"]]
    while True:
        more = post_sync(client, channel_revs={channel.pk: max(received)})["changes"]
        if not more:
            break
        assert len(more) <= 200
        received += [ch["server_rev"] for ch in more]
    expected = list(
        Change.objects.filter(channel=channel, applied=True).order_by("server_rev").values_list("server_rev", flat=True)
    )
    assert received == expected


def test_channel_revs_of_channels_the_user_cannot_view_are_ignored(owner, channel, stranger):
    post_sync(client_for(owner), [new_node(channel)])
    assert post_sync(client_for(stranger), channel_revs={channel.pk: 0})["changes"] == []


def test_unapplied_revs_return_outcomes_below_the_mark(owner, channel):
    client = client_for(owner)
    response = post_sync(client, [new_node(channel)])
    rev = response["allowed"][0]["server_rev"]
    later = post_sync(client, channel_revs={channel.pk: rev + 1000}, unapplied_revs=[rev])
    assert [s["server_rev"] for s in later["successes"]] == [rev]


def test_errors_are_only_returned_to_their_own_session(owner, editor, channel):
    bad = updated("contentnode", channel.main_tree_id, {"kind": "video"}, channel_id=channel.pk)
    mine = post_sync(client_for(owner), [bad], channel_revs={channel.pk: 0})
    assert len(mine["errors"]) == 1
    assert post_sync(client_for(editor), channel_revs={channel.pk: 0})["errors"] == []


def test_another_users_session_gets_changes_about_them(owner, channel):
    other = UserFactory()
    key = new_hex_id()
    item = created(
        "invitation",
        key,
        {"channel": channel.pk, "email": other.email, "share_mode": "edit"},
        channel_id=channel.pk,
        user_id=other.pk,
    )
    post_sync(client_for(owner), [item])
    feed = post_sync(client_for(other), user_rev=0)
    assert [ch["key"] for ch in feed["changes"]] == [key]


def test_nul_characters_are_a_400(owner, channel):
    item = new_node(channel, "bad\u0000title")
    response = client_for(owner).post(SYNC_URL, data=json.dumps({"changes": [item]}), content_type="application/json")
    assert response.status_code == 400 and "NUL" in response.json()["detail"]


def test_a_crash_mid_request_leaves_nothing_and_the_retry_applies_everything_once(owner, channel):
    from unittest import mock

    from contentcuration.viewsets.sync import apply

    client = client_for(owner)
    batch = [new_node(channel, "Survives"), new_node(channel, "Also")]
    with mock.patch.object(apply, "insert_objects", side_effect=RuntimeError("process died")):
        with pytest.raises(RuntimeError):
            client.post(SYNC_URL, data=json.dumps({"changes": batch}), content_type="application/json")
    assert not ContentNode.objects.filter(title__in=["Survives", "Also"]).exists()
    assert not Change.objects.filter(client_rev__in=[b["rev"] for b in batch]).exists()
    response = post_sync(client, batch)
    assert len(response["successes"]) == 2
    assert ContentNode.objects.filter(title__in=["Survives", "Also"]).count() == 2


@pytest.mark.parametrize(
    "envelope", [{"unapplied_revs": [2**63]}, {"user_rev": 2**64}, {"channel_revs": {"x": -(2**70)}}]
)
def test_revs_outside_the_bigint_range_are_a_400(owner, envelope):
    response = client_for(owner).post(SYNC_URL, data=json.dumps(envelope), content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("user_id", [2**70, -(2**64), 123456789])
def test_a_channel_change_naming_an_impossible_or_unknown_user_is_applied_without_it(owner, channel, user_id):
    # Found by the fuzz test: an integer wider than a bigint reached a query and crashed
    # SQLite's driver (a 500). On a channel change user_id is informational.
    item = {**new_node(channel, title="Kept"), "user_id": user_id}
    response = post_sync(client_for(owner), [item])
    assert not response["errors"] and len(response["allowed"]) == 1
    assert Change.objects.get(channel=channel, client_rev=item["rev"]).user_id is None
