"""The other tables through /api/sync/: assessmentitem, file, prerequisites, bookmark,
clipboard, channelset, invitation, editor/viewer membership."""

from __future__ import annotations

import json

import pytest

from contentcuration.models import (
    AssessmentItem,
    ChannelSet,
    ContentNode,
    File,
    Invitation,
    PrerequisiteContentRelationship,
    User,
    new_hex_id,
)
from contentcuration.tests.factories import UserFactory, build_tree, make_assessment_item, make_channel, make_file
from contentcuration.tests.sync_helpers import client_for, created, deleted, post_sync, updated

ANSWERS = json.dumps([{"answer": "2", "correct": True, "order": 1}])


def outcomes(user, batch, **envelope):
    response = post_sync(client_for(user), batch, **envelope)
    errors = {e["server_rev"]: e["errors"] for e in response["errors"]}
    return [errors.get(a["server_rev"]) for a in response["allowed"]]


def one(user, item):
    return outcomes(user, [item])[0]


# --- assessmentitem ----------------------------------------------------------------------------


def test_assessment_items_are_created_in_bulk_and_validated(owner, channel):
    exercise = build_tree(channel.main_tree, ["exercise"])[0]
    good = [
        created(
            "assessmentitem",
            [exercise.pk, new_hex_id()],
            {"question": f"Q{i}", "type": "single_selection", "answers": ANSWERS, "hints": "[]", "order": i},
            channel_id=channel.pk,
        )
        for i in range(3)
    ]
    bad_json = created(
        "assessmentitem",
        [exercise.pk, new_hex_id()],
        {"answers": "{oops", "type": "single_selection"},
        channel_id=channel.pk,
    )
    bad_field = created(
        "assessmentitem", [exercise.pk, new_hex_id()], {"answers": json.dumps([{"x": 1}])}, channel_id=channel.pk
    )
    result = outcomes(owner, [*good, bad_json, bad_field])
    assert result[:3] == [None, None, None]
    assert result[3] == {"answers": ["JSON Data Invalid for answers"]}
    assert result[4] == {"answers": ["Incorrect field in answers"]}
    assert AssessmentItem.objects.filter(contentnode=exercise).count() == 3


def test_assessment_items_on_nodes_the_user_cannot_edit_are_rejected(owner, channel):
    other = build_tree(make_channel().main_tree, ["exercise"])[0]
    errors = one(owner, created("assessmentitem", [other.pk, new_hex_id()], {"question": "Q"}, channel_id=channel.pk))
    assert "contentnode" in errors


def test_assessment_items_update_and_delete(owner, channel):
    exercise = build_tree(channel.main_tree, ["exercise"])[0]
    item = make_assessment_item(contentnode=exercise)
    key = [exercise.pk, item.assessment_id]
    assert (
        one(owner, updated("assessmentitem", key, {"question": "New?", "randomize": True}, channel_id=channel.pk))
        is None
    )
    item.refresh_from_db()
    assert (item.question, item.randomize) == ("New?", True)
    assert one(
        owner, updated("assessmentitem", [exercise.pk, new_hex_id()], {"question": "x"}, channel_id=channel.pk)
    ) == ["Not found"]
    assert one(owner, deleted("assessmentitem", key, channel_id=channel.pk)) is None
    assert not AssessmentItem.objects.filter(pk=item.pk).exists()


def test_a_malformed_assessment_key_is_an_error(owner, channel):
    assert "key" in one(owner, updated("assessmentitem", "flat", {"question": "x"}, channel_id=channel.pk))


QTI3 = (
    '<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="q1">'
    "<qti-item-body><p>2 + 2?</p></qti-item-body></qti-assessment-item>"
)
QTI3_BARE = "<qti-assessment-item><qti-item-body/></qti-assessment-item>"


@pytest.mark.parametrize("raw", [QTI3, QTI3_BARE])
def test_qti_items_take_valid_qti_xml_in_raw_data(owner, channel, raw):
    exercise = build_tree(channel.main_tree, ["exercise"])[0]
    key = [exercise.pk, new_hex_id()]
    assert one(owner, created("assessmentitem", key, {"type": "QTI", "raw_data": raw}, channel_id=channel.pk)) is None
    assert AssessmentItem.objects.get(contentnode=exercise, assessment_id=key[1]).raw_data == raw


