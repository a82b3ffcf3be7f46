"""Smaller leaks (issue 10, item 11): existence probes, change logs under the wrong channel,
chef channel ids taken first, task tracebacks shown to viewers.

Password change and logout are in test_auth_accounts.py. Sync goes through ``/api/sync/``
with token auth; REST reads through a session with CSRF enforced.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django_celery_results.models import TaskResult

from contentcuration.internal.chef_errors import Forbidden
from contentcuration.internal.chef_upload import create_chef_tree
from contentcuration.models import Channel, ContentNode, TaskMetadata, new_hex_id
from contentcuration.tests.factories import UserFactory, build_tree, make_channel
from contentcuration.tests.sync_helpers import (
    created,
    csrf_client_for,
    errors_by_rev,
    post_sync,
    token_client_for,
    updated,
)


def sync_one(user, item):
    response = post_sync(token_client_for(user), [item])
    assert len(response["allowed"]) == 1, response
    return errors_by_rev(response, [item])[item["rev"]]


# --- language_exists ---------------------------------------------------------------------------


def test_language_exists_tells_a_stranger_nothing(owner, channel, stranger):
    client = csrf_client_for(stranger)
    private = client.get(f"/api/channel/{channel.pk}/language_exists")
    missing = client.get(f"/api/channel/{new_hex_id()}/language_exists")
    assert private.status_code == missing.status_code == 404
    assert private.content == missing.content
    assert csrf_client_for(owner).get(f"/api/channel/{channel.pk}/language_exists").status_code == 200


# --- clipboard ---------------------------------------------------------------------------------


def test_a_clipboard_copy_from_an_unreadable_channel_is_refused_like_a_missing_one(owner, channel, stranger):
    video = build_tree(channel.main_tree, ["video"])[0]

    def copy(source_channel_id, source_node_id):
        obj = {"source_channel_id": source_channel_id, "source_node_id": source_node_id}
        return sync_one(stranger, created("clipboard", new_hex_id(), obj, user_id=stranger.pk))

    assert copy(channel.pk, video.node_id) == copy(new_hex_id(), new_hex_id()) == ["ContentNode does not exist"]
    assert ContentNode.objects.filter(node_id=video.node_id).count() == 1
    Channel.objects.filter(pk=channel.pk).update(public=True)
    assert copy(channel.pk, video.node_id) is None


# --- a change's channel_id must be its key's channel --------------------------------------------


def test_a_change_tagged_with_another_channel_is_refused_and_watchers_see_every_applied_change(owner, channel):
    other = make_channel(owner=owner, name="Other")
    node = build_tree(other.main_tree, ["video"])[0]
    watcher = UserFactory()
    other.viewers.add(watcher)
    mark = post_sync(token_client_for(watcher), channel_revs={other.pk: 0})
    since = max([0, *[ch["server_rev"] for ch in mark["changes"]]])

    wrong = updated("contentnode", node.pk, {"title": "Renamed quietly"}, channel_id=channel.pk)
    outcome = sync_one(owner, wrong)
    assert outcome == {"channel_id": [f'The change\'s key belongs to channel "{other.pk}", not "{channel.pk}".']}
    node.refresh_from_db()
    assert node.title != "Renamed quietly"

    right = updated("contentnode", node.pk, {"title": "Renamed openly"}, channel_id=other.pk)
    assert sync_one(owner, right) is None
    seen = post_sync(token_client_for(watcher), channel_revs={other.pk: since})["changes"]
    titles = [ch["mods"] for ch in seen if ch["key"] == node.pk and "title" in ch["mods"]]
    assert titles == [{"title": "Renamed openly"}]


@pytest.mark.parametrize("table", ["editor_m2m", "channel"])
def test_membership_and_channel_changes_must_name_their_own_channel(owner, channel, table):
    other = make_channel(owner=owner, name="Other")
    someone = UserFactory()
    if table == "editor_m2m":
        item = created("editor_m2m", [someone.pk, other.pk], {}, channel_id=channel.pk)
    else:
        item = updated("channel", other.pk, {"name": "Sneaky"}, channel_id=channel.pk)
    assert "channel_id" in sync_one(owner, item)
    assert not other.editors.filter(pk=someone.pk).exists()
    assert Channel.objects.get(pk=other.pk).name == "Other"


def test_nodes_created_in_one_batch_keep_their_channel(owner, channel):
    parent, child = new_hex_id(), new_hex_id()
    batch = [
        created(
            "contentnode",
            parent,
            {"parent": channel.main_tree_id, "kind": "topic", "title": "T"},
            channel_id=channel.pk,
        ),
        created("contentnode", child, {"parent": parent, "kind": "topic", "title": "C"}, channel_id=channel.pk),
    ]
    response = post_sync(token_client_for(owner), batch)
    assert errors_by_rev(response, batch) == {batch[0]["rev"]: None, batch[1]["rev"]: None}


# --- chef channel ids --------------------------------------------------------------------------


def chef_channel_id(domain: str, source_id: str) -> str:
    return uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_DNS, domain), source_id).hex


def test_a_stranger_cannot_create_a_channel_with_the_id_a_chef_will_compute(db, stranger):
    chef = UserFactory()
    channel_id = chef_channel_id("example.org", "sample-channel")
    outcome = sync_one(stranger, created("channel", channel_id, {"name": "Mine now"}, channel_id=channel_id))
    assert list(outcome) == ["id"] and "reserved for channels uploaded by chefs" in outcome["id"][0]
    rest = csrf_client_for(stranger).post(
        "/api/channel", {"id": channel_id, "name": "Mine now"}, content_type="application/json"
    )
    assert rest.status_code == 400 and "id" in rest.json()
    assert not Channel.objects.filter(pk=channel_id).exists()

    data = {"id": channel_id, "name": "Sample", "source_domain": "example.org", "source_id": "sample-channel"}
    channel = create_chef_tree(user=chef, channel_data={**data, "language": "en", "license": None})
    assert channel.editors.filter(pk=chef.pk).exists()
    # The chef API still refuses (never hands over) a chef channel somebody else owns.
    with pytest.raises(Forbidden):
        create_chef_tree(user=stranger, channel_data={**data, "language": "en", "license": None})


# --- task failures -----------------------------------------------------------------------------


def failed_job(channel, user, *, traceback, result):
    meta = TaskMetadata.objects.create(
        task_id=f"t-{new_hex_id()}", task_name="publish_channel_task", user=user, channel_id=channel.pk, progress=10
    )
    TaskResult.objects.create(task_id=meta.task_id, status="FAILURE", traceback=traceback, result=json.dumps(result))
    return meta


TRACEBACK = 'Traceback (most recent call last):\n  File "/srv/app/contentcuration/publish/x.py", line 3\nOSError: [Errno 2] /srv/data/media/ab/cd.mp4'


def test_viewers_see_a_message_not_the_traceback(owner, channel, viewer, admin_user):
    failed_job(
        channel,
        owner,
        traceback=TRACEBACK,
        result={"exc_type": "OSError", "exc_module": "builtins", "exc_message": ["x"]},
    )
    [seen] = post_sync(token_client_for(viewer), channel_revs={channel.pk: 0})["tasks"]
    assert "/srv" not in seen["traceback"] and "Traceback" not in seen["traceback"]
    assert seen["traceback"] == "The task failed (OSError). An administrator can see the details."
    [for_admin] = post_sync(token_client_for(admin_user), channel_revs={channel.pk: 0})["tasks"]
    assert for_admin["traceback"] == TRACEBACK


def test_our_own_errors_keep_their_message(owner, channel):
    result = {
        "exc_type": "PublishError",
        "exc_module": "contentcuration.publish.failures",
        "exc_message": ["The channel has no resources to publish."],
    }
    failed_job(channel, owner, traceback=TRACEBACK, result=result)
    [seen] = post_sync(token_client_for(owner), channel_revs={channel.pk: 0})["tasks"]
    assert seen["traceback"] == "PublishError: The channel has no resources to publish."
