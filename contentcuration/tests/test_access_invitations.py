"""Invitations cannot be bent into access they do not grant (issue 10, items 7-9).

Sync changes go through ``/api/sync/`` with token auth (a script's path); REST actions go
through a session with CSRF enforced (a browser's path). Both end in
``channels.sharing.accept_invitation``.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail

from contentcuration.models import Invitation, User, new_hex_id
from contentcuration.tests.factories import UserFactory
from contentcuration.tests.sync_helpers import (
    created,
    csrf_client_for,
    deleted,
    errors_by_rev,
    post_sync,
    token_client_for,
    updated,
)


def sync_one(user, item):
    response = post_sync(token_client_for(user), [item])
    assert len(response["allowed"]) == 1, response
    return errors_by_rev(response, [item])[item["rev"]]


@pytest.fixture
def invitee(db):
    return UserFactory(email="invitee@example.com")


def invite(owner, channel, email, share_mode):
    key = new_hex_id()
    obj = {"channel": channel.pk, "email": email, "share_mode": share_mode}
    assert sync_one(owner, created("invitation", key, obj, channel_id=channel.pk)) is None
    return key


def accept_over_rest(user, key):
    return csrf_client_for(user).post(f"/api/invitation/{key}/accept")


# --- item 7: the invitee cannot upgrade their own invitation -----------------------------------


def test_a_view_only_invitee_cannot_turn_the_invitation_into_edit_access(owner, channel, invitee):
    key = invite(owner, channel, invitee.email, "view")
    outcome = sync_one(
        invitee, updated("invitation", key, {"share_mode": "edit", "accepted": True}, user_id=invitee.pk)
    )
    assert outcome == {"share_mode": ["Only the sender or an editor of the channel can change this."]}
    assert not channel.editors.filter(pk=invitee.pk).exists()
    assert Invitation.objects.get(pk=key).share_mode == "view"
    # Accepting as invited still works, and gives what was offered.
    assert sync_one(invitee, updated("invitation", key, {"accepted": True}, user_id=invitee.pk)) is None
    assert channel.viewers.filter(pk=invitee.pk).exists()
    assert not channel.editors.filter(pk=invitee.pk).exists()


def test_the_sender_can_change_the_share_mode_of_a_pending_invitation(owner, channel, invitee):
    key = invite(owner, channel, invitee.email, "view")
    assert sync_one(owner, updated("invitation", key, {"share_mode": "edit"}, channel_id=channel.pk)) is None
    assert accept_over_rest(invitee, key).status_code == 200
    assert channel.editors.filter(pk=invitee.pk).exists()


# --- item 8: an accepted invitation is used up -------------------------------------------------


@pytest.mark.parametrize("path", ["sync", "rest"])
def test_a_removed_editor_cannot_reaccept_the_old_invitation(owner, channel, invitee, path):
    key = invite(owner, channel, invitee.email, "edit")
    assert accept_over_rest(invitee, key).status_code == 200
    assert channel.editors.filter(pk=invitee.pk).exists()
    assert sync_one(owner, deleted("editor_m2m", [invitee.pk, channel.pk], channel_id=channel.pk)) is None

    if path == "sync":
        for mods in ({"accepted": True}, {"accepted": False}):
            outcome = sync_one(invitee, updated("invitation", key, mods, user_id=invitee.pk))
            assert outcome and "accepted" in outcome
    else:
        response = accept_over_rest(invitee, key)
        assert response.status_code == 400 and response.json() == "This invitation has already been accepted."
    assert not channel.editors.filter(pk=invitee.pk).exists()
    assert not channel.viewers.filter(pk=invitee.pk).exists()
    assert csrf_client_for(invitee).get(f"/api/channel/{channel.pk}").status_code == 404


# --- item 9: an address must be proven before an invitation to it counts ---------------------


def register(client, email, password="a-Long-enough-passphrase-9"):
    body = {"first_name": "Eve", "last_name": "X", "email": email, "password1": password, "password2": password}
    return client.post("/accounts/register/", body, content_type="application/json")


def activation_path(message) -> str:
    return re.search(r"http://testserver(/activate/\S+/)", message.body).group(1)


def test_registering_an_invited_address_gives_no_access_until_it_is_verified(
    owner, channel, mailoutbox, django_capture_on_commit_callbacks
):
    key = invite(owner, channel, "target@example.com", "edit")
    with django_capture_on_commit_callbacks(execute=True):
        assert register(csrf_client_for(), "target@example.com").status_code == 200
    squatter = User.objects.get(email="target@example.com")
    assert squatter.is_active and not squatter.email_verified  # the default: no activation required

    session = csrf_client_for(squatter)
    assert session.get(f"/api/channel/{channel.pk}").status_code == 404
    assert session.get("/api/invitation?invited=1").json() == []
    assert session.post(f"/api/invitation/{key}/accept").status_code == 404
    assert session.post(f"/api/invitation/{key}/decline").status_code == 404
    outcome = sync_one(squatter, updated("invitation", key, {"accepted": True}, user_id=squatter.pk))
    assert outcome == ["Not found"]

    # The address's real owner gets the verification mail; opening it (not signed in to the
    # squatter's account, whose password they do not know) must not verify that account.
    (message,) = [m for m in mailoutbox if m.to == ["target@example.com"]]
    response = csrf_client_for().get(activation_path(message))
    # Signed out, the link sends the visitor to sign in and come back: it verifies nothing.
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/activate/")
    assert session.get(f"/api/channel/{channel.pk}").status_code == 404
    assert not channel.editors.filter(pk=squatter.pk).exists()

    # The owner takes the account over with a password reset: the mailed link verifies it,
    # and the squatter's session and token stop working.
    squatter_script = token_client_for(squatter)
    assert squatter_script.get("/api/user/get_storage_used").status_code == 200
    owner_browser = csrf_client_for()
    owner_browser.post("/accounts/password/reset/", {"email": "target@example.com"}, content_type="application/json")
    reset_path = re.search(r"http://testserver(/accounts/password/reset/confirm/\S+/)", mailoutbox[-1].body).group(1)
    new = "Mine-after-all-42"
    reset = owner_browser.post(
        reset_path, {"new_password1": new, "new_password2": new}, content_type="application/json"
    )
    assert reset.status_code == 200
    assert session.get(f"/api/channel/{channel.pk}").status_code == 403
    assert squatter_script.get("/api/user/get_storage_used").status_code in (401, 403)
    verified = User.objects.get(pk=squatter.pk)
    assert verified.email_verified
    assert csrf_client_for(verified).post(f"/api/invitation/{key}/accept").status_code == 200
    assert channel.editors.filter(pk=verified.pk).exists()


def test_the_registrant_signed_in_confirms_the_address_and_can_accept(
    owner, channel, mailoutbox, django_capture_on_commit_callbacks
):
    key = invite(owner, channel, "me@example.com", "view")
    with django_capture_on_commit_callbacks(execute=True):
        assert register(csrf_client_for(), "me@example.com").status_code == 200
    me = User.objects.get(email="me@example.com")
    session = csrf_client_for(me)
    response = session.get(activation_path(mailoutbox[-1]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?activation=done")
    assert session.get(f"/api/channel/{channel.pk}").status_code == 200
    assert sync_one(me, updated("invitation", key, {"accepted": True}, user_id=me.pk)) is None
    assert channel.viewers.filter(pk=me.pk).exists()


def test_an_active_unverified_user_can_ask_for_a_verification_link(db, mailoutbox):
    user = UserFactory(email="late@example.com", email_verified=False)
    browser = csrf_client_for(user)
    response = browser.post(
        "/accounts/request_activation_link/", {"email": user.email}, content_type="application/json"
    )
    assert response.status_code == 200
    response = browser.get(activation_path(mailoutbox[-1]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?activation=done")
    user.refresh_from_db()
    assert user.email_verified


@pytest.mark.parametrize("password", ["1", "password", "eve@example.com"])
def test_registration_refuses_passwords_the_validators_refuse(db, password):
    response = register(csrf_client_for(), "eve@example.com", password=password)
    assert response.status_code == 400 and "password1" in response.json()
    assert not User.objects.filter(email="eve@example.com").exists()


def test_registration_without_a_csrf_token_is_refused(db):
    from django.test import Client

    response = register(Client(enforce_csrf_checks=True), "eve@example.com")
    assert response.status_code == 403
    assert not mail.outbox
