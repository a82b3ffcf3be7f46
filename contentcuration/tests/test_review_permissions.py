"""Who may use the issue 15 endpoints: review, sync reports and publish are for editors
(and admins); version history and differences for anyone who may view the channel. Others
get 404 (the channel's existence is not revealed), anonymous visitors 403. And the review
costs a fixed number of queries, however many changes there are."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contentcuration.models import new_hex_id
from contentcuration.publish import publish_channel
from contentcuration.tests.factories import UserFactory
from contentcuration.tests.publishing import build_sample_channel
from contentcuration.tests.sync_helpers import browser_client, client_for, created, post_sync, updated

EDITORS_ONLY = {"anonymous": 403, "stranger": 404, "viewer": 404, "editor": 200, "admin": 200}
VIEWERS_TOO = {"anonymous": 403, "stranger": 404, "viewer": 200, "editor": 200, "admin": 200}
ENDPOINTS = {
    "unpublished_changes": ("get", "unpublished_changes", EDITORS_ONLY),
    "unpublished_changes_count": ("get", "unpublished_changes/count", EDITORS_ONLY),
    "sync_reports": ("get", "sync_reports", EDITORS_ONLY),
    "versions": ("get", "versions", VIEWERS_TOO),
    "version_diff": ("get", "version_diff?from=1&to=1", VIEWERS_TOO),
    "publish": ("post", "publish", {**EDITORS_ONLY, "editor": 202, "admin": 202}),
}


@pytest.fixture
def published(owner):
    channel, nodes = build_sample_channel(owner)
    publish_channel(channel_id=channel.id, user=owner, version_notes="v1")
    return channel, nodes


@pytest.fixture
def people(published):
    channel, _ = published
    editor, viewer = UserFactory(email="ed@example.com"), UserFactory(email="vi@example.com")
    channel.editors.add(editor)
    channel.viewers.add(viewer)
    return {
        "anonymous": None,
        "stranger": UserFactory(email="who@example.com"),
        "viewer": viewer,
        "editor": editor,
        "admin": UserFactory(email="boss@example.com", is_admin=True, is_staff=True),
    }


@pytest.mark.parametrize("persona", list(EDITORS_ONLY))
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_permission_matrix(published, people, endpoint, persona, django_capture_on_commit_callbacks):
    channel, _ = published
    method, path, expected = ENDPOINTS[endpoint]
    client = browser_client(people[persona])  # CSRF enforced, as in a browser
    url = f"/api/channel/{channel.pk}/{path}"
    with django_capture_on_commit_callbacks(execute=False):  # a publish is queued, not run
        if method == "post":
            response = client.post(url, json.dumps({"version_notes": "Notes"}), content_type="application/json")
        else:
            response = client.get(url)
    assert response.status_code == expected[persona], response.content


def review_queries(client, channel) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/channel/{channel.pk}/unpublished_changes")
    assert response.status_code == 200
    return len(queries)


def test_the_review_costs_the_same_queries_for_4_or_40_changes(published, owner):
    channel, nodes = published
    client = client_for(owner)

    def edit(count: int) -> None:
        batch = []
        for n in range(count):
            key = new_hex_id()
            obj = {"parent": nodes["topic_a"].pk, "kind": "topic", "title": f"T{n}"}
            batch.append(created("contentnode", key, obj, channel_id=channel.pk))
            batch.append(updated("contentnode", nodes["video"].pk, {"title": f"V{n}"}, channel_id=channel.pk))
        post_sync(client, batch)

    edit(2)
    few = review_queries(client, channel)
    edit(20)
    assert review_queries(client, channel) == few
