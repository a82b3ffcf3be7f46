"""A deleted or deactivated user's API token and open sessions stop working (issue 10, item 10)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from contentcuration.models import ContentNode, new_hex_id
from contentcuration.tests.files_helpers import token_for
from contentcuration.tests.sync_helpers import SYNC_URL, browser_client, created, post_sync

pytestmark = pytest.mark.django_db


def remove(user, how: str) -> None:
    if how == "deleted":
        user.deleted = True  # the soft delete; is_active stays as it was
    else:
        user.is_active = False
    user.save()


def node_batch(channel):
    key = new_hex_id()
    change = created(
        "contentnode", key, {"title": "t", "kind": "topic", "parent": channel.main_tree_id}, channel_id=channel.pk
    )
    return key, json.dumps({"changes": [change]})


def token_client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {token_for(user)}")


@pytest.mark.parametrize("how", ["deleted", "deactivated"])
def test_a_removed_users_token_cannot_sync(owner, channel, how):
    client = token_client(owner)
    key, body = node_batch(channel)
    assert client.post(SYNC_URL, body, content_type="application/json").status_code == 200
    remove(owner, how)
    key, body = node_batch(channel)
    response = client.post(SYNC_URL, body, content_type="application/json")
    assert response.status_code in (401, 403) and "inactive or deleted" in response.json()["detail"]
    assert not ContentNode.objects.filter(pk=key).exists()


@pytest.mark.parametrize("how", ["deleted", "deactivated"])
def test_a_removed_users_token_cannot_use_the_chef_api(owner, channel, how):
    client = token_client(owner)
    path, body = "/api/internal/check_user_is_editor", json.dumps({"channel_id": channel.pk})
    assert client.generic("POST", path, body, content_type="").status_code == 200
    remove(owner, how)
    response = client.generic("POST", path, body, content_type="")
    assert response.status_code == 401 and "inactive or deleted" in response.json()["detail"]
    assert client.post("/api/internal/authenticate_user_internal").status_code == 401


@pytest.mark.parametrize("how", ["deleted", "deactivated"])
def test_a_removed_users_token_cannot_read_the_rest_api(owner, how):
    client = token_client(owner)
    assert client.get("/api/user/get_storage_used").status_code == 200
    remove(owner, how)
    assert client.get("/api/user/get_storage_used").status_code == 403


def test_a_user_deleted_while_logged_in_loses_the_session(owner, channel):
    browser = browser_client(owner)
    post_sync(browser, [])
    remove(owner, "deleted")
    key, body = node_batch(channel)
    assert browser.post(SYNC_URL, body, content_type="application/json").status_code == 403
    assert not ContentNode.objects.filter(pk=key).exists()


def test_a_deleted_user_cannot_log_in_again(owner):
    remove(owner, "deleted")
    browser = browser_client()
    response = browser.post(
        "/accounts/login/", {"username": owner.email, "password": "password"}, content_type="application/json"
    )
    assert response.status_code == 403
