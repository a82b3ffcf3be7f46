"""Permission matrix (spec section 7): anonymous, stranger, viewer, editor, admin x every read
endpoint. Invisible objects are 404, anonymous callers 403, lists only show what one may see."""

from __future__ import annotations

import pytest

from contentcuration.models import Channel, Invitation
from contentcuration.tests.factories import UserFactory
from contentcuration.tests.read_data import build_read_data, client_for

PERSONAS = ("anonymous", "stranger", "viewer", "editor", "admin")


@pytest.fixture
def world(owner, channel, editor, viewer, stranger, admin_user):
    data = build_read_data(channel=channel, owner=owner)
    users = {"anonymous": None, "stranger": stranger, "viewer": viewer, "editor": editor, "admin": admin_user}
    return data, users, owner


def forbidden():
    return {"anonymous": 403}


# Each case: url builder, then per persona an expected status and (for lists) row count.
CASES = {
    "channel list": (
        lambda d, o: f"/api/channel?id__in={d.channel.id}",
        {"stranger": (200, 0), "viewer": (200, 1), "editor": (200, 1), "admin": (200, 1)},
    ),
    "channel detail": (
        lambda d, o: f"/api/channel/{d.channel.id}",
        {"stranger": 404, "viewer": 200, "editor": 200, "admin": 200},
    ),
    "channel languages": (
        lambda d, o: f"/api/channel/{d.channel.id}/languages",
        {"stranger": 404, "viewer": 200, "editor": 200, "admin": 200},
    ),
    "channel version_detail": (
        lambda d, o: f"/api/channel/{d.channel.id}/version_detail",
        {"stranger": 404, "viewer": 404, "editor": 200, "admin": 200},
    ),
    "catalog (private channel)": (
        lambda d, o: "/api/catalog?public=true",
        {"anonymous": (200, 0), "stranger": (200, 0), "viewer": (200, 0), "editor": (200, 0), "admin": (200, 0)},
    ),
    "contentnode list": (
        lambda d, o: f"/api/contentnode?parent={d.topic.id}",
        {"stranger": (200, 0), "viewer": (200, 3), "editor": (200, 3), "admin": (200, 3)},
    ),
    "contentnode detail": (
        lambda d, o: f"/api/contentnode/{d.video.id}",
        {"stranger": 404, "viewer": 200, "editor": 200, "admin": 200},
    ),
    "contentnode requisites": (
        lambda d, o: f"/api/contentnode/{d.exercise.id}/requisites",
        {"stranger": 404, "viewer": 200, "editor": 200, "admin": 200},
    ),
    "contentnode size": (
        lambda d, o: f"/api/contentnode/{d.channel.main_tree_id}/size",
        {"stranger": 404, "viewer": 200, "editor": 200, "admin": 200},
    ),
    "assessmentitem list": (
        lambda d, o: f"/api/assessmentitem?contentnode={d.exercise.id}",
        {"stranger": (200, 0), "viewer": (200, 1), "editor": (200, 1), "admin": (200, 1)},
    ),
    "file list": (
        lambda d, o: f"/api/file?contentnode={d.document.id}",
        {"stranger": (200, 0), "viewer": (200, 1), "editor": (200, 1), "admin": (200, 1)},
    ),
    "file detail": (
        lambda d, o: f"/api/file/{d.document.files.get().id}",
        {"stranger": 404, "viewer": 200, "editor": 200, "admin": 200},
    ),
    "channelset list (own sets only)": (
        lambda d, o: "/api/channelset",
        {"stranger": (200, 0), "viewer": (200, 0), "editor": (200, 0), "admin": (200, 0)},
    ),
    "channelset detail": (
        lambda d, o: f"/api/channelset/{d.channelset.id}",
        {"stranger": 404, "viewer": 404, "editor": 404, "admin": 404},
    ),
    "invitation list": (
        lambda d, o: f"/api/invitation?channel={d.channel.id}",
        {"stranger": (200, 0), "viewer": (200, 1), "editor": (200, 1), "admin": (200, 1)},
    ),
    "invitation detail": (
        lambda d, o: f"/api/invitation/{d.invitation.id}",
        {"stranger": 404, "viewer": 200, "editor": 200, "admin": 200},
    ),
    "channeluser list": (
        lambda d, o: f"/api/channeluser?channel={d.channel.id}",
        {"stranger": (200, 0), "viewer": (200, 0), "editor": (200, 3), "admin": (200, 3)},
    ),
    "user list": (
        lambda d, o: "/api/user",
        {"stranger": (200, 1), "viewer": (200, 1), "editor": (200, 2), "admin": (200, 5)},
    ),
    "user detail (the owner)": (
        lambda d, o: f"/api/user/{o.pk}",
        {"stranger": 404, "viewer": 404, "editor": 200, "admin": 200},
    ),
    "user storage used": (
        lambda d, o: "/api/user/get_storage_used",
        {"stranger": 200, "viewer": 200, "editor": 200, "admin": 200},
    ),
    "clipboard list (owner's clipboard)": (
        lambda d, o: f"/api/clipboard?parent={o.clipboard_tree_id}",
        {"stranger": (200, 0), "viewer": (200, 0), "editor": (200, 0), "admin": (200, 0)},
    ),
    "bookmark list (owner's bookmark)": (
        lambda d, o: "/api/bookmark",
        {"stranger": (200, 0), "viewer": (200, 0), "editor": (200, 0), "admin": (200, 0)},
    ),
    "bookmark detail (owner's bookmark)": (
        lambda d, o: f"/api/bookmark/{d.channel.id}",
        {"stranger": 404, "viewer": 404, "editor": 404, "admin": 404},
    ),
    "api token": (
        lambda d, o: "/api/deferred_user_api_token/",
        {"stranger": 200, "viewer": 200, "editor": 200, "admin": 200},
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_persona_sees_exactly_what_the_permission_model_allows(world, case, persona):
    data, users, owner = world
    url_for, expected = CASES[case]
    expected = {**forbidden(), **expected}[persona]
    status, count = expected if isinstance(expected, tuple) else (expected, None)
    response = client_for(users[persona]).get(url_for(data, owner))
    assert response.status_code == status, (case, persona, response.content[:200])
    if count is not None:
        assert len(response.json()) == count


def test_catalog_lists_public_channels_to_anonymous_users(world):
    data, users, owner = world
    Channel.objects.filter(pk=data.channel.pk).update(public=True)
    assert [r["id"] for r in client_for(None).get("/api/catalog?public=true").json()] == [data.channel.id]
    # Public channels are visible through DRF-protected endpoints only when signed in.
    assert client_for(None).get(f"/api/channel/{data.channel.id}").status_code == 403
    assert client_for(users["stranger"]).get(f"/api/channel/{data.channel.id}").status_code == 200
    assert len(client_for(users["stranger"]).get(f"/api/contentnode?parent={data.topic.id}").json()) == 3


def test_a_pending_invitation_lets_the_invitee_see_the_channel(world):
    data, users, owner = world
    invitee = UserFactory(email="Invitee@Example.com")
    assert client_for(invitee).get(f"/api/channel/{data.channel.id}").status_code == 200
    assert client_for(invitee).get("/api/invitation?invited=1").json()[0]["id"] == data.invitation.id


def test_writes_on_read_endpoints_are_not_allowed(world):
    data, users, owner = world
    client = client_for(owner)
    assert client.patch(f"/api/contentnode/{data.video.id}", {"title": "x"}, format="json").status_code == 405
    assert client.delete(f"/api/file/{data.document.files.get().id}").status_code == 405
    assert client.post("/api/assessmentitem", {}, format="json").status_code == 405


# --- invitation accept / decline --------------------------------------------------------------


@pytest.fixture
def invitee(world):
    return UserFactory(email="INVITEE@example.com")


def test_the_invitee_accepts_and_becomes_a_viewer(world, invitee):
    data, users, owner = world
    response = client_for(invitee).post(f"/api/invitation/{data.invitation.id}/accept")
    assert response.status_code == 200 and response.json() == {"status": "success"}
    assert data.channel.viewers.filter(pk=invitee.pk).exists()
    assert not data.channel.editors.filter(pk=invitee.pk).exists()
    invitation = Invitation.objects.get(pk=data.invitation.pk)
    assert invitation.accepted and invitation.invited_id == invitee.pk


def test_the_sender_cannot_accept_for_the_invitee(world, invitee):
    data, users, owner = world
    assert client_for(owner).post(f"/api/invitation/{data.invitation.id}/accept").status_code == 403
    assert not Invitation.objects.get(pk=data.invitation.pk).accepted


def test_an_unrelated_user_cannot_find_the_invitation(world, invitee):
    data, users, owner = world
    assert client_for(users["stranger"]).post(f"/api/invitation/{data.invitation.id}/decline").status_code == 404


def test_a_revoked_invitation_cannot_be_accepted(world, invitee):
    data, users, owner = world
    Invitation.objects.filter(pk=data.invitation.pk).update(revoked=True)
    response = client_for(invitee).post(f"/api/invitation/{data.invitation.id}/accept")
    assert response.status_code == 400 and response.json() == "Invitation has been revoked"
    assert not data.channel.viewers.filter(pk=invitee.pk).exists()


def test_the_invitee_declines(world, invitee):
    data, users, owner = world
    assert client_for(invitee).post(f"/api/invitation/{data.invitation.id}/decline").json() == {"status": "success"}
    assert Invitation.objects.get(pk=data.invitation.pk).declined


# --- channeluser remove_self ------------------------------------------------------------------


def remove(user, target, channel_id):
    suffix = f"?channel_id={channel_id}" if channel_id else ""
    return client_for(user).delete(f"/api/channeluser/{target.pk}/remove_self{suffix}")


def test_a_viewer_removes_themselves(world):
    data, users, owner = world
    assert remove(users["viewer"], users["viewer"], data.channel.id).status_code == 204
    assert not data.channel.viewers.filter(pk=users["viewer"].pk).exists()


def test_a_stranger_cannot_remove_a_viewer(world):
    data, users, owner = world
    assert remove(users["stranger"], users["viewer"], data.channel.id).status_code == 403
    assert data.channel.viewers.filter(pk=users["viewer"].pk).exists()


def test_remove_self_validates_its_input(world):
    data, users, owner = world
    assert remove(users["viewer"], users["viewer"], None).status_code == 400
    assert remove(users["viewer"], users["viewer"], "f" * 32).status_code == 404
    assert remove(users["editor"], users["editor"], data.channel.id).status_code == 400  # not a viewer
    assert remove(None, users["viewer"], data.channel.id).status_code == 403


# --- user actions -----------------------------------------------------------------------------


def test_marking_notifications_read_only_moves_the_date_forward(owner):
    client = client_for(owner)
    url = "/api/user/mark_notifications_read"
    assert client.post(url, {"timestamp": "2026-05-01T10:00:00Z"}, format="json").status_code == 204
    assert client.post(url, {"timestamp": "2026-01-01T10:00:00Z"}, format="json").status_code == 204
    owner.refresh_from_db()
    assert owner.last_read_notification_date.isoformat() == "2026-05-01T10:00:00+00:00"
    response = client.post(url, {"timestamp": "yesterday"}, format="json")
    assert response.status_code == 400 and "timestamp" in response.json()
    assert client_for(None).post(url, {"timestamp": "2026-05-01T10:00:00Z"}, format="json").status_code == 403
