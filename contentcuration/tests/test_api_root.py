"""``GET /api/`` is a browsable start: every link it lists answers 200 for the signed-in user
(issue 16 item 3; the first link used to answer 412)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from contentcuration.tests import factories
from contentcuration.tests.sync_helpers import browser_client, token_client_for

pytestmark = pytest.mark.django_db


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _links(client) -> dict:
    response = client.get("/api/")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("has_channel", [True, False], ids=["with a channel", "without a channel"])
def test_every_link_of_the_api_root_answers_200(has_channel):
    user = factories.UserFactory()
    if has_channel:
        factories.make_channel(owner=user)
    client = browser_client(user)
    body = _links(client)
    links = {name: url for name, url in body.items() if isinstance(url, str)}
    assert {"channel", "contentnode", "file", "catalog", "schema", "docs"} <= set(links)
    assert ("channeluser" in links) is has_channel
    for name, url in links.items():
        assert client.get(_path(url)).status_code == 200, (name, url)


def test_the_channel_link_lists_the_channels_you_edit():
    user = factories.UserFactory()
    channel = factories.make_channel(owner=user)
    client = token_client_for(user)
    rows = client.get(_path(_links(client)["channel"])).json()
    assert [row["id"] for row in rows] == [channel.pk]


def test_the_sync_write_link_accepts_an_empty_batch():
    user = factories.UserFactory()
    client = token_client_for(user)
    sync = _path(_links(client)["writes"]["sync"])
    response = client.post(sync, data=json.dumps({"changes": []}), content_type="application/json")
    assert response.status_code == 200
    assert set(response.json()) == {"disallowed", "allowed", "changes", "errors", "successes", "tasks"}


def test_anonymous_visitors_get_403_from_the_api_root(client):
    assert client.get("/api/").status_code == 403
