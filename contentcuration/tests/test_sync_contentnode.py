"""contentnode through /api/sync/: every change type, the field rules of spec 4.2, trash."""

from __future__ import annotations

import pytest
from le_utils.constants.labels import subjects

from contentcuration import tree
from contentcuration.models import Change, ContentNode, new_hex_id
from contentcuration.models import change_types as c
from contentcuration.tests.factories import build_tree, make_assessment_item, make_channel, make_file
from contentcuration.tests.sync_helpers import change, client_for, created, deleted, moved, post_sync, updated

CATEGORY = next(s for s in subjects.SUBJECTSLIST if "." not in s)
CATEGORY_WITH_DOTS = next(s for s in subjects.SUBJECTSLIST if "." in s)


def sync_one(user, item, **envelope):
    response = post_sync(client_for(user), [item], **envelope)
    if response["errors"]:
        return response["errors"][0]["errors"]
    assert response["successes"], response
    return None


def create(channel, parent=None, **obj):
    obj.setdefault("kind", "topic")
    obj.setdefault("title", "T")
    obj["parent"] = parent or channel.main_tree_id
    return created("contentnode", new_hex_id(), obj, channel_id=channel.pk)


def update(channel, key, mods):
    return updated("contentnode", key, mods, channel_id=channel.pk)


@pytest.fixture
def video(channel):
    return build_tree(channel.main_tree, ["video"])[0]


# --- CREATED ---------------------------------------------------------------------------------


def test_created_nodes_are_appended_under_their_parent_and_echo_their_ids(owner, channel):
    batch = [create(channel, title=f"n{i}") for i in range(5)]
    response = post_sync(client_for(owner), batch, channel_revs={channel.pk: 0})
    children = list(ContentNode.objects.filter(parent=channel.main_tree).order_by("lft"))
    assert [n.title for n in children] == [f"n{i}" for i in range(5)]
    echoes = {e["key"]: e["mods"] for e in response["changes"] if e["type"] == c.UPDATED}
    for node in children:
        # titled topics: the server's verdict rides on the same echo (no complete claim was sent)
        assert echoes[node.pk] == {"node_id": node.node_id, "content_id": node.content_id, "complete": True}
    assert tree.find_tree_error(channel.main_tree.tree_id) is None


def test_creates_under_a_node_created_earlier_in_the_batch_work(owner, channel):
    topic = create(channel, title="Topic")
    child = create(channel, parent=topic["key"], title="Child", kind="video")
    assert post_sync(client_for(owner), [topic, child])["errors"] == []
    assert ContentNode.objects.get(pk=child["key"]).parent_id == topic["key"]


def test_creating_without_a_parent_is_rejected(owner, channel):
    item = create(channel)
    del item["obj"]["parent"]
    assert sync_one(owner, item) == {"non_field_errors": ["Parent is required for creating a node."]}


def test_creating_under_a_parent_the_user_cannot_edit_is_rejected(owner, channel):
    other = make_channel()
    errors = sync_one(owner, create(channel, parent=other.main_tree_id))
    assert "parent" in errors


def test_creating_an_existing_id_is_rejected(owner, channel, video):
    item = create(channel)
    item["key"] = video.pk
    assert "id" in sync_one(owner, item)


def test_creating_an_exercise_requires_randomize(owner, channel):
    errors = sync_one(owner, create(channel, kind="exercise"))
    assert errors == {"extra_fields": {"randomize": ["This field is required for exercise content."]}}
    assert sync_one(owner, create(channel, kind="exercise", extra_fields={"randomize": True})) is None


def test_creating_a_resource_sets_a_default_learning_activity(owner, channel):
    item = create(channel, kind="video")
    sync_one(owner, item)
    assert ContentNode.objects.get(pk=item["key"]).learning_activities


def test_tags_longer_than_30_characters_are_rejected(owner, channel):
    errors = sync_one(owner, create(channel, tags={"x" * 31: True}))
    assert errors == {"non_field_errors": ["tag is greater than 30 characters"]}


def test_tags_are_created_and_linked(owner, channel):
    item = create(channel, tags={"maths": True, "fun": True})
    sync_one(owner, item)
    assert set(ContentNode.objects.get(pk=item["key"]).tags.values_list("tag_name", flat=True)) == {"maths", "fun"}


def test_a_false_claim_of_completeness_is_corrected_and_announced(owner, channel):
    item = create(channel, kind="video", complete=True)
    response = post_sync(client_for(owner), [item], channel_revs={channel.pk: 0})
    assert ContentNode.objects.get(pk=item["key"]).complete is False
    assert [e["mods"]["complete"] for e in response["changes"] if "complete" in e["mods"]] == [False]