@pytest.mark.parametrize(
    "raw, named",
    [
        ("<qti-assessment-item><unclosed></qti-assessment-item>", "not well-formed XML"),
        ("not xml at all", "not well-formed XML"),
        ("<html><body>hi</body></html>", "root element <html>"),
        ('<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"/>', "not a QTI 3.0 item"),
        ("<qti-assessment-item/>", "no qti-item-body"),
        ('<!DOCTYPE x [<!ENTITY a "aaaa">]><qti-assessment-item>&a;</qti-assessment-item>', "DOCTYPE"),
    ],
)
def test_invalid_qti_raw_data_is_an_error_on_raw_data_and_nothing_is_stored(owner, channel, raw, named):
    exercise = build_tree(channel.main_tree, ["exercise"])[0]
    item = make_assessment_item(contentnode=exercise, type="QTI", raw_data=QTI3)
    key = [exercise.pk, item.assessment_id]
    errors = one(owner, updated("assessmentitem", key, {"raw_data": raw}, channel_id=channel.pk))
    assert list(errors) == ["raw_data"] and named in errors["raw_data"][0]
    new_key = [exercise.pk, new_hex_id()]
    errors = one(owner, created("assessmentitem", new_key, {"type": "QTI", "raw_data": raw}, channel_id=channel.pk))
    assert list(errors) == ["raw_data"]
    item.refresh_from_db()
    assert item.raw_data == QTI3
    assert not AssessmentItem.objects.filter(assessment_id=new_key[1]).exists()


def test_qti_questions_are_not_editable_and_raw_data_is_refused_on_other_types(owner, channel):
    exercise = build_tree(channel.main_tree, ["exercise"])[0]
    qti = make_assessment_item(contentnode=exercise, type="QTI", raw_data=QTI3)
    errors = one(
        owner, updated("assessmentitem", [exercise.pk, qti.assessment_id], {"question": "x"}, channel_id=channel.pk)
    )
    assert errors == {"question": ["This field is not editable for QTI items."]}
    plain = make_assessment_item(contentnode=exercise, type="single_selection")
    errors = one(
        owner, updated("assessmentitem", [exercise.pk, plain.assessment_id], {"raw_data": QTI3}, channel_id=channel.pk)
    )
    assert errors == {"raw_data": ["raw_data is only writable on QTI and perseus items."]}


# --- file ------------------------------------------------------------------------------------


def test_files_cannot_be_created_through_sync(owner, channel):
    assert "not allowed" in one(owner, created("file", new_hex_id(), {}, channel_id=channel.pk))[0]


def test_attaching_an_uploaded_file_completes_the_node_and_announces_it(owner, channel):
    video = build_tree(channel.main_tree, [("video", [], {"license_id": 1, "copyright_holder": "Me"})])[0]
    upload = make_file(uploaded_by=owner, preset_id="high_res_video", ext="mp4")
    response = post_sync(
        client_for(owner),
        [updated("file", upload.pk, {"contentnode": video.pk}, channel_id=channel.pk)],
        channel_revs={channel.pk: 0},
    )
    assert response["successes"]
    assert ContentNode.objects.get(pk=video.pk).complete is True
    assert {"complete": True} in [e["mods"] for e in response["changes"]]


def test_files_of_others_are_not_found_and_bad_values_named(owner, channel, stranger):
    theirs = make_file(uploaded_by=stranger)
    assert one(owner, updated("file", theirs.pk, {"preset": "document"}, channel_id=channel.pk)) == ["Not found"]
    mine = make_file(uploaded_by=owner)
    assert set(one(owner, updated("file", mine.pk, {"preset": "nope", "duration": -1}, channel_id=channel.pk))) == {
        "preset",
        "duration",
    }


def test_deleting_files(owner, channel):
    video = build_tree(channel.main_tree, ["video"])[0]
    f = make_file(contentnode=video)
    assert one(owner, deleted("file", f.pk, channel_id=channel.pk)) is None
    assert not File.objects.filter(pk=f.pk).exists()


# --- contentnode_prerequisite ---------------------------------------------------------------


