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


# --- many attaches in one request (the upload queue's batches) -----------------------------------


def documents(channel, count):
    fields = {"license_id": 1, "copyright_holder": "Someone"}
    return build_tree(channel.main_tree, [("document", [], {**fields, "title": f"Doc {i}"}) for i in range(count)])


def attach_all(user, channel, pairs) -> list:
    items = [updated("file", file.pk, {"contentnode": node_id}, channel_id=channel.pk) for file, node_id in pairs]
    response = post_sync(client_for(user), items, channel_revs={channel.pk: 0})
    outcomes = errors_by_rev(response, items)
    return [outcomes[item["rev"]] for item in items]


def test_files_attached_together_complete_each_node_as_one_by_one_would(owner, editor, channel):
    nodes = documents(channel, 3)
    files = [make_file(data=f"pdf {i}".encode(), uploaded_by=editor) for i in range(3)]
    assert attach_all(editor, channel, zip(files, [n.pk for n in nodes], strict=True)) == [None, None, None]
    for node, file in zip(nodes, files, strict=True):
        node.refresh_from_db()
        assert node.complete is True and node.changed is True
        assert list(node.files.values_list("pk", flat=True)) == [file.pk]
        (echo,) = completion_echoes(node)
        assert echo.kwargs["mods"] == {"complete": True} and echo.channel_id == channel.pk
    assert User.objects.get(pk=editor.pk).disk_space_used == sum(f.file_size for f in files)


def test_in_a_batch_of_attaches_only_the_changes_at_fault_fail(owner, editor, channel):
    from contentcuration.tests.factories import make_channel

    nodes = documents(channel, 2)
    (elsewhere,) = documents(make_channel(owner=owner, name="Not shared"), 1)
    mine, also_mine, someone_elses, misplaced = (make_file(data=f"f{i}".encode(), uploaded_by=u)
                                                 for i, u in enumerate([editor, editor, owner, editor]))  # fmt: skip
    outcomes = attach_all(
        editor,
        channel,
        [(mine, nodes[0].pk), (someone_elses, nodes[1].pk), (misplaced, elsewhere.pk), (also_mine, nodes[1].pk)],
    )
    assert outcomes == [
        None,
        ["Not found"],
        {"contentnode": [f'Invalid pk "{elsewhere.pk}" - object does not exist.']},
        None,
    ]
    assert File.objects.get(pk=mine.pk).contentnode_id == nodes[0].pk
    assert File.objects.get(pk=also_mine.pk).contentnode_id == nodes[1].pk
    assert File.objects.get(pk=someone_elses.pk).contentnode_id is None
    assert File.objects.get(pk=misplaced.pk).contentnode_id is None


def test_attaching_many_files_costs_the_queries_of_attaching_two(owner, channel):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for count in (2, 12):
        nodes = documents(channel, count)
        files = [make_file(data=f"{count} {i}".encode(), uploaded_by=owner) for i in range(count)]
        with CaptureQueriesContext(connection) as queries:
            assert attach_all(owner, channel, zip(files, [n.pk for n in nodes], strict=True)) == [None] * count
        counts.append(len(queries))
    assert counts[1] <= counts[0] + 2, counts


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