# --- UPDATED ---------------------------------------------------------------------------------


def test_updates_change_fields_and_mark_the_node_changed(owner, channel, video):
    ContentNode.objects.filter(pk=video.pk).update(changed=False)
    assert sync_one(owner, update(channel, video.pk, {"title": "New", "description": "D", "license": 1})) is None
    video.refresh_from_db()
    assert (video.title, video.description, video.license_id, video.changed) == ("New", "D", 1, True)


def test_dot_paths_merge_into_json_fields_and_null_deletes(owner, channel, video):
    ContentNode.objects.filter(pk=video.pk).update(extra_fields={"keep": 1, "drop": 2})
    mods = {
        "extra_fields.options.completion_criteria": {"model": "time", "threshold": 30},
        "extra_fields.drop": None,
        "extra_fields.suggested_duration_type": "time",
    }
    assert sync_one(owner, update(channel, video.pk, mods)) is None
    video.refresh_from_db()
    assert video.extra_fields == {
        "keep": 1,
        "options": {"completion_criteria": {"model": "time", "threshold": 30}},
        "suggested_duration_type": "time",
    }


def test_label_maps_take_ids_with_dots_and_null_removes(owner, channel, video):
    sync_one(
        owner, update(channel, video.pk, {f"categories.{CATEGORY_WITH_DOTS}": True, f"categories.{CATEGORY}": True})
    )
    sync_one(owner, update(channel, video.pk, {f"categories.{CATEGORY}": None}))
    video.refresh_from_db()
    assert video.categories == {CATEGORY_WITH_DOTS: True}


def test_invalid_label_ids_are_rejected(owner, channel, video):
    assert "categories" in sync_one(owner, update(channel, video.pk, {"categories.not-a-label": True}))


def test_tag_maps_add_and_remove(owner, channel, video):
    sync_one(owner, update(channel, video.pk, {"tags.a": True, "tags.b": True}))
    sync_one(owner, update(channel, video.pk, {"tags.a": None}))
    assert list(video.tags.values_list("tag_name", flat=True)) == ["b"]


def test_kind_cannot_change(owner, channel, video):
    errors = sync_one(owner, update(channel, video.pk, {"kind": "audio"}))
    assert errors == {"kind": ["Content kind cannot be changed after creation"]}


def test_parent_only_changes_by_a_move(owner, channel, video):
    errors = sync_one(owner, update(channel, video.pk, {"parent": channel.trash_tree_id}))
    assert errors == {"parent": ["This field should only be changed by a move operation"]}


def test_invalid_completion_criteria_are_rejected(owner, channel, video):
    errors = sync_one(
        owner, update(channel, video.pk, {"extra_fields.options.completion_criteria": {"model": "mastery"}})
    )
    assert errors == {"extra_fields": {"options": {"completion_criteria": ["Invalid completion criteria"]}}}


def test_wrong_field_types_name_the_field(owner, channel, video):
    for mods, field in (
        ({"title": 5}, "title"),
        ({"complete": "yes"}, "complete"),
        ({"extra_fields": []}, "extra_fields"),
    ):
        assert field in sync_one(owner, update(channel, video.pk, mods))


def test_a_rejected_update_does_not_undo_an_earlier_one_to_the_same_node(owner, channel, video):
    batch = [
        update(channel, video.pk, {"title": "Kept"}),
        update(channel, video.pk, {"kind": "audio"}),
        update(channel, video.pk, {"description": "Also kept"}),
    ]
    post_sync(client_for(owner), batch)
    video.refresh_from_db()
    assert (video.title, video.description) == ("Kept", "Also kept")


def test_a_complete_claim_is_rechecked_on_update(owner, channel, video):
    make_file(contentnode=video, preset_id="high_res_video", ext="mp4")
    ok = {"complete": True, "license": 1, "copyright_holder": "Me", "title": "V"}
    assert sync_one(owner, update(channel, video.pk, ok)) is None
    video.refresh_from_db()
    assert video.complete is True
    sync_one(owner, update(channel, video.pk, {"copyright_holder": "", "complete": True}))
    video.refresh_from_db()
    assert video.complete is False


def test_update_descendants_applies_mods_to_the_whole_subtree(owner, channel):
    topic, *children = build_tree(channel.main_tree, [("topic", ["video", "audio"])])
    item = change(c.UPDATED_DESCENDANTS, "contentnode", topic.pk, channel_id=channel.pk, mods={"author": "Ada"})
    assert sync_one(owner, item) is None
    assert set(
        ContentNode.objects.filter(pk__in=[topic.pk, *[n.pk for n in children]]).values_list("author", flat=True)
    ) == {"Ada"}


