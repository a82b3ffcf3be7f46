"""Contract tests: every read endpoint returns exactly the spec's keys with the right types
(spec section 4; real browser clients read these shapes)."""

from __future__ import annotations

import pytest

from contentcuration.files.quota import storage_used
from contentcuration.tests.read_data import build_read_data, client_for

HEX = "hex"  # a 32-character lower-case hex id
OPT_HEX = "hex?"
STR, OPT_STR, INT, OPT_INT, BOOL, OPT_BOOL, DICT, LIST = (
    str,
    (str, type(None)),
    int,
    (int, type(None)),
    bool,
    (bool, type(None)),
    dict,
    list,
)

CHANNEL_SHAPE = {
    "id": HEX,
    "name": STR,
    "description": STR,
    "thumbnail": OPT_STR,
    "thumbnail_url": OPT_STR,
    "thumbnail_encoding": DICT,
    "language": OPT_STR,
    "primary_token": OPT_STR,
    "modified": OPT_STR,
    "count": INT,
    "public": BOOL,
    "version": INT,
    "created": STR,
    "published": BOOL,
    "publishing": BOOL,
    "last_published": OPT_STR,
    "ricecooker_version": OPT_STR,
    "root_id": HEX,
    "trash_root_id": HEX,
    "staging_root_id": OPT_HEX,
    "content_defaults": DICT,
    "deleted": BOOL,
    "source_url": STR,
    "demo_server_url": STR,
    "edit": BOOL,
    "view": BOOL,
    "unpublished_changes": BOOL,
    "draft_token": OPT_STR,
}
LABELS = (
    "grade_levels",
    "resource_types",
    "learning_activities",
    "accessibility_labels",
    "categories",
    "learner_needs",
)
CONTENTNODE_SHAPE = {
    "id": HEX,
    "content_id": HEX,
    "node_id": HEX,
    "title": STR,
    "description": STR,
    "author": STR,
    "provider": STR,
    "aggregator": STR,
    "tags": DICT,
    "role_visibility": STR,
    "kind": STR,
    "language": OPT_STR,
    "license": OPT_INT,
    "license_description": OPT_STR,
    "copyright_holder": OPT_STR,
    "extra_fields": DICT,
    "root_id": HEX,
    "channel_id": OPT_HEX,
    "original_source_node_id": OPT_HEX,
    "original_channel_id": OPT_HEX,
    "original_channel_name": OPT_STR,
    "original_node_id": OPT_HEX,
    "original_parent_id": OPT_HEX,
    "total_count": INT,
    "resource_count": INT,
    "error_count": INT,
    "coach_count": INT,
    "assessment_item_count": INT,
    "has_updated_descendants": BOOL,
    "has_new_descendants": BOOL,
    "thumbnail_checksum": OPT_STR,
    "thumbnail_extension": OPT_STR,
    "thumbnail_encoding": OPT_STR,
    "thumbnail_src": OPT_STR,
    "published": BOOL,
    "modified": STR,
    "has_children": BOOL,
    "parent": OPT_HEX,
    "complete": OPT_BOOL,
    "incomplete_reasons": LIST,  # ours, not Studio's: why the server says a node is incomplete
    "changed": BOOL,
    "lft": INT,
    **{label: DICT for label in LABELS},
    "suggested_duration": OPT_INT,
}
ASSESSMENTITEM_SHAPE = {
    "question": STR,
    "type": STR,
    "answers": STR,
    "contentnode": HEX,
    "assessment_id": HEX,
    "hints": STR,
    "raw_data": STR,
    "order": INT,
    "source_url": OPT_STR,
    "randomize": BOOL,
    "deleted": BOOL,
    "problems": LIST,
}
FILE_SHAPE = {
    "id": HEX,
    "checksum": STR,
    "file_size": OPT_INT,
    "language": OPT_STR,
    "file_format": OPT_STR,
    "contentnode": OPT_HEX,
    "assessment_item": OPT_HEX,
    "file_on_disk": STR,
    "preset": OPT_STR,
    "original_filename": STR,
    "uploaded_by": OPT_INT,
    "duration": OPT_INT,
    "url": OPT_STR,
}
CHANNELSET_SHAPE = {"id": HEX, "name": STR, "description": STR, "channels": DICT, "secret_token": OPT_STR, "edit": BOOL}
INVITATION_SHAPE = {
    "id": HEX,
    "invited": OPT_INT,
    "email": OPT_STR,
    "accepted": BOOL,
    "declined": BOOL,
    "revoked": BOOL,
    "first_name": STR,
    "last_name": OPT_STR,
    "sender__first_name": OPT_STR,
    "sender__last_name": OPT_STR,
    "sender_name": STR,
    "channel": HEX,
    "share_mode": STR,
    "channel_name": STR,
}
USER_SHAPE = {
    "id": INT,
    "email": STR,
    "first_name": STR,
    "last_name": STR,
    "is_active": BOOL,
    "editable_channels": LIST,
    "view_only_channels": LIST,
}
CHANNELUSER_SHAPE = {"id": INT, "email": STR, "first_name": STR, "last_name": STR, "can_edit": BOOL, "can_view": BOOL}
CLIPBOARD_SHAPE = {
    "id": HEX,
    "source_node_id": OPT_HEX,
    "source_channel_id": OPT_HEX,
    "extra_fields": DICT,
    "parent": OPT_HEX,
    "lft": INT,
    "total_count": INT,
    "resource_count": INT,
}
BOOKMARK_SHAPE = {"channel": HEX}


