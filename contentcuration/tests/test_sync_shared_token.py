"""Scripts sharing one user's API token over real HTTP (issue 10, item 4).

Every token client of a user had the client id ``token:<user id>``, so a second script's
change reusing a rev the first had used was answered with the first's stored outcome and
never applied. A re-post is now the same client sending the same rev with the same content
(docs/decisions/0004-sync-idempotency-key.md).
"""

from __future__ import annotations

import threading

import pytest

from contentcuration.models import Change, ContentNode, new_hex_id
from contentcuration.tests.files_helpers import http_json, token_for
from contentcuration.tests.sync_helpers import SYNC_URL, created, updated

pytestmark = pytest.mark.django_db(transaction=True)


class Script:
    """One script: the shared token, its own revs from 1, optionally an X-Client-Id."""

    def __init__(self, url: str, token: str, name: str | None = None):
        self.url, self.token = url + SYNC_URL, token
        self.headers = {"X-Client-Id": name} if name else {}

    def post(self, changes, **envelope):
        status, body, _ = http_json(
            "POST", self.url, body={"changes": changes, **envelope}, token=self.token, headers=self.headers
        )
        assert status == 200, body
        return body


def node(channel, title, rev):
    return created(
        "contentnode",
        new_hex_id(),
        {"title": title, "kind": "topic", "parent": channel.main_tree_id},
        channel_id=channel.pk,
        rev=rev,
    )


def titles(channel) -> list[str]:
    return sorted(ContentNode.objects.filter(parent=channel.main_tree).values_list("title", flat=True))


def test_two_scripts_reusing_revs_on_one_token_both_get_their_changes_applied(live_server, owner, channel):
    token = token_for(owner)
    first, second = Script(live_server.url, token), Script(live_server.url, token)
    a = first.post([node(channel, "a1", 1), node(channel, "a2", 2)])
    b = second.post([node(channel, "b1", 1), node(channel, "b2", 2)])
    assert titles(channel) == ["a1", "a2", "b1", "b2"]
    assert {x["server_rev"] for x in a["allowed"]}.isdisjoint({x["server_rev"] for x in b["allowed"]})
    assert sorted(s["obj"]["title"] for s in b["successes"]) == ["b1", "b2"]


def test_a_script_reposting_its_batch_applies_it_once_and_gets_the_same_outcome(live_server, owner, channel):
    script = Script(live_server.url, token_for(owner))
    batch = [node(channel, "once", 1), updated("contentnode", new_hex_id(), {"title": "x"}, channel_id=channel.pk)]
    batch[1]["rev"] = 2
    first = script.post(batch)
    second = script.post(batch)
    assert first["allowed"] == second["allowed"]
    assert first["errors"] == second["errors"] and len(first["errors"]) == 1  # the update's "Not found"
    assert titles(channel) == ["once"]
    assert Change.objects.filter(created_by=owner, client_rev=1).count() == 1


def test_named_scripts_sending_the_same_change_with_the_same_rev_both_apply_it(live_server, owner, channel):
    token = token_for(owner)
    first, second = Script(live_server.url, token, "first"), Script(live_server.url, token, "second")
    first.post([node(channel, "target", 1)])
    key = ContentNode.objects.get(title="target").pk
    rename = updated("contentnode", key, {"title": "renamed"}, channel_id=channel.pk, rev=2)
    a = first.post([rename], channel_revs={channel.pk: 0})
    b = second.post([rename], channel_revs={channel.pk: 0})
    assert a["allowed"][0]["server_rev"] != b["allowed"][0]["server_rev"]
    assert [s["server_rev"] for s in b["successes"]] == [b["allowed"][0]["server_rev"]]
    # each sees the other's changes as others' changes, not as its own outcomes
    assert a["allowed"][0]["server_rev"] in {c["server_rev"] for c in b["changes"]}
    assert Change.objects.filter(client_rev=2, applied=True).count() == 2
    again = second.post([rename])
    assert again["allowed"] == b["allowed"]  # a named script's re-post is still recognised


def test_a_malformed_client_id_is_a_400_naming_the_header(live_server, owner, channel):
    status, body, _ = http_json(
        "POST",
        live_server.url + SYNC_URL,
        body={"changes": [node(channel, "x", 1)]},
        token=token_for(owner),
        headers={"X-Client-Id": "no spaces/allowed"},
    )
    assert status == 400 and "X-Client-Id" in body["detail"]
    assert titles(channel) == []


@pytest.mark.postgresql
def test_concurrent_scripts_on_one_token_lose_nothing(live_server, owner, channel):
    token = token_for(owner)
    scripts, batches, per_batch = 6, 5, 4
    failures: list[str] = []

    def run(index: int) -> None:
        script = Script(live_server.url, token)
        try:
            for b in range(batches):
                script.post([node(channel, f"s{index}-{b}-{i}", b * per_batch + i + 1) for i in range(per_batch)])
        except AssertionError as exc:  # pragma: no cover - reported below
            failures.append(str(exc))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(scripts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    assert len(titles(channel)) == scripts * batches * per_batch
