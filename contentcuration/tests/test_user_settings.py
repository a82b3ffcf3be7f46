"""What the user settings page calls: full name and storage (session with CSRF enforced)."""

from __future__ import annotations

import pytest

from contentcuration.models import User
from contentcuration.tests.test_auth_accounts import csrf_client, login


@pytest.fixture
def signed_in(owner):
    client, token = csrf_client()
    login(client, token, owner.email, "password")
    return client


def post(client, url, body):
    return client.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)


def test_a_user_changes_their_full_name(signed_in, owner):
    response = post(signed_in, "/api/update_user_full_name/", {"first_name": " Ada ", "last_name": "Lovelace"})
    assert response.status_code == 200
    owner.refresh_from_db()
    assert (owner.first_name, owner.last_name) == ("Ada", "Lovelace")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_name": "", "last_name": "X"}, "first_name"),
        ({"first_name": "A" * 101, "last_name": "X"}, "first_name"),
        ({"first_name": "Ada", "last_name": ["x"]}, "last_name"),
    ],
)
def test_a_bad_name_is_a_400_naming_the_field_and_saves_nothing(signed_in, owner, body, field):
    before = (owner.first_name, owner.last_name)
    response = post(signed_in, "/api/update_user_full_name/", body)
    assert response.status_code == 400 and field in response.json()
    owner.refresh_from_db()
    assert (owner.first_name, owner.last_name) == before


def test_changing_the_name_needs_the_csrf_token(signed_in, owner):
    response = signed_in.post("/api/update_user_full_name/", {"first_name": "Eve"}, content_type="application/json")
    assert response.status_code == 403
    assert User.objects.get(pk=owner.pk).first_name != "Eve"


def test_storage_reports_use_against_the_quota(signed_in, owner):
    User.objects.filter(pk=owner.pk).update(disk_space_used=1234, disk_space=10_000)
    assert signed_in.get("/api/user/storage").json() == {"used": 1234, "quota": 10_000}


def test_storage_needs_a_signed_in_user(db):
    client, _ = csrf_client()
    assert client.get("/api/user/storage").status_code == 403
