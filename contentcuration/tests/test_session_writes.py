"""Browser sessions write over real HTTP: login page, session cookie, CSRF token (issue 10, item 1).

Every session write to /api/sync/ and to the chef API used to answer 500: DRF's CSRF check
parsed the body, then the view read ``request.body``. The suite never saw it because its
session clients skipped the CSRF check; these tests take the browser's path through a live
server, and every other session test enforces CSRF (sync_helpers.browser_client).
"""

from __future__ import annotations

import uuid

import pytest

from contentcuration.models import Change, Channel, ContentNode, new_hex_id
from contentcuration.tests.sync_helpers import SYNC_URL, LiveBrowser, created

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser(live_server, owner):
    session = LiveBrowser(live_server.url)
    session.login(owner.email)
    return session


def node_change(channel, title="From the browser"):
    key = new_hex_id()
    return key, created(
        "contentnode", key, {"title": title, "kind": "topic", "parent": channel.main_tree_id}, channel_id=channel.pk
    )


def test_a_browser_session_writes_through_sync(browser, channel):
    key, change = node_change(channel)
    status, body = browser.request("POST", SYNC_URL, {"changes": [change], "channel_revs": {channel.pk: 0}})
    assert status == 200, body
    assert [a["rev"] for a in body["allowed"]] == [change["rev"]]
    assert ContentNode.objects.get(pk=key).parent_id == channel.main_tree_id
    assert [s["key"] for s in body["successes"]] == [key]


def test_a_browser_write_without_the_csrf_token_is_refused(browser, channel):
    key, change = node_change(channel)
    status, body = browser.request("POST", SYNC_URL, {"changes": [change]}, csrf=False)
    assert status == 403 and "CSRF" in body["detail"]
    assert not ContentNode.objects.filter(pk=key).exists()


def test_a_nul_character_in_a_browser_batch_is_a_400_and_stores_nothing(browser, channel):
    _, change = node_change(channel, title="bad\u0000title")
    before = Change.objects.count()
    status, body = browser.request("POST", SYNC_URL, {"changes": [change]})
    assert status == 400 and "NUL" in body["detail"]
    assert Change.objects.count() == before


def test_a_browser_session_creates_a_channel_over_rest(browser, owner):
    status, body = browser.request("POST", "/api/channel", {"name": "Made in the browser"})
    assert status == 201, body
    assert Channel.objects.get(pk=body["id"]).editors.filter(pk=owner.pk).exists()


def test_a_browser_session_uses_the_chef_api_with_a_json_body(browser, channel):
    status, body = browser.request("POST", "/api/internal/check_user_is_editor", {"channel_id": channel.pk})
    assert (status, body) == (200, {"success": True})
    channel_data = {
        "id": uuid.uuid5(uuid.NAMESPACE_DNS, "session-chef").hex,
        "name": "Session chef",
        "language": "en",
        "description": "",
        "source_domain": "example.org",
        "source_id": "session-chef",
        "ricecooker_version": "0.8.0",
        "files": [],
    }
    status, body = browser.request("POST", "/api/internal/create_channel", {"channel_data": channel_data})
    assert status == 200, body
    assert Channel.objects.get(pk=body["channel_id"]).chef_tree_id == body["root"]


def test_a_browser_chef_request_without_the_csrf_token_is_refused(browser, channel):
    status, _ = browser.request("POST", "/api/internal/check_user_is_editor", {"channel_id": channel.pk}, csrf=False)
    assert status == 403
