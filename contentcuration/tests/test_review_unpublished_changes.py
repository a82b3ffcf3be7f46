"""Review changes since the last publish (issue 15): GET /api/channel/<id>/unpublished_changes
lists what the change log says was added, updated, moved and deleted since the last
published version, one entry per node and kind; a publish empties it."""

from __future__ import annotations

import pytest

from contentcuration.models import Channel, ContentNode, new_hex_id
from contentcuration.publish import publish_channel
from contentcuration.tests.factories import UserFactory
from contentcuration.tests.publishing import build_sample_channel
from contentcuration.tests.sync_helpers import client_for, created, deleted, moved, post_sync, updated


@pytest.fixture
def published(owner):
    channel, nodes = build_sample_channel(owner)
    publish_channel(channel_id=channel.id, user=owner, version_notes="v1")
    return Channel.objects.get(pk=channel.pk), nodes


def review(client, channel, **params) -> dict:
    response = client.get(f"/api/channel/{channel.pk}/unpublished_changes", params)
    assert response.status_code == 200, response.content
    return response.json()


def four_edits(channel, nodes) -> tuple[list[dict], str]:
    """Rename the video, add a document, move the audio into Topic A, delete the game."""
    new_id = new_hex_id()
    return [
        updated("contentnode", nodes["video"].pk, {"title": "A renamed video"}, channel_id=channel.pk),
        created(
            "contentnode",
            new_id,
            {"parent": nodes["topic_a"].pk, "kind": "document", "title": "A new document"},
            channel_id=channel.pk,
        ),
        moved(nodes["audio"].pk, nodes["topic_a"].pk, channel_id=channel.pk),
        deleted("contentnode", nodes["html5"].pk, channel_id=channel.pk),
    ], new_id


def test_the_review_lists_exactly_the_four_changes_with_their_kinds_and_fields(published, owner):
    channel, nodes = published
    client = client_for(owner)
    batch, new_id = four_edits(channel, nodes)
    assert post_sync(client, batch)["errors"] == []

    answer = review(client, channel)

    by_change = {e["change"]: e for e in answer["results"]}
    assert answer["count"] == 4 and sorted(by_change) == ["added", "deleted", "moved", "updated"]
    assert by_change["updated"]["id"] == nodes["video"].pk
    assert by_change["updated"]["fields"] == ["title"]
    assert by_change["updated"]["title"] == "A renamed video"
    assert by_change["added"] | {"changed_at": None} == {
        "id": new_id,
        "node_id": ContentNode.objects.get(pk=new_id).node_id,
        "title": "A new document",
        "kind": "document",
        "parent": nodes["topic_a"].pk,
        "change": "added",
        "fields": [],
        "changed_by": [{"id": owner.pk, "name": owner.get_full_name(), "email": owner.email}],
        "changed_at": None,
        "changes": 1,
    }
    assert by_change["moved"]["id"] == nodes["audio"].pk and by_change["moved"]["parent"] == nodes["topic_a"].pk
    # The deleted node is gone from the tree: named from the last version's manifest.
    gone = by_change["deleted"]
    assert (gone["id"], gone["title"], gone["kind"]) == (nodes["html5"].pk, "A game", "html5")
    assert gone["parent"] == channel.main_tree_id
    assert answer["since_version"] == 1
    assert answer["counts"] == {"total": 4, "added": 1, "updated": 1, "moved": 1, "deleted": 1}


def test_after_publishing_the_review_is_empty(published, owner):
    channel, nodes = published
    client = client_for(owner)
    post_sync(client, four_edits(channel, nodes)[0])
    assert review(client, channel)["count"] == 4

    publish_channel(channel_id=channel.pk, user=owner, version_notes="v2")

    answer = review(client, channel)
    assert answer["count"] == 0 and answer["results"] == [] and answer["since_version"] == 2
    count = client.get(f"/api/channel/{channel.pk}/unpublished_changes/count").json()
    assert count == {"total": 0, "added": 0, "updated": 0, "moved": 0, "deleted": 0}


def test_changes_of_one_node_collapse_into_one_entry_per_kind_with_fields_merged(published, owner, editor):
    channel, nodes = published
    channel.editors.add(editor)
    video = nodes["video"].pk
    post_sync(client_for(owner), [updated("contentnode", video, {"title": "T1"}, channel_id=channel.pk)])
    post_sync(
        client_for(editor),
        [
            updated("contentnode", video, {"description": "D", "title": "T2"}, channel_id=channel.pk),
            updated("contentnode", video, {"tags.fractions": True}, channel_id=channel.pk),
            moved(video, nodes["topic_a"].pk, position="first-child", channel_id=channel.pk),
        ],
    )

    entries = review(client_for(owner), channel)["results"]

    assert [(e["change"], e["fields"]) for e in sorted(entries, key=lambda e: e["change"])] == [
        ("moved", []),
        ("updated", ["description", "tags", "title"]),
    ]
    updated_entry = next(e for e in entries if e["change"] == "updated")
    assert [a["id"] for a in updated_entry["changed_by"]] == [owner.pk, editor.pk]
    assert updated_entry["changes"] == 3