def assert_shape(row: dict, shape: dict) -> None:
    assert set(row) == set(shape), f"extra {set(row) - set(shape)}, missing {set(shape) - set(row)}"
    for key, expected in shape.items():
        value = row[key]
        if expected in (HEX, OPT_HEX):
            if value is None and expected == OPT_HEX:
                continue
            assert isinstance(value, str) and len(value) == 32 and int(value, 16) >= 0, (key, value)
        elif expected is INT or expected == OPT_INT:
            assert not isinstance(value, bool) and isinstance(value, expected), (key, value)
        else:
            assert isinstance(value, expected), (key, value)


@pytest.fixture
def data(channel, owner):
    return build_read_data(channel=channel, owner=owner)


def get(user, url, **params):
    response = client_for(user).get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_channel_list_and_detail_have_the_channel_shape(owner, data):
    rows = get(owner, "/api/channel", edit="true")
    assert len(rows) == 1
    assert_shape(rows[0], CHANNEL_SHAPE)
    assert_shape(get(owner, f"/api/channel/{data.channel.id}"), CHANNEL_SHAPE)
    row = rows[0]
    assert row["edit"] is True and row["view"] is False
    assert row["root_id"] == data.channel.main_tree_id
    assert row["count"] == 3  # video, exercise, document
    assert len(row["primary_token"]) == 10
    assert row["language"] == "en"


def test_catalog_rows_have_the_channel_shape_for_anonymous_users(data):
    data.channel.public = True
    data.channel.save()
    body = get(None, "/api/catalog", public="true", page_size=10)
    assert set(body) == {"page", "count", "total_pages", "results"}
    assert body["count"] == 1
    assert_shape(body["results"][0], CHANNEL_SHAPE)
    assert body["results"][0]["edit"] is False


def test_contentnode_rows_have_the_node_shape(owner, data):
    rows = get(owner, "/api/contentnode", parent=data.topic.id)
    assert [r["id"] for r in rows] == [data.video.id, data.exercise.id, data.document.id]
    for row in rows:
        assert_shape(row, CONTENTNODE_SHAPE)
    video, exercise, document = rows
    assert video["tags"] == {"maths": True}
    assert video["thumbnail_checksum"] and video["thumbnail_extension"] == "png"
    assert video["channel_id"] == data.channel.id and video["root_id"] == data.channel.main_tree_id
    assert exercise["assessment_item_count"] == 1
    assert exercise["extra_fields"]["options"]["completion_criteria"]["model"] == "mastery"
    assert document["thumbnail_src"] == "data:image/png;base64,AA"
    topic = get(owner, f"/api/contentnode/{data.topic.id}")
    assert_shape(topic, CONTENTNODE_SHAPE)
    assert (topic["total_count"], topic["resource_count"], topic["coach_count"]) == (3, 3, 1)
    assert topic["has_children"] is True and topic["has_new_descendants"] is True


def test_contentnode_requisites_and_size_actions(owner, data):
    assert get(owner, f"/api/contentnode/{data.exercise.id}/requisites") == [
        {"target_node": data.exercise.id, "prerequisite": data.video.id}
    ]
    size = get(owner, f"/api/contentnode/{data.channel.main_tree_id}/size")
    assert size == {"size": len(b"pdf bytes") + len(b"thumb") + len(b"image"), "stale": False}
    assert client_for(owner).get(f"/api/contentnode/{data.topic.id}/size").status_code == 404


def test_assessmentitem_rows_have_the_item_shape(owner, data):
    rows = get(owner, "/api/assessmentitem", contentnode=data.exercise.id)
    assert len(rows) == 1
    assert_shape(rows[0], ASSESSMENTITEM_SHAPE)


def test_file_rows_have_the_file_shape(owner, data):
    rows = get(owner, "/api/file", contentnode__in=f"{data.video.id},{data.document.id}")
    assert len(rows) == 2
    for row in rows:
        assert_shape(row, FILE_SHAPE)
        assert row["url"].endswith(f"{row['checksum']}.{row['file_format']}")
    item = data.exercise.assessment_items.get()
    (image,) = get(owner, "/api/file", assessment_item=item.assessment_id)
    assert image["assessment_item"] == item.assessment_id


