"""Session login/logout, registration and activation, passwords, API tokens, CSRF."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token

from contentcuration.models import User
from contentcuration.tests.factories import UserFactory


def csrf_client() -> tuple[Client, str]:
    """A client that enforces CSRF, primed like a browser (GET the login page first)."""
    client = Client(enforce_csrf_checks=True)
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    return client, response.cookies["csrftoken"].value


def login(client, token, username, password):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )


def test_login_redirects_to_channels_and_opens_a_session(owner):
    client, token = csrf_client()
    response = login(client, token, "OWNER@example.com", "password")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "kolibri_studio_sessionid" in response.cookies
    assert client.get("/api/user/get_storage_used").status_code == 200


@pytest.mark.parametrize("username, password", [("owner@example.com", "wrong"), ("nobody@example.com", "password")])
def test_login_with_bad_credentials_is_403(owner, username, password):
    client, token = csrf_client()
    assert login(client, token, username, password).status_code == 403
    assert client.get("/api/user/get_storage_used").status_code == 403


def test_login_to_an_inactive_account_is_405_with_a_reason(db):
    UserFactory(email="sleepy@example.com", is_active=False)
    client, token = csrf_client()
    response = login(client, token, "sleepy@example.com", "password")
    assert response.status_code == 405 and response.reason_phrase == "Account hasn't been activated"


def test_login_without_a_csrf_token_is_refused(owner):
    client, _ = csrf_client()
    response = client.post(
        "/accounts/login/", {"username": owner.email, "password": "password"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert client.get("/api/user/get_storage_used").status_code == 403


def test_session_writes_need_csrf_but_token_writes_do_not(owner):
    client, token = csrf_client()
    login(client, token, owner.email, "password")
    body = {
        "old_password": "password",
        "new_password1": "a-Better-passphrase-1",
        "new_password2": "a-Better-passphrase-1",
    }
    assert client.post("/api/change_password/", body, content_type="application/json").status_code == 403
    api_token = client.get("/api/deferred_user_api_token/").json()["api_token"]
    token_client = Client(enforce_csrf_checks=True)
    response = token_client.post(
        "/api/change_password/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {api_token}"
    )
    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.check_password("a-Better-passphrase-1")


def test_logout_ends_the_session(owner):
    client, token = csrf_client()
    login(client, token, owner.email, "password")
    response = client.post("/accounts/logout/", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/api/user/get_storage_used").status_code == 403


def test_logout_is_post_only_with_the_csrf_token(owner):
    # Another site's <img src="/accounts/logout/"> or a cross-site form must not sign anyone out.
    client, token = csrf_client()
    login(client, token, owner.email, "password")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 403
    assert client.get("/api/user/get_storage_used").status_code == 200


def test_change_password_keeps_the_session_and_reports_bad_fields(owner):
    client, token = csrf_client()
    login(client, token, owner.email, "password")
    response = client.post(
        "/api/change_password/",
        {"old_password": "password", "new_password1": "x", "new_password2": "y"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 400 and "new_password2" in response.json()
    good = {
        "old_password": "password",
        "new_password1": "Another-passphrase-2",
        "new_password2": "Another-passphrase-2",
    }
    response = client.post(
        "/api/change_password/",
        good,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 200
    assert client.get("/api/user/get_storage_used").status_code == 200


@pytest.mark.parametrize("old_password", [None, "", "wrong"])
def test_changing_the_password_needs_the_old_one(owner, old_password):
    client, token = csrf_client()
    login(client, token, owner.email, "password")
    body = {"new_password1": "Another-passphrase-2", "new_password2": "Another-passphrase-2"}
    if old_password is not None:
        body["old_password"] = old_password
    response = client.post(
        "/api/change_password/",
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 400 and "old_password" in response.json()
    owner.refresh_from_db()
    assert owner.check_password("password")


def test_changing_the_password_ends_other_sessions_and_the_api_token(owner):
    client, token = csrf_client()
    login(client, token, owner.email, "password")
    other, other_token = csrf_client()
    login(other, other_token, owner.email, "password")
    old_key = client.get("/api/deferred_user_api_token/").json()["api_token"]
    script = Client(HTTP_AUTHORIZATION=f"Token {old_key}")
    assert script.get("/api/user/get_storage_used").status_code == 200

    body = {
        "old_password": "password",
        "new_password1": "Another-passphrase-2",
        "new_password2": "Another-passphrase-2",
    }
    response = client.post(
        "/api/change_password/",
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 200
    assert client.get("/api/user/get_storage_used").status_code == 200
    assert other.get("/api/user/get_storage_used").status_code == 403
    assert script.get("/api/user/get_storage_used").status_code in (401, 403)
    new_key = client.get("/api/deferred_user_api_token/").json()["api_token"]
    assert new_key != old_key
    assert Client(HTTP_AUTHORIZATION=f"Token {new_key}").get("/api/user/get_storage_used").status_code == 200


REGISTRATION = {
    "first_name": "New",
    "last_name": "Person",
    "email": "new@example.com",
    "password1": "Registration-pass-3",
    "password2": "Registration-pass-3",
    "uses": ["teaching"],
    "locations": ["KE"],
}


def register(data):
    return Client().post("/accounts/register/", data, content_type="application/json")


@override_settings(REQUIRE_EMAIL_ACTIVATION=False)
def test_registration_without_activation_gives_an_active_account(db):
    assert register(REGISTRATION).status_code == 200
    user = User.objects.get(email="new@example.com")
    assert user.is_active and user.clipboard_tree_id and user.information["locations"] == ["KE"]
    assert mail.outbox == []


@override_settings(REQUIRE_EMAIL_ACTIVATION=True)
def test_registration_with_activation_sends_a_link_that_activates(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert register(REGISTRATION).status_code == 200
    user = User.objects.get(email="new@example.com")
    assert not user.is_active
    (message,) = mail.outbox
    link = re.search(r"https?://[^/]+(/activate/\S+/)", message.body).group(1)
    response = Client().get(link)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?activation=done&email=new%40example.com"
    user.refresh_from_db()
    assert user.is_active
    response = Client().get("/activate/forged-key/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/request_activation_link/?activation=failed"


def test_registering_a_taken_email_is_403_or_405(db):
    UserFactory(email="new@example.com")
    response = register({**REGISTRATION, "email": "NEW@example.com"})
    assert response.status_code == 403 and response.json() == ["email"]
    User.objects.filter(email="new@example.com").update(is_active=False)
    assert register(REGISTRATION).status_code == 405


def test_registration_with_bad_fields_lists_them(db):
    response = register({**REGISTRATION, "email": "not-an-email", "password2": "different"})
    assert response.status_code == 400 and response.json() == ["email", "password2"]


def test_password_reset_sends_a_working_link(owner):
    assert (
        Client()
        .post("/accounts/password/reset/", {"email": "nobody@example.com"}, content_type="application/json")
        .status_code
        == 200
    )
    assert mail.outbox == []
    assert (
        Client().post("/accounts/password/reset/", {"email": owner.email}, content_type="application/json").status_code
        == 200
    )
    link = re.search(r"https?://[^/]+(/accounts/password/reset/confirm/\S+/)", mail.outbox[0].body).group(1)
    client = Client()
    assert client.get(link).status_code == 200
    body = {"new_password1": "Reset-passphrase-4", "new_password2": "Reset-passphrase-4"}
    assert client.post(link, body, content_type="application/json").status_code == 200
    owner.refresh_from_db()
    assert owner.check_password("Reset-passphrase-4")
    used = client.post(link, body, content_type="application/json")
    assert used.status_code == 400 and "link" in used.json()  # used up


@override_settings(REQUIRE_EMAIL_ACTIVATION=True)
def test_request_activation_link_always_answers_200(db):
    UserFactory(email="sleepy@example.com", is_active=False)
    for email in ("sleepy@example.com", "nobody@example.com"):
        response = Client().post(
            "/accounts/request_activation_link/", {"email": email}, content_type="application/json"
        )
        assert response.status_code == 200
    assert len(mail.outbox) == 1


def test_api_token_authenticates_api_requests(owner):
    client = Client()
    client.force_login(owner)
    key = client.get("/api/deferred_user_api_token/").json()["api_token"]
    assert key == client.get("/api/deferred_user_api_token/").json()["api_token"]
    response = Client().get("/api/user/get_storage_used", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert (
        Client().get("/api/user/get_storage_used", HTTP_AUTHORIZATION="Token nope").status_code == 403
    )  # spec 0: 403, not 401


def test_drf_create_token_command_works_with_email_logins(owner, capsys):
    call_command("drf_create_token", "OWNER@example.com")
    token = Token.objects.get(user=owner)
    assert token.key in capsys.readouterr().out


def test_openapi_schema_and_docs_are_served(owner):
    client = Client()
    client.force_login(owner)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/channel", "/api/contentnode", "/api/contentnode/{id}/requisites", "/api/catalog"):
        assert path in paths, sorted(paths)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content  # no CDN