def test_a_node_added_then_edited_is_only_added_and_one_added_then_deleted_is_not_listed(published, owner):
    channel, nodes = published
    kept, dropped = new_hex_id(), new_hex_id()
    parent = nodes["topic_a"].pk
    post_sync(
        client_for(owner),
        [
            created("contentnode", kept, {"parent": parent, "kind": "topic", "title": "New"}, channel_id=channel.pk),
            created(
                "contentnode", dropped, {"parent": parent, "kind": "topic", "title": "Gone"}, channel_id=channel.pk
            ),
            updated("contentnode", kept, {"title": "New, renamed"}, channel_id=channel.pk),
            deleted("contentnode", dropped, channel_id=channel.pk),
        ],
    )

    entries = review(client_for(owner), channel)["results"]

    assert [(e["id"], e["change"], e["title"]) for e in entries] == [(kept, "added", "New, renamed")]


def test_moving_a_node_to_the_trash_counts_as_deleted(published, owner):
    channel, nodes = published
    post_sync(client_for(owner), [moved(nodes["audio"].pk, channel.trash_tree_id, channel_id=channel.pk)])

    (entry,) = review(client_for(owner), channel)["results"]

    assert (entry["id"], entry["change"], entry["title"]) == (nodes["audio"].pk, "deleted", "A song")


def test_question_edits_count_as_updates_of_their_exercise(published, owner):
    channel, nodes = published
    item = nodes["exercise"].assessment_items.first()
    post_sync(
        client_for(owner),
        [
            updated(
                "assessmentitem",
                [nodes["exercise"].pk, item.assessment_id],
                {"question": "Changed?"},
                channel_id=channel.pk,
            )
        ],
    )

    (entry,) = review(client_for(owner), channel)["results"]

    assert (entry["id"], entry["change"], entry["fields"]) == (nodes["exercise"].pk, "updated", ["questions"])


def test_the_list_filters_by_kind_of_change_and_pages(published, owner):
    channel, nodes = published
    client = client_for(owner)
    post_sync(client, four_edits(channel, nodes)[0])

    only = review(client, channel, change="moved,deleted")
    assert sorted(e["change"] for e in only["results"]) == ["deleted", "moved"] and only["count"] == 2
    assert only["counts"]["total"] == 4  # the top bar's figure ignores the filter

    first, second = review(client, channel, page_size=3), review(client, channel, page_size=3, page=2)
    assert first["total_pages"] == 2 and len(first["results"]) == 3 and len(second["results"]) == 1
    assert {e["id"] for e in first["results"]} | {e["id"] for e in second["results"]} == {
        e["id"] for e in review(client, channel)["results"]
    }


@pytest.mark.parametrize(
    "params, field",
    [({"change": "renamed"}, "change"), ({"page_size": "0"}, "page_size"), ({"page": "x"}, "page")],
)
def test_bad_parameters_are_refused_naming_the_parameter(published, owner, params, field):
    channel, _ = published
    response = client_for(owner).get(f"/api/channel/{channel.pk}/unpublished_changes", params)
    assert response.status_code == 400 and field in response.json()


def test_an_actor_who_is_not_a_member_is_shown_without_an_email(published, owner):
    channel, nodes = published
    outsider_admin = UserFactory(email="root@example.com", is_admin=True, first_name="Root", last_name="Admin")
    post_sync(
        client_for(outsider_admin), [updated("contentnode", nodes["video"].pk, {"title": "X"}, channel_id=channel.pk)]
    )

    (entry,) = review(client_for(owner), channel)["results"]

    assert entry["changed_by"] == [{"id": outsider_admin.pk, "name": "Root Admin"}]
    (as_admin,) = review(client_for(outsider_admin), channel)["results"]
    assert as_admin["changed_by"][0]["email"] == "root@example.com"


def test_a_channel_never_published_lists_every_node_added(owner, channel):
    key = new_hex_id()
    client = client_for(owner)
    post_sync(
        client,
        [
            created(
                "contentnode",
                key,
                {"parent": channel.main_tree_id, "kind": "topic", "title": "T"},
                channel_id=channel.pk,
            )
        ],
    )

    answer = review(client, channel)

    assert answer["since_version"] is None
    assert [(e["id"], e["change"]) for e in answer["results"]] == [(key, "added")]