def test_prerequisite_rules(owner, channel):
    a, b = build_tree(channel.main_tree, ["exercise", "exercise"])
    trash_node = build_tree(channel.trash_tree, ["video"])[0]
    edge = lambda t, p: created("contentnode_prerequisite", [t, p], {}, channel_id=channel.pk)  # noqa: E731
    assert one(owner, edge(a.pk, b.pk)) is None
    assert one(owner, edge(a.pk, b.pk)) == ["Relationship already exists"]
    assert one(owner, edge(b.pk, a.pk)) == ["Prerequisite relationship cannot be reciprocal"]
    assert one(owner, edge(a.pk, a.pk)) == ["Prerequisite relationship cannot be self referential"]
    assert one(owner, edge(a.pk, trash_node.pk)) == ["Prerequisite relationship cannot cross trees"]
    assert one(owner, edge(a.pk, new_hex_id())) == ["Not found"]
    assert one(owner, deleted("contentnode_prerequisite", [a.pk, b.pk], channel_id=channel.pk)) is None
    assert not PrerequisiteContentRelationship.objects.exists()


# --- user-scoped tables --------------------------------------------------------------------------


def test_bookmarks(owner, channel):
    assert one(owner, created("bookmark", channel.pk, {"channel": channel.pk}, user_id=owner.pk)) is None
    assert channel.bookmarked_by.filter(pk=owner.pk).exists()
    assert one(owner, deleted("bookmark", channel.pk, user_id=owner.pk)) is None
    assert not channel.bookmarked_by.exists()
    hidden = make_channel()
    assert "channel" in one(owner, created("bookmark", hidden.pk, {"channel": hidden.pk}, user_id=owner.pk))


def test_clipboard_nodes(owner, channel):
    video = build_tree(channel.main_tree, ["video"])[0]
    key = new_hex_id()
    obj = {"source_node_id": video.node_id, "source_channel_id": channel.pk, "kind": "video"}
    assert one(owner, created("clipboard", key, obj, user_id=owner.pk)) is None
    owner.refresh_from_db()
    assert ContentNode.objects.get(pk=key).parent_id == owner.clipboard_tree_id
    ex = {"extra_fields": {"excluded_descendants": {"abc": True}}}
    assert one(owner, updated("clipboard", key, ex, user_id=owner.pk)) is None
    assert ContentNode.objects.get(pk=key).extra_fields["excluded_descendants"] == {"abc": True}
    missing = {**obj, "source_node_id": new_hex_id()}
    assert one(owner, created("clipboard", new_hex_id(), missing, user_id=owner.pk)) == ["ContentNode does not exist"]
    assert one(owner, deleted("clipboard", key, user_id=owner.pk)) is None
    assert not ContentNode.objects.filter(pk=key).exists()


def test_a_user_created_without_a_clipboard_gets_one_on_the_first_clipboard_write(owner, channel):
    # Django's createsuperuser and the admin's add form do not call tree.ensure_clipboard.
    newcomer = User.objects.create_user("newcomer@example.com", "password", email_verified=True)
    assert newcomer.clipboard_tree_id is None
    channel.viewers.add(newcomer)
    video = build_tree(channel.main_tree, ["video"])[0]
    key = new_hex_id()
    obj = {"source_node_id": video.node_id, "source_channel_id": channel.pk, "kind": "video"}
    assert one(newcomer, created("clipboard", key, obj, user_id=newcomer.pk)) is None
    newcomer.refresh_from_db()
    root = ContentNode.objects.get(pk=newcomer.clipboard_tree_id)
    assert root.parent_id is None and root.kind_id == "topic"
    assert ContentNode.objects.get(pk=key).parent_id == root.pk


def test_channelsets(owner, channel):
    key = new_hex_id()
    response = post_sync(
        client_for(owner),
        [created("channelset", key, {"name": "Set", "channels": {channel.pk: True}}, user_id=owner.pk)],
        user_rev=0,
    )
    channelset = ChannelSet.objects.get(pk=key)
    assert list(channelset.secret_token.channels.all()) == [channel]
    assert {"secret_token": channelset.secret_token.token} in [e["mods"] for e in response["changes"]]
    assert (
        one(owner, updated("channelset", key, {"name": "Renamed", f"channels.{channel.pk}": False}, user_id=owner.pk))
        is None
    )
    channelset.refresh_from_db()
    assert channelset.name == "Renamed" and not channelset.secret_token.channels.exists()
    assert one(owner, deleted("channelset", key, user_id=owner.pk)) is None
    assert not ChannelSet.objects.filter(pk=key).exists()


