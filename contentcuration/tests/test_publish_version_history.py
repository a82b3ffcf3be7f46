"""Version history and differences (issue 15): GET /api/channel/<id>/versions lists the
published versions; /version_diff compares any two from the manifests kept per version."""

from __future__ import annotations

import pytest

from contentcuration import tree
from contentcuration.models import ChannelVersion, ContentNode, PublishedNode
from contentcuration.publish import publish_channel
from contentcuration.tests.factories import build_tree
from contentcuration.tests.publishing import build_sample_channel, stored_file
from contentcuration.tests.sync_helpers import client_for


@pytest.fixture
def two_versions(owner):
    """v1 of the sample channel; then a rename, a new description, a new document, a deleted
    song and a moved game; v2."""
    channel, nodes = build_sample_channel(owner)
    publish_channel(channel_id=channel.id, user=owner, version_notes="First")
    ContentNode.objects.filter(pk=nodes["video"].pk).update(title="Renamed video", changed=True)
    ContentNode.objects.filter(pk=nodes["document"].pk).update(description="Now described", changed=True)
    (added,) = build_tree(
        nodes["topic_a"],
        [("document", [], {"complete": True, "title": "New doc", "license_id": 1, "copyright_holder": "Q"})],
    )
    stored_file(added, b"%PDF new", "pdf", "document")
    tree.delete_subtree(node=nodes["audio"].pk)
    tree.move_node(node=nodes["html5"].pk, target=nodes["topic_a"].pk)
    publish_channel(channel_id=channel.id, user=owner, version_notes="Second")
    return channel, nodes, added


def diff(client, channel, **params):
    return client.get(f"/api/channel/{channel.pk}/version_diff", params)


def test_the_versions_are_listed_newest_first_with_notes_and_counts(two_versions, owner):
    channel, _, _ = two_versions

    versions = client_for(owner).get(f"/api/channel/{channel.pk}/versions").json()

    assert [(v["version"], v["version_notes"]) for v in versions] == [(2, "Second"), (1, "First")]
    assert versions[0]["resource_count"] == 5 and versions[1]["resource_count"] == 5
    assert {k["kind_id"]: k["count"] for k in versions[0]["kind_count"]} == {
        "document": 2,
        "exercise": 1,
        "html5": 1,
        "video": 1,
    }
    assert versions[0]["size"] > 0 and versions[0]["date_published"]


def test_the_difference_between_two_versions_lists_what_was_added_removed_and_changed(two_versions, owner):
    channel, nodes, added = two_versions

    answer = diff(client_for(owner), channel, **{"from": 1, "to": 2}).json()

    found = {(e["change"], e["title"]): e["fields"] for e in answer["results"]}
    assert found == {
        ("added", "New doc"): [],
        ("removed", "A song"): [],
        ("changed", "Renamed video"): ["title"],
        ("changed", "A document"): ["description"],
        ("changed", "A game"): ["parent"],
    }
    assert answer["counts"] == {"added": 1, "removed": 1, "changed": 3}
    entry = next(e for e in answer["results"] if e["change"] == "added")
    assert (entry["id"], entry["node_id"], entry["kind"]) == (
        added.pk,
        ContentNode.objects.get(pk=added.pk).node_id,
        "document",
    )


def test_the_difference_read_backwards_swaps_added_and_removed(two_versions, owner):
    channel, _, _ = two_versions

    answer = diff(client_for(owner), channel, **{"from": 2, "to": 1, "change": "added,removed"}).json()

    assert {(e["change"], e["title"]) for e in answer["results"]} == {("added", "A song"), ("removed", "New doc")}


def test_file_and_question_changes_are_named(owner):
    channel, nodes = build_sample_channel(owner)
    publish_channel(channel_id=channel.id, user=owner, version_notes="First")
    nodes["document"].files.all().delete()
    stored_file(nodes["document"], b"%PDF replaced", "pdf", "document")
    ContentNode.objects.filter(pk=nodes["document"].pk).update(changed=True)
    item = nodes["exercise"].assessment_items.first()
    item.question = "A different question?"
    item.save()
    ContentNode.objects.filter(pk=nodes["exercise"].pk).update(changed=True)
    publish_channel(channel_id=channel.id, user=owner, version_notes="Second")

    answer = diff(client_for(owner), channel, **{"from": 1, "to": 2}).json()

    assert {e["title"]: e["fields"] for e in answer["results"]} == {
        "A document": ["files"],
        "An exercise": ["questions"],
    }


def test_a_version_published_before_manifests_were_kept_is_read_back_from_its_database(two_versions, owner):
    channel, _, _ = two_versions
    first = ChannelVersion.objects.get(channel=channel, version=1)
    PublishedNode.objects.filter(version=first).delete()
    ChannelVersion.objects.filter(pk=first.pk).update(manifest_recorded=False)

    answer = diff(client_for(owner), channel, **{"from": 1, "to": 2}).json()

    assert answer["counts"] == {"added": 1, "removed": 1, "changed": 3}
    assert ChannelVersion.objects.get(pk=first.pk).manifest_recorded


@pytest.mark.parametrize(
    "params, status, field",
    [
        ({"to": 2}, 400, "from"),
        ({"from": 1, "to": "two"}, 400, "to"),
        ({"from": 1, "to": 2, "change": "moved"}, 400, "change"),
        ({"from": 1, "to": 3}, 404, "detail"),
    ],
)
def test_bad_version_parameters_are_refused_naming_the_parameter(two_versions, owner, params, status, field):
    channel, _, _ = two_versions
    response = diff(client_for(owner), channel, **params)
    assert response.status_code == status and field in response.json(), response.content


def test_the_manifest_holds_every_exported_node(two_versions):
    channel, _, _ = two_versions
    version = ChannelVersion.objects.get(channel=channel, version=2)
    assert version.manifest_recorded and version.change_rev is not None
    titles = set(PublishedNode.objects.filter(version=version).values_list("title", flat=True))
    assert titles == {"Sample channel", "Topic A", "Renamed video", "A document", "An exercise", "New doc", "A game"}