def test_update_descendants_of_a_resource_is_an_error(owner, channel, video):
    item = change(c.UPDATED_DESCENDANTS, "contentnode", video.pk, channel_id=channel.pk, mods={"author": "Ada"})
    assert sync_one(owner, item) == ["Internal server error"]


# --- DELETED, MOVED, trash ------------------------------------------------------------------


def test_deleting_removes_the_subtree_and_is_idempotent(owner, channel):
    topic, child = build_tree(channel.main_tree, [("topic", ["video"])])
    assert sync_one(owner, deleted("contentnode", topic.pk, channel_id=channel.pk)) is None
    assert not ContentNode.objects.filter(pk__in=[topic.pk, child.pk]).exists()
    assert sync_one(owner, deleted("contentnode", topic.pk, channel_id=channel.pk)) is None
    assert tree.find_tree_error(channel.main_tree.tree_id) is None


def test_a_tree_root_cannot_be_deleted(owner, channel):
    assert "key" in sync_one(owner, deleted("contentnode", channel.main_tree_id, channel_id=channel.pk))


def test_moving_to_trash_and_restoring(owner, channel, video):
    assert sync_one(owner, moved(video.pk, channel.trash_tree_id, channel_id=channel.pk)) is None
    assert ContentNode.objects.get(pk=video.pk).parent_id == channel.trash_tree_id
    assert sync_one(owner, moved(video.pk, channel.main_tree_id, "first-child", channel_id=channel.pk)) is None
    assert ContentNode.objects.get(pk=video.pk).parent_id == channel.main_tree_id
    sync_one(owner, moved(video.pk, channel.trash_tree_id, channel_id=channel.pk))
    assert sync_one(owner, deleted("contentnode", video.pk, channel_id=channel.pk)) is None
    assert not ContentNode.objects.filter(pk=video.pk).exists()
    for root in (channel.main_tree, channel.trash_tree):
        assert tree.find_tree_error(root.tree_id) is None


def test_moves_honour_positions(owner, channel):
    a, b, cc = build_tree(channel.main_tree, ["video", "video", "video"])
    post_sync(
        client_for(owner),
        [moved(cc.pk, a.pk, "left", channel_id=channel.pk), moved(a.pk, b.pk, "right", channel_id=channel.pk)],
    )
    order = list(ContentNode.objects.filter(parent=channel.main_tree).order_by("lft").values_list("pk", flat=True))
    assert order == [cc.pk, b.pk, a.pk]


def test_move_errors(owner, channel):
    topic, child = build_tree(channel.main_tree, [("topic", ["topic"])])
    other = make_channel()
    assert sync_one(owner, moved(new_hex_id(), topic.pk, channel_id=channel.pk)) == ["Specified node does not exist"]
    assert sync_one(owner, moved(topic.pk, other.main_tree_id, channel_id=channel.pk)) == ["Validation error"]
    assert sync_one(owner, moved(topic.pk, child.pk, "sideways", channel_id=channel.pk)) == ["Validation error"]
    assert "inside itself" in sync_one(owner, moved(topic.pk, child.pk, channel_id=channel.pk))[0]


# --- COPIED ------------------------------------------------------------------------------------


def copied(channel, source, target, key=None, **fields):
    return change(
        c.COPIED,
        "contentnode",
        key or new_hex_id(),
        channel_id=channel.pk,
        from_key=source,
        target=target,
        position="last-child",
        mods=fields.pop("mods", {}),
        excluded_descendants=fields.pop("excluded", None),
    )


def test_small_copies_apply_inline_and_announce_success(owner, channel):
    topic, video, audio = build_tree(channel.main_tree, [("topic", ["video", "audio"])])
    make_assessment_item(contentnode=audio)
    item = copied(channel, topic.pk, channel.main_tree_id, excluded={audio.node_id: True}, mods={"title": "Copy"})
    response = post_sync(client_for(owner), [item], channel_revs={channel.pk: 0})
    top = ContentNode.objects.get(pk=item["key"])
    assert top.title == "Copy" and top.content_id == topic.content_id and top.node_id != topic.node_id
    assert [n.title for n in top.get_children()] == [video.title]
    status = [e["mods"] for e in response["changes"] if e["key"] == item["key"]]
    assert status == [{c.COPYING_STATUS: "SUCCESS", "node_id": top.node_id}]


def test_copying_from_a_channel_the_user_cannot_view_fails(owner, channel):
    hidden = make_channel()
    source = build_tree(hidden.main_tree, ["video"])[0]
    errors = sync_one(owner, copied(channel, source.pk, channel.main_tree_id))
    assert errors and not ContentNode.objects.filter(parent=channel.main_tree).exists()


