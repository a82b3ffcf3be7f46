"""The browser app's shell and bootstrap: served for every app route, never cached, with the
signed-in user, the CSRF token, a channel page's server_rev and versioned reference data."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from contentcuration.models import change_types as c
from contentcuration.settings.base import immutable_file
from contentcuration.tests.sync_helpers import client_for, created, post_sync, updated


def inline_bootstrap(response) -> dict:
    match = re.search(rb'<script id="bootstrap" type="application/json">(.*?)</script>', response.content)
    assert match, response.content
    return json.loads(match.group(1))


@pytest.mark.parametrize(
    "path",
    ["/", "/channels/", "/channels/0123456789abcdef0123456789abcdef/edit/x", "/settings/account", "/accounts/"]
    + ["/accounts/login/", "/accounts/register/", "/accounts/request_activation_link/", "/accounts/password/reset/"]
    + ["/accounts/password/reset/confirm/MQ/bad-token/"],
)
def test_every_app_route_gets_the_never_cached_shell(db, path):
    response = Client().get(path)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    data = inline_bootstrap(response)
    assert data["user"] is None and data["csrf_token"]
    assert response.cookies["csrftoken"].value


def test_paths_outside_the_app_stay_404(db):
    assert Client().get("/nothing-here/").status_code == 404


def test_the_shell_names_the_signed_in_user_with_their_user_rev(owner, channel):
    client = client_for(owner)
    assert inline_bootstrap(client.get("/"))["user"]["user_rev"] == 0
    response = post_sync(client, [created(c.BOOKMARK, channel.id, {"channel": channel.id}, user_id=owner.pk)])
    (success,) = response["successes"]
    data = inline_bootstrap(client.get("/"))
    assert data["user"] == {
        "id": owner.pk,
        "email": owner.email,
        "first_name": owner.first_name,
        "last_name": owner.last_name,
        "is_admin": False,
        "user_rev": success["server_rev"],
        "clipboard_tree_id": owner.clipboard_tree_id,
    }
    assert owner.clipboard_tree_id  # every account has a clipboard from the start


def test_a_channel_page_starts_its_feed_at_the_channel_server_rev(owner, channel, stranger):
    client = client_for(owner)
    response = post_sync(client, [updated(c.CHANNEL, channel.id, {"name": "Renamed"}, channel_id=channel.id)])
    (success,) = response["successes"]
    data = inline_bootstrap(client.get(f"/channels/{channel.id}/"))
    assert data["channel_id"] == channel.id and data["channel_rev"] == success["server_rev"]
    hidden = inline_bootstrap(client_for(stranger).get(f"/channels/{channel.id}/"))
    assert hidden["channel_id"] is None and hidden["channel_rev"] is None


def test_the_bootstrap_endpoint_answers_what_the_shell_inlines(owner, channel):
    client = client_for(owner)
    data = client.get("/api/bootstrap", {"path": f"/channels/{channel.id}/"}).json()
    assert data["user"]["email"] == owner.email and data["channel_id"] == channel.id
    assert Client().get("/api/bootstrap").json()["user"] is None


def test_reference_data_is_revalidated_by_etag(db):
    client = Client()
    response = client.get("/api/bootstrap/reference")
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    data = response.json()
    assert {"languages", "licenses", "kinds", "presets", "labels"} <= set(data)
    assert "topic" in data["kinds"] and any(lang["id"] == "fr" for lang in data["languages"])
    assert "learning_activities" in data["labels"] and "categories" in data["labels"]
    again = client.get("/api/bootstrap/reference", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_only_the_hashed_app_assets_are_immutable():
    assert immutable_file("x", "/static/app/assets/index-EK5aF4HK.js")
    assert not immutable_file("x", "/static/app/index.html")
    assert not immutable_file("x", "/static/admin/css/base.css")


def test_a_missing_build_says_how_to_build_it(db, settings, tmp_path):
    settings.FRONTEND_DIST = tmp_path
    response = Client().get("/")
    assert response.status_code == 503 and b"make run" in response.content


def test_the_service_worker_is_served_at_the_root_never_cached(db, settings, tmp_path):
    settings.FRONTEND_DIST = tmp_path
    assert Client().get("/app-sw.js").status_code == 404
    (tmp_path / "app-sw.js").write_text("self.addEventListener('fetch', () => {})")
    response = Client().get("/app-sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    assert b"addEventListener" in response.content