def test_channelset_rows_have_the_set_shape(owner, data):
    rows = get(owner, "/api/channelset")
    assert len(rows) == 1
    assert_shape(rows[0], CHANNELSET_SHAPE)
    assert rows[0]["channels"] == {}  # the channel is not published yet
    data.channel.main_tree.published = True
    data.channel.main_tree.save()
    assert get(owner, "/api/channelset")[0]["channels"] == {data.channel.id: True}


def test_invitation_rows_have_the_invitation_shape(owner, data):
    rows = get(owner, "/api/invitation", channel=data.channel.id)
    assert len(rows) == 1
    assert_shape(rows[0], INVITATION_SHAPE)
    assert rows[0]["sender_name"] == f"{owner.first_name} {owner.last_name}"
    assert rows[0]["channel_name"] == data.channel.name


def test_user_rows_have_the_user_shape(owner, editor, data):
    rows = get(owner, "/api/user", ids=f"{owner.pk},{editor.pk}")
    assert {r["id"] for r in rows} == {owner.pk, editor.pk}
    for row in rows:
        assert_shape(row, USER_SHAPE)
        assert row["editable_channels"] == [data.channel.id]
    assert get(owner, "/api/user/get_storage_used") == 0  # cached, never refreshed yet
    assert get(owner, "/api/user/refresh_storage_used") == storage_used(owner) > 0


def test_channeluser_rows_have_the_channeluser_shape(owner, editor, viewer, data):
    rows = get(owner, "/api/channeluser", channel=data.channel.id)
    assert {(r["email"], r["can_edit"], r["can_view"]) for r in rows} == {
        (owner.email, True, False),
        (editor.email, True, False),
        (viewer.email, False, True),
    }
    for row in rows:
        assert_shape(row, CHANNELUSER_SHAPE)


def test_clipboard_rows_have_the_clipboard_shape(owner, data):
    from contentcuration.tests.factories import build_tree

    (copied,) = build_tree(
        owner.clipboard_tree,
        [("video", [], {"source_node_id": data.video.node_id, "source_channel_id": data.channel.id})],
    )
    rows = get(owner, "/api/clipboard", parent=owner.clipboard_tree_id)
    assert [r["id"] for r in rows] == [copied.id]
    assert_shape(rows[0], CLIPBOARD_SHAPE)


def test_bookmark_rows_are_channel_ids(owner, data):
    assert get(owner, "/api/bookmark") == [{"channel": data.channel.id}]
    assert get(owner, f"/api/bookmark/{data.channel.id}") == {"channel": data.channel.id}


def test_channel_language_actions(owner, data):
    assert get(owner, f"/api/channel/{data.channel.id}/languages") == {"languages": ["en"]}
    assert get(owner, f"/api/channel/{data.channel.id}/language_exists") == {"exists": True}
    missing = client_for(owner).get(f"/api/channel/{'f' * 32}/language_exists")
    assert missing.status_code == 404 and missing["Content-Type"].startswith("text/plain")
    assert get(owner, f"/api/channel/{data.channel.id}/version_detail") == {}


@pytest.mark.parametrize(
    "row_type, shape",
    [
        ("ChannelRow", CHANNEL_SHAPE),
        ("ContentNodeRow", CONTENTNODE_SHAPE),
        ("AssessmentItemRow", ASSESSMENTITEM_SHAPE),
        ("FileRow", FILE_SHAPE),
        ("ChannelSetRow", CHANNELSET_SHAPE),
        ("InvitationRow", INVITATION_SHAPE),
        ("UserRow", USER_SHAPE),
        ("ChannelUserRow", CHANNELUSER_SHAPE),
        ("ClipboardRow", CLIPBOARD_SHAPE),
        ("BookmarkRow", BOOKMARK_SHAPE),
    ],
)
def test_documented_row_types_match_the_spec_shapes(row_type, shape):
    from contentcuration.viewsets import rows

    assert set(getattr(rows, row_type).__annotations__) == set(shape)


def test_openapi_schema_generates_without_warnings(tmp_path, db):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/contentnode/{id}/requisites" in (tmp_path / "schema.yml").read_text()


def test_refresh_storage_used_recomputes_from_the_users_files(owner, channel):
    from contentcuration.tests.factories import build_tree, make_file

    document = build_tree(channel.main_tree, ["document"])[0]
    make_file(contentnode=document, data=b"x" * 1234)
    assert get(owner, "/api/user/get_storage_used") == 0  # the cached figure, not yet refreshed
    assert get(owner, "/api/user/refresh_storage_used") == 1234
    assert get(owner, "/api/user/get_storage_used") == 1234