def test_invitations_are_created_by_editors_and_accepted_by_the_invitee(owner, channel):
    invitee = UserFactory()
    key = new_hex_id()
    obj = {"channel": channel.pk, "email": invitee.email, "share_mode": "view"}
    assert one(owner, created("invitation", key, obj, channel_id=channel.pk, user_id=invitee.pk)) is None
    assert one(owner, updated("invitation", key, {"accepted": True}, channel_id=channel.pk)) == {
        "accepted": ["Only the invited user can change this."]
    }
    # The invitee cannot edit the channel, so the browser sends this as a change about them.
    assert one(invitee, updated("invitation", key, {"accepted": True}, user_id=invitee.pk)) is None
    assert channel.viewers.filter(pk=invitee.pk).exists()
    assert one(owner, deleted("invitation", key, channel_id=channel.pk)) is None
    assert not Invitation.objects.filter(pk=key).exists()


def test_invitations_with_bad_fields_name_them(owner, channel):
    item = created(
        "invitation",
        new_hex_id(),
        {"channel": channel.pk, "email": "nope", "share_mode": "boss"},
        channel_id=channel.pk,
    )
    assert set(one(owner, item)) == {"email", "share_mode"}


def test_editor_and_viewer_memberships(owner, channel):
    someone = UserFactory()
    assert (
        one(owner, created("viewer_m2m", [someone.pk, channel.pk], {}, channel_id=channel.pk, user_id=someone.pk))
        is None
    )
    batch = [
        deleted("viewer_m2m", [someone.pk, channel.pk], channel_id=channel.pk),
        created("editor_m2m", [someone.pk, channel.pk], {}, channel_id=channel.pk),
    ]
    assert outcomes(owner, batch) == [None, None]
    assert channel.editors.filter(pk=someone.pk).exists() and not channel.viewers.filter(pk=someone.pk).exists()
    assert one(owner, created("editor_m2m", [someone.pk, channel.pk], {}, channel_id=channel.pk)) == [
        "Internal server error"
    ]
    assert one(owner, created("editor_m2m", [10**6, channel.pk], {}, channel_id=channel.pk)) == ["Not found"]


def test_memberships_of_a_channel_the_user_cannot_edit_are_not_found(owner, channel):
    other = make_channel()
    item = created("editor_m2m", [owner.pk, other.pk], {}, channel_id=channel.pk)
    assert one(owner, item) == ["Not found"]


def test_changing_the_questions_of_a_copy_gives_it_its_own_content_id(owner, channel):
    from contentcuration import tree

    exercise = build_tree(channel.main_tree, ["exercise"])[0]
    make_assessment_item(contentnode=exercise)
    copy = tree.copy_subtree(source=exercise, target=channel.main_tree)
    assert copy.content_id == exercise.content_id
    item = created(
        "assessmentitem",
        [copy.pk, new_hex_id()],
        {"question": "Q", "answers": ANSWERS, "type": "single_selection"},
        channel_id=channel.pk,
    )
    response = post_sync(client_for(owner), [item], channel_revs={channel.pk: 0})
    copy.refresh_from_db()
    assert copy.content_id != exercise.content_id
    assert {"content_id": copy.content_id} in [e["mods"] for e in response["changes"]]
    ContentNode.objects.get(pk=exercise.pk)  # the original keeps its id
    assert ContentNode.objects.get(pk=exercise.pk).content_id == exercise.content_id


def test_images_referenced_by_questions_are_linked_and_unlinked(owner, channel):
    exercise = build_tree(channel.main_tree, ["exercise"])[0]
    upload = make_file(uploaded_by=owner, data=b"png bytes", ext="png", preset_id="exercise_image")
    other = "0" * 31 + "1"
    question = f"![a](${{☣ CONTENTSTORAGE}}/{upload.checksum}.png) and ![b](${{☣ CONTENTSTORAGE}}/{other}.jpg)"
    key = [exercise.pk, new_hex_id()]
    obj = {"question": question, "answers": ANSWERS, "type": "single_selection"}
    assert one(owner, created("assessmentitem", key, obj, channel_id=channel.pk)) is None
    item = AssessmentItem.objects.get(contentnode=exercise, assessment_id=key[1])
    assert set(item.files.values_list("checksum", flat=True)) == {upload.checksum, other}
    assert File.objects.get(pk=upload.pk).assessment_item_id == item.pk  # the upload was reused
    assert one(owner, updated("assessmentitem", key, {"question": "No images now"}, channel_id=channel.pk)) is None
    assert not item.files.exists()