def test_copying_onto_an_existing_key_fails_without_deleting_it(owner, channel, video):
    assert "key" in sync_one(owner, copied(channel, video.pk, channel.main_tree_id, key=video.pk))
    assert ContentNode.objects.filter(pk=video.pk).exists()


def test_large_copies_run_as_a_task_and_report_completion(owner, channel, django_capture_on_commit_callbacks, settings):
    from contentcuration.celery import app
    from contentcuration.viewsets.sync.handlers import contentnode_changes

    topic = build_tree(channel.main_tree, [("topic", ["video"] * 6)])[0]
    app.conf.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.CELERY_TASK_EAGER_PROPAGATES = True
    original = contentnode_changes.COPY_INLINE_LIMIT
    contentnode_changes.COPY_INLINE_LIMIT = 3
    try:
        item = copied(channel, topic.pk, channel.main_tree_id)
        with django_capture_on_commit_callbacks(execute=True):
            response = post_sync(client_for(owner), [item], channel_revs={channel.pk: 0})
    finally:
        contentnode_changes.COPY_INLINE_LIMIT = original
        app.conf.CELERY_TASK_ALWAYS_EAGER = False
    task_echo = [e["mods"] for e in response["changes"] if e["key"] == item["key"]]
    assert c.TASK_ID in task_echo[0]
    assert ContentNode.objects.get(pk=item["key"]).get_descendant_count() == 6
    done = Change.objects.filter(table="contentnode", kwargs__key=item["key"]).order_by("server_rev").last()
    assert done.kwargs["mods"][c.COPYING_STATUS] == "SUCCESS" and done.kwargs["mods"][c.TASK_ID] is None
    assert tree.find_tree_error(channel.main_tree.tree_id) is None


def test_a_batch_of_moves_matches_moving_one_by_one(owner, channel):
    import random

    from contentcuration.viewsets.sync.handlers.contentnode_changes import MOVE_BATCH_MIN

    nodes = build_tree(channel.main_tree, [("topic", ["video"] * 4), ("topic", ["audio"] * 3), "video", "topic"])
    rng = random.Random(7)
    ids = [n.pk for n in nodes]
    batch = []
    for _ in range(MOVE_BATCH_MIN * 3):
        batch.append(
            moved(
                rng.choice(ids),
                rng.choice([*ids, channel.trash_tree_id]),
                rng.choice(["first-child", "last-child", "left", "right"]),
                channel_id=channel.pk,
            )
        )
    batch.append(moved(new_hex_id(), ids[0], channel_id=channel.pk))  # an invalid one in the middle
    # Replay the same moves one request each (the one-by-one path) on a twin channel.
    twin = make_channel(owner=owner)
    twin_nodes = build_tree(twin.main_tree, [("topic", ["video"] * 4), ("topic", ["audio"] * 3), "video", "topic"])
    twin_of = dict(
        zip(
            ids + [channel.trash_tree_id, channel.main_tree_id],
            [n.pk for n in twin_nodes] + [twin.trash_tree_id, twin.main_tree_id],
            strict=True,
        )
    )
    batch_result = post_sync(client_for(owner), batch)
    single_errors = []
    for item in batch:
        one_by_one = moved(
            twin_of.get(item["key"], item["key"]),
            twin_of.get(item["target"], item["target"]),
            item["position"],
            channel_id=twin.pk,
        )
        response = post_sync(client_for(owner), [one_by_one])
        single_errors.append(bool(response["errors"]))
    batch_errors = {e["server_rev"] for e in batch_result["errors"]}
    assert [a["server_rev"] in batch_errors for a in batch_result["allowed"]] == single_errors

    def shape(root_ids, mapping):
        # Nodes in nested-set order with parent and level: the same tree. The values differ
        # (sparse numbering: a move uses the free values at its new place, a batch reuses the
        # tree's values), and find_tree_error below checks that they nest.
        result = []
        for root_id in root_ids:
            root = ContentNode.objects.get(pk=root_id)
            for n in ContentNode.objects.filter(tree_id=root.tree_id).order_by("lft"):
                result.append((mapping.get(n.pk, n.pk), mapping.get(n.parent_id, n.parent_id), n.level))
        return result

    back = {v: k for k, v in twin_of.items()}
    assert shape([channel.main_tree_id, channel.trash_tree_id], {}) == shape(
        [twin.main_tree_id, twin.trash_tree_id], back
    )
    for root in (channel.main_tree, channel.trash_tree, twin.main_tree, twin.trash_tree):
        assert tree.find_tree_error(root.tree_id) is None
