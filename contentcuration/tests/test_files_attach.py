"""Attaching uploaded files to nodes and assessment items through the sync ``file`` table."""

from __future__ import annotations

import pytest

from contentcuration.models import Change, File, User
from contentcuration.tests.factories import build_tree, make_assessment_item, make_file
from contentcuration.tests.files_helpers import announcement, reload_constants
from contentcuration.tests.sync_helpers import client_for, deleted, errors_by_rev, post_sync, updated


@pytest.fixture
def resource(channel):
    fields = {"title": "Clip", "license_id": 1, "copyright_holder": "Someone"}
    (node,) = build_tree(channel.main_tree, [("video", [], fields)])
    return node


def attach(user, file, channel, **mods) -> list | dict | None:
    item = updated("file", file.pk, mods, channel_id=channel.pk)
    response = post_sync(client_for(user), [item], channel_revs={channel.pk: 0})
    if not response["allowed"]:
        return ["disallowed"]
    return errors_by_rev(response, [item])[item["rev"]]


def completion_echoes(node):
    return [
        c
        for c in Change.objects.filter(table="contentnode", kwargs__key=node.pk)
        if "complete" in c.kwargs.get("mods", {})
    ]


def test_attaching_the_main_file_completes_the_node_and_echoes_it(owner, channel, resource):
    file = make_file(data=b"video", ext="mp4", preset_id="high_res_video", uploaded_by=owner, duration=3)
    assert attach(owner, file, channel, contentnode=resource.pk) is None
    resource.refresh_from_db()
    assert resource.complete is True and resource.changed is True
    (echo,) = completion_echoes(resource)
    assert echo.kwargs["mods"] == {"complete": True}
    assert echo.channel_id == channel.pk and echo.applied


def test_a_thumbnail_alone_does_not_complete_a_node(owner, channel, resource):
    file = make_file(data=b"img", ext="png", preset_id="video_thumbnail", uploaded_by=owner)
    assert attach(owner, file, channel, contentnode=resource.pk) is None
    resource.refresh_from_db()
    assert not resource.complete


def test_a_node_without_a_license_stays_incomplete(owner, channel):
    (node,) = build_tree(channel.main_tree, [("document", [], {"title": "Doc"})])
    assert attach(owner, make_file(uploaded_by=owner), channel, contentnode=node.pk) is None
    node.refresh_from_db()
    assert not node.complete


def test_an_exercise_image_attaches_to_its_assessment_item(owner, channel):
    (exercise,) = build_tree(channel.main_tree, ["exercise"])
    item = make_assessment_item(contentnode=exercise)
    file = make_file(data=b"img", ext="png", preset_id="exercise_image", uploaded_by=owner)
    assert attach(owner, file, channel, assessment_item=[exercise.pk, item.assessment_id]) is None
    file.refresh_from_db()
    assert file.assessment_item_id == item.pk and file.contentnode_id is None


def test_attaching_and_deleting_recalculate_the_uploaders_storage(owner, editor, channel, resource):
    file = make_file(data=b"v" * 99, ext="mp4", preset_id="high_res_video", uploaded_by=editor, duration=1)
    assert attach(editor, file, channel, contentnode=resource.pk) is None
    assert User.objects.get(pk=editor.pk).disk_space_used == 99
    post_sync(client_for(editor), [deleted("file", file.pk, channel_id=channel.pk)])
    assert User.objects.get(pk=editor.pk).disk_space_used == 0


@pytest.mark.parametrize("persona", ["viewer", "stranger"])
def test_users_who_cannot_edit_the_channel_cannot_attach(request, owner, channel, resource, persona):
    user = request.getfixturevalue(persona)
    file = make_file(uploaded_by=user)
    assert attach(user, file, channel, contentnode=resource.pk) == ["disallowed"]
    file.refresh_from_db()
    assert file.contentnode_id is None


def test_nobody_attaches_another_users_unattached_upload(owner, editor, channel, resource):
    file = make_file(uploaded_by=owner)
    assert attach(editor, file, channel, contentnode=resource.pk) == ["Not found"]
    assert File.objects.get(pk=file.pk).contentnode_id is None


def test_admins_can_attach_anywhere(admin_user, owner, channel, resource):
    file = make_file(uploaded_by=owner)
    assert attach(admin_user, file, channel, contentnode=resource.pk) is None
    assert resource.files.count() == 1


def test_a_folder_takes_an_uploaded_thumbnail_which_its_read_shows_and_loses_on_removal(owner, channel):
    """The edit panel offers folders the resources' thumbnail flow: announce a ``topic_thumbnail``
    upload, attach it, delete it. The folder's read carries it as ``thumbnail_src`` meanwhile."""
    reload_constants()
    (folder,) = build_tree(channel.main_tree, [("topic", [], {"title": "Halves"})])
    client = client_for(owner)
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    body = announcement(png, name="thumbnail.png", file_format="png", preset="topic_thumbnail")
    response = client.post("/api/file/upload_url", body, content_type="application/json")
    assert response.status_code == 200, response.content
    file = File.objects.get(pk=response.json()["file"]["id"])
    assert attach(owner, file, channel, contentnode=folder.pk) is None

    read = client.get(f"/api/contentnode/{folder.pk}").json()
    assert read["thumbnail_src"] == f"/content/storage/{file.checksum[0]}/{file.checksum[1]}/{file.checksum}.png"
    post_sync(client, [deleted("file", file.pk, channel_id=channel.pk)])
    assert client.get(f"/api/contentnode/{folder.pk}").json()["thumbnail_src"] is None
    folder.refresh_from_db()
    assert folder.files.count() == 0
