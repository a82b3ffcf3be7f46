"""channel through /api/sync/: create, update, delete, publish routing, sync, deploy."""

from __future__ import annotations

import pytest

from contentcuration import tree
from contentcuration.models import Channel, ChannelHistory, ContentNode, Invitation, TaskMetadata, new_hex_id
from contentcuration.models import change_types as c
from contentcuration.tests.factories import build_tree, make_file
from contentcuration.tests.jobs_helpers import eager_celery
from contentcuration.tests.sync_helpers import change, client_for, created, deleted, post_sync, updated


def outcome(user, item, **envelope):
    response = post_sync(client_for(user), [item], **envelope)
    return response["errors"][0]["errors"] if response["errors"] else None


def test_creating_a_channel_makes_the_creator_an_editor_with_two_trees(stranger):
    key = new_hex_id()
    item = created(
        "channel",
        key,
        {"name": "Maths", "description": "D", "language": "en", "content_defaults": {"author": "Ada"}},
        channel_id=key,
    )
    assert outcome(stranger, item) is None
    channel = Channel.objects.get(pk=key)
    assert channel.editors.filter(pk=stranger.pk).exists()
    assert channel.main_tree.title == "Maths" and channel.trash_tree_id
    assert channel.content_defaults["author"] == "Ada"


def test_creating_a_channel_with_bad_fields_names_them(stranger):
    key = new_hex_id()
    item = created("channel", key, {"name": 5, "content_defaults": {"license": "Nope"}}, channel_id=key)
    errors = outcome(stranger, item)
    assert set(errors) == {"name", "content_defaults"}
    assert not Channel.objects.filter(pk=key).exists()


def test_updating_a_channel_merges_content_defaults_and_marks_the_root_changed(owner, channel):
    ContentNode.objects.filter(pk=channel.main_tree_id).update(changed=False)
    item = updated(
        "channel",
        channel.pk,
        {
            "name": "Renamed",
            "content_defaults.author": "Grace",
            "thumbnail_encoding.base64": "data:image/png;base64,AA",
        },
        channel_id=channel.pk,
    )
    assert outcome(owner, item) is None
    channel.refresh_from_db()
    assert channel.name == "Renamed" and channel.content_defaults["author"] == "Grace"
    assert channel.content_defaults["auto_derive_video_thumbnail"] is True
    assert channel.thumbnail_encoding == {"base64": "data:image/png;base64,AA"}
    assert ContentNode.objects.get(pk=channel.main_tree_id).changed is True


def test_viewers_cannot_update_a_channel(channel, viewer):
    item = updated("channel", channel.pk, {"name": "X"}, channel_id=channel.pk)
    assert post_sync(client_for(viewer), [item])["disallowed"] == [item]


def test_deleting_a_channel_is_a_soft_delete_with_history(owner, channel):
    Invitation.objects.create(channel=channel, email="x@example.com", sender=owner)
    assert outcome(owner, deleted("channel", channel.pk, channel_id=channel.pk)) is None
    channel.refresh_from_db()
    assert channel.deleted and channel.main_tree_id
    assert ChannelHistory.objects.filter(channel=channel, action=ChannelHistory.DELETION).exists()
    assert not Invitation.objects.filter(channel=channel).exists()


def test_restoring_a_channel_records_recovery(owner, channel):
    outcome(owner, deleted("channel", channel.pk, channel_id=channel.pk))
    assert outcome(owner, updated("channel", channel.pk, {"deleted": False}, channel_id=channel.pk)) is None
    assert ChannelHistory.objects.filter(channel=channel, action=ChannelHistory.RECOVERY).exists()


def test_deploying_swaps_the_staging_tree_in(owner, channel):
    staging = tree.create_root(title="staging")
    build_tree(staging, ["video"])
    old_main = channel.main_tree_id
    Channel.objects.filter(pk=channel.pk).update(staging_tree=staging)
    response = post_sync(
        client_for(owner),
        [change(c.DEPLOYED, "channel", channel.pk, channel_id=channel.pk)],
        channel_revs={channel.pk: 0},
    )
    channel.refresh_from_db()
    assert (channel.main_tree_id, channel.previous_tree_id, channel.staging_tree_id) == (staging.pk, old_main, None)
    assert {"root_id": staging.pk, "staging_root_id": None} in [e["mods"] for e in response["changes"]]


def test_deploying_without_a_staging_tree_is_an_error(owner, channel):
    assert outcome(owner, change(c.DEPLOYED, "channel", channel.pk, channel_id=channel.pk))


def test_publishing_a_deleted_channel_is_an_error(owner, channel):
    Channel.objects.filter(pk=channel.pk).update(deleted=True)
    item = change(c.PUBLISHED, "channel", channel.pk, channel_id=channel.pk, version_notes="", language="en")
    assert outcome(owner, item) == ["Cannot publish a deleted channel"]


@pytest.mark.parametrize("change_type, draft", [(c.PUBLISHED, False), (c.PUBLISHED_NEXT, True)])
def test_publishing_queues_the_publish_task(owner, channel, change_type, draft, django_capture_on_commit_callbacks):
    build_tree(channel.main_tree, [("document", [], {"complete": True})])
    item = change(change_type, "channel", channel.pk, channel_id=channel.pk, version_notes="v1", language="en")
    with (
        eager_celery(),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_sync(client_for(owner), [item], channel_revs={channel.pk: 0})
    assert response["successes"] or response["allowed"]
    metadata = TaskMetadata.objects.get(channel_id=channel.pk)
    assert metadata.task_name == "contentcuration.publish.tasks.publish_channel_task"
    channel.refresh_from_db()
    assert channel.version == (0 if draft else 1)
    assert not ContentNode.objects.get(pk=channel.main_tree_id).publishing


def test_publishing_twice_through_sync_makes_two_versions(owner, channel, django_capture_on_commit_callbacks):
    fields = {"complete": True, "license_id": 1, "copyright_holder": "Someone", "language_id": "en"}
    # A request without a language publishes in the channel's (issue 11; it used to be "en").
    Channel.objects.filter(pk=channel.pk).update(language_id="en")
    document = build_tree(channel.main_tree, [("document", [], fields)])[0]
    make_file(contentnode=document)
    for version in (1, 2):
        if version == 2:
            post_sync(
                client_for(owner), [updated("contentnode", document.pk, {"title": "Edited"}, channel_id=channel.pk)]
            )
        item = change(c.PUBLISHED, "channel", channel.pk, channel_id=channel.pk, version_notes=f"v{version}")
        with eager_celery(), django_capture_on_commit_callbacks(execute=True):
            post_sync(client_for(owner), [item], channel_revs={channel.pk: 0})
        channel.refresh_from_db()
        assert channel.version == version


def test_deploying_twice_keeps_every_tree(owner, channel):
    first_main = channel.main_tree_id
    for _ in range(2):
        staging = tree.create_root(title="staging")
        Channel.objects.filter(pk=channel.pk).update(staging_tree=staging)
        assert outcome(owner, change(c.DEPLOYED, "channel", channel.pk, channel_id=channel.pk)) is None
    channel.refresh_from_db()
    assert channel.main_tree_id == staging.pk and channel.previous_tree_id != first_main
    assert ContentNode.objects.filter(pk=first_main).exists()
