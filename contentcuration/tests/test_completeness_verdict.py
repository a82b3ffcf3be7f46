"""Completeness is the server's verdict: whatever a client claims (or leaves out), the server
computes ``complete`` on every write, announces it, and reads give the reasons."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from contentcuration.models import ChannelVersion, ContentNode, new_hex_id
from contentcuration.tests.sync_helpers import client_for, created, post_sync, updated

CC_BY = 1
DO_ALL = {
    "randomize": True,
    "options": {"completion_criteria": {"model": "mastery", "threshold": {"mastery_model": "do_all"}}},
}


def node(channel, parent, **obj):
    return created("contentnode", new_hex_id(), {"parent": parent, **obj}, channel_id=channel.pk)


def question(channel, exercise_id):
    answers = [{"answer": "4", "correct": True, "order": 1}, {"answer": "5", "correct": False, "order": 2}]
    return created(
        "assessmentitem",
        [exercise_id, new_hex_id()],
        {"type": "single_selection", "question": "2 + 2?", "answers": json.dumps(answers), "hints": "[]"},
        channel_id=channel.pk,
    )


def last_rev(response) -> int:
    return max(c["server_rev"] for c in response["changes"])


def echoed_complete(response) -> dict[str, bool]:
    return {c["key"]: c["mods"]["complete"] for c in response["changes"] if "complete" in c.get("mods", {})}


def read_nodes(client, parent) -> dict[str, dict]:
    response = client.get("/api/contentnode", {"parent": parent})
    assert response.status_code == 200, response.content
    rows = response.json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    return {row["id"]: row for row in rows}


@pytest.mark.django_db
def test_a_channel_built_through_sync_without_complete_flags_publishes(owner, channel):
    client = client_for(owner)
    topic = node(channel, channel.main_tree_id, kind="topic", title="Numbers")
    exercise = node(
        channel,
        topic["key"],
        kind="exercise",
        title="Adding",
        license=CC_BY,
        copyright_holder="Us",
        extra_fields=DO_ALL,
    )
    response = post_sync(
        client, channel_revs={channel.pk: 0}, changes=[topic, exercise, question(channel, exercise["key"])]
    )
    assert not response["errors"], response["errors"]
    assert echoed_complete(response) == {topic["key"]: True, exercise["key"]: True}
    assert ContentNode.objects.get(pk=topic["key"]).complete
    assert ContentNode.objects.get(pk=exercise["key"]).complete

    out = StringIO()
    call_command("publish_channel", channel.pk, "--language", "en", "--no-progress", stdout=out)
    assert "Published version 1" in out.getvalue(), out.getvalue()
    assert ChannelVersion.objects.filter(channel=channel, version=1, resource_count=1).exists()


@pytest.mark.django_db
def test_reads_show_the_verdict_and_the_reasons(owner, channel):
    client = client_for(owner)
    titled = node(channel, channel.main_tree_id, kind="topic", title="Titled")
    untitled = node(channel, channel.main_tree_id, kind="topic", title="")
    video = node(channel, channel.main_tree_id, kind="video", title="Clip")
    post_sync(client, channel_revs={channel.pk: 0}, changes=[titled, untitled, video])
    rows = read_nodes(client, channel.main_tree_id)
    assert (rows[titled["key"]]["complete"], rows[titled["key"]]["incomplete_reasons"]) == (True, [])
    assert (rows[untitled["key"]]["complete"], rows[untitled["key"]]["incomplete_reasons"]) == (False, ["title"])
    assert rows[video["key"]]["complete"] is False
    assert rows[video["key"]]["incomplete_reasons"] == ["license", "file"]


@pytest.mark.django_db
def test_a_client_claim_is_ignored_both_ways(owner, channel):
    client = client_for(owner)
    topic = node(channel, channel.main_tree_id, kind="topic", title="Claimed incomplete", complete=False)
    video = node(channel, channel.main_tree_id, kind="video", title="Claimed complete", complete=True)
    response = post_sync(client, channel_revs={channel.pk: 0}, changes=[topic, video])
    assert echoed_complete(response) == {topic["key"]: True, video["key"]: False}

    response = post_sync(
        client,
        channel_revs={channel.pk: last_rev(response)},
        changes=[updated("contentnode", topic["key"], {"complete": False}, channel_id=channel.pk)],
    )
    assert ContentNode.objects.get(pk=topic["key"]).complete is True
    assert echoed_complete(response) == {topic["key"]: True}


@pytest.mark.django_db
def test_removing_a_title_makes_a_topic_incomplete_and_restoring_it_completes_it(owner, channel):
    client = client_for(owner)
    topic = node(channel, channel.main_tree_id, kind="topic", title="Numbers")
    response = post_sync(client, channel_revs={channel.pk: 0}, changes=[topic])
    response = post_sync(
        client,
        channel_revs={channel.pk: last_rev(response)},
        changes=[updated("contentnode", topic["key"], {"title": ""}, channel_id=channel.pk)],
    )
    assert echoed_complete(response) == {topic["key"]: False}
    response = post_sync(
        client,
        channel_revs={channel.pk: last_rev(response)},
        changes=[updated("contentnode", topic["key"], {"title": "Back"}, channel_id=channel.pk)],
    )
    assert echoed_complete(response) == {topic["key"]: True}


def echoed_verdicts(response) -> dict[str, tuple[bool, list[str]]]:
    return {
        c["key"]: (c["mods"]["complete"], c["mods"]["incomplete_reasons"])
        for c in response["changes"]
        if "complete" in c.get("mods", {})
    }


@pytest.mark.django_db
def test_an_update_echoes_the_reasons_with_the_verdict_so_the_editor_need_not_read_again(owner, channel):
    """The UPDATED echo carries ``incomplete_reasons`` (as reads give them) whenever the node
    flips or stays incomplete (its reasons may have changed); a node staying complete gets
    no echo, so a client keeps ``complete: true`` and no reasons."""
    client = client_for(owner)
    video = node(channel, channel.main_tree_id, kind="video", title="Clip")
    topic = node(channel, channel.main_tree_id, kind="topic", title="Unit")
    response = post_sync(client, channel_revs={channel.pk: 0}, changes=[video, topic])
    rev = last_rev(response)

    def update(key, mods):
        nonlocal rev
        response = post_sync(
            client, channel_revs={channel.pk: rev}, changes=[updated("contentnode", key, mods, channel_id=channel.pk)]
        )
        assert not response["errors"], response["errors"]
        rev = max([rev, *(c["server_rev"] for c in response["changes"])])
        return echoed_verdicts(response)

    # still incomplete, one reason fewer: echoed although `complete` did not flip
    assert update(video["key"], {"license": CC_BY, "copyright_holder": "Us"}) == {video["key"]: (False, ["file"])}
    assert update(video["key"], {"description": "Still no file"}) == {video["key"]: (False, ["file"])}
    # a flip carries the new reasons; staying complete is not echoed
    assert update(topic["key"], {"title": ""}) == {topic["key"]: (False, ["title"])}
    assert update(topic["key"], {"title": "Unit 1"}) == {topic["key"]: (True, [])}
    assert update(topic["key"], {"title": "Unit 2"}) == {}
    rows = read_nodes(client, channel.main_tree_id)
    assert (rows[video["key"]]["complete"], rows[video["key"]]["incomplete_reasons"]) == (False, ["file"])
