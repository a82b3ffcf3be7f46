"""contentcuration.tree: positions, cross-tree moves, copies and deletes keep the nested sets valid."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contentcuration import tree
from contentcuration.models import AssessmentItem, ContentNode, File, PrerequisiteContentRelationship
from contentcuration.tests.factories import build_tree, make_assessment_item, make_channel, make_file, node

pytestmark = pytest.mark.django_db


def titles_under(parent: ContentNode) -> list[str]:
    return list(ContentNode.objects.filter(parent=parent).order_by("lft").values_list("title", flat=True))


def assert_valid(*nodes: ContentNode) -> None:
    for tree_id in {ContentNode.objects.get(pk=n.pk).tree_id for n in nodes}:
        assert tree.find_tree_error(tree_id) is None


@pytest.fixture
def abc(root):
    """A root with three topics A, B, C; B has children B1, B2."""
    a, b, b1, b2, c = build_tree(
        root,
        [
            ("topic", [], {"title": "A"}),
            ("topic", [("topic", [], {"title": "B1"}), ("topic", [], {"title": "B2"})], {"title": "B"}),
            ("topic", [], {"title": "C"}),
        ],
    )
    return {"A": a, "B": b, "B1": b1, "B2": b2, "C": c}


def test_a_batch_of_children_is_inserted_in_order_as_last_children(root, abc):
    tree.insert_nodes(nodes=[node(title=f"N{i}") for i in range(5)], target=root)
    assert titles_under(root) == ["A", "B", "C", "N0", "N1", "N2", "N3", "N4"]
    assert_valid(root)


@pytest.mark.parametrize(
    ("position", "target", "expected"),
    [
        ("first-child", "root", ["X", "A", "B", "C"]),
        ("last-child", "root", ["A", "B", "C", "X"]),
        ("left", "B", ["A", "X", "B", "C"]),
        ("right", "B", ["A", "B", "X", "C"]),
    ],
)
def test_insert_at_every_position(root, abc, position, target, expected):
    anchor = root if target == "root" else abc[target]
    tree.insert_node(node=node(title="X"), target=anchor, position=position)
    assert titles_under(root) == expected
    assert_valid(root)


@pytest.mark.parametrize(
    ("position", "target", "expected_root", "expected_b"),
    [
        ("first-child", "B", ["B", "C"], ["A", "B1", "B2"]),
        ("last-child", "B", ["B", "C"], ["B1", "B2", "A"]),
        ("left", "B2", ["B", "C"], ["B1", "A", "B2"]),
        ("right", "C", ["B", "C", "A"], ["B1", "B2"]),
    ],
)
def test_move_to_every_position(root, abc, position, target, expected_root, expected_b):
    moved = tree.move_node(node=abc["A"], target=abc[target], position=position)
    assert titles_under(root) == expected_root
    assert titles_under(abc["B"]) == expected_b
    assert moved.level == ContentNode.objects.get(pk=moved.parent_id).level + 1
    assert_valid(root)


def test_moving_a_subtree_left_keeps_its_children(root, abc):
    tree.move_node(node=abc["C"], target=abc["A"], position="left")
    tree.move_node(node=abc["B"], target=abc["C"], position="first-child")
    assert titles_under(root) == ["C", "A"]
    assert titles_under(abc["C"]) == ["B"]
    assert titles_under(abc["B"]) == ["B1", "B2"]
    assert ContentNode.objects.get(pk=abc["B1"].pk).level == 3
    assert_valid(root)


def test_moving_a_node_under_itself_is_rejected(root, abc):
    with pytest.raises(tree.InvalidMove):
        tree.move_node(node=abc["B"], target=abc["B1"])
    with pytest.raises(tree.InvalidMove):
        tree.move_node(node=abc["B"], target=abc["B"])
    assert titles_under(abc["B"]) == ["B1", "B2"]
    assert_valid(root)


def test_an_unknown_position_is_rejected(root, abc):
    with pytest.raises(tree.InvalidPosition):
        tree.move_node(node=abc["A"], target=abc["C"], position="above")


def test_a_batch_of_moves_renumbers_once_and_reports_each_invalid_move(channel, root, abc):
    moves = [
        (abc["A"].pk, abc["B"].pk, "last-child"),
        (abc["C"].pk, abc["B1"].pk, "left"),
        (abc["B"].pk, abc["B1"].pk, "first-child"),  # into its own subtree
        (abc["B2"].pk, channel.trash_tree_id, "last-child"),  # to another tree
    ]
    errors = tree.move_nodes(moves=moves)
    assert [e is None for e in errors] == [True, True, False, True]
    assert titles_under(root) == ["B"]
    assert titles_under(abc["B"]) == ["C", "B1", "A"]
    assert titles_under(channel.trash_tree) == ["B2"]
    assert_valid(root, channel.trash_tree)


def test_a_root_cannot_be_moved_or_get_siblings(channel, root, abc):
    with pytest.raises(tree.InvalidMove):
        tree.move_node(node=root, target=channel.trash_tree)
    with pytest.raises(tree.InvalidMove):
        tree.move_node(node=abc["A"], target=root, position="left")


def test_moving_to_another_tree_renumbers_both(channel, root, abc):
    other = make_channel(name="Other")
    tree.move_node(node=abc["B"], target=other.main_tree)
    assert titles_under(root) == ["A", "C"]
    assert titles_under(other.main_tree) == ["B"]
    moved_child = ContentNode.objects.get(pk=abc["B1"].pk)
    assert moved_child.tree_id == other.main_tree.tree_id
    assert moved_child.parent_id == abc["B"].pk
    assert_valid(root, other.main_tree)


def test_moving_to_the_trash_and_back(channel, root, abc):
    tree.move_node(node=abc["B"], target=channel.trash_tree)
    assert titles_under(channel.trash_tree) == ["B"]
    tree.move_node(node=abc["B"], target=abc["A"], position="right")
    assert titles_under(root) == ["A", "B", "C"]
    assert_valid(root, channel.trash_tree)


def test_moving_marks_old_and_new_parents_changed(root, abc):
    ContentNode.objects.update(changed=False)
    tree.move_node(node=abc["B1"], target=abc["A"])
    assert ContentNode.objects.get(pk=abc["A"].pk).changed
    assert ContentNode.objects.get(pk=abc["B"].pk).changed
    assert not ContentNode.objects.get(pk=abc["C"].pk).changed


def test_moving_across_trees_drops_prerequisites_that_would_cross(channel, root, abc):
    PrerequisiteContentRelationship.objects.create(target_node=abc["B1"], prerequisite=abc["A"])
    other = make_channel(name="Other")
    tree.move_node(node=abc["B"], target=other.main_tree)
    assert not PrerequisiteContentRelationship.objects.exists()


def test_copy_keeps_content_id_and_gives_new_node_ids(channel, root, abc):
    doc = build_tree(abc["B1"], ["document"])[0]
    make_file(contentnode=doc)
    exercise = build_tree(abc["B1"], ["exercise"])[0]
    item = make_assessment_item(contentnode=exercise)
    make_file(contentnode=None, assessment_item=item, data=b"img", ext="png", preset_id="exercise_image")
    new_id = "f" * 32

    copy = tree.copy_subtree(source=abc["B"], target=abc["C"], new_id=new_id)

    assert copy.pk == new_id
    originals = ContentNode.objects.filter(tree_id=root.tree_id, lft__gte=abc["B"].lft).exclude(
        pk__in=ContentNode.objects.get(pk=new_id).get_descendants(include_self=True).values("pk")
    )
    copies = ContentNode.objects.get(pk=new_id).get_descendants(include_self=True)
    assert copies.count() == 5
    original_by_content = {n.content_id: n for n in originals if n.parent_id != abc["C"].pk}
    for c in copies:
        source = original_by_content[c.content_id]
        assert c.node_id != source.node_id
        assert c.source_node_id == source.node_id
        assert c.original_source_node_id == source.node_id
        assert c.source_channel_id == channel.pk
        assert c.original_channel_id == channel.pk
        assert c.cloned_source_id == source.pk
        assert c.changed and not c.published
    copied_doc = copies.get(kind_id="document")
    assert File.objects.filter(contentnode=copied_doc).count() == 1
    copied_item = AssessmentItem.objects.get(contentnode=copies.get(kind_id="exercise"))
    assert copied_item.assessment_id == item.assessment_id
    assert File.objects.filter(assessment_item=copied_item).count() == 1
    assert titles_under(abc["C"]) == ["B"]
    assert_valid(root)


def test_copy_of_a_copy_keeps_the_first_origin(root, abc):
    first = tree.copy_subtree(source=abc["A"], target=root)
    second = tree.copy_subtree(source=first, target=root)
    assert second.source_node_id == first.node_id
    assert second.original_source_node_id == abc["A"].node_id


def test_copy_leaves_out_excluded_descendants(root, abc):
    copy = tree.copy_subtree(source=abc["B"], target=root, excluded_node_ids=[abc["B1"].node_id])
    assert titles_under(copy) == ["B2"]
    assert_valid(root)


def test_copy_into_itself_is_rejected(root, abc):
    with pytest.raises(tree.InvalidMove):
        tree.copy_subtree(source=abc["B"], target=abc["B2"])


def test_copy_applies_allowed_mods_only(root, abc):
    copy = tree.copy_subtree(
        source=abc["A"], target=root, mods={"title": "Renamed", "author": "X"}, can_edit_source=False
    )
    assert copy.title == "Renamed"
    assert copy.author == ""
    assert copy.freeze_authoring_data


def test_delete_removes_the_subtree_and_its_files_links(root, abc):
    doc = build_tree(abc["B1"], ["document"])[0]
    make_file(contentnode=doc)
    exercise = build_tree(abc["B2"], ["exercise"])[0]
    make_assessment_item(contentnode=exercise)
    PrerequisiteContentRelationship.objects.create(target_node=exercise, prerequisite=abc["A"])

    assert tree.delete_subtree(node=abc["B"]) == 5

    assert titles_under(root) == ["A", "C"]
    assert not File.objects.exists()
    assert not AssessmentItem.objects.exists()
    assert not PrerequisiteContentRelationship.objects.exists()
    assert_valid(root)


def test_deleting_a_missing_node_deletes_nothing(root):
    assert tree.delete_subtree(node="e" * 32) == 0


def test_deleting_a_source_keeps_its_copies(root, abc):
    copy = tree.copy_subtree(source=abc["A"], target=root)
    tree.delete_subtree(node=abc["A"])
    copy.refresh_from_db()
    assert copy.title == "A"
    assert copy.cloned_source_id == abc["A"].pk  # provenance is kept, though the source is gone


def test_check_trees_names_the_first_broken_node(channel, root, abc):
    call_command("check_trees")
    ContentNode.objects.filter(pk=abc["B1"].pk).update(level=7)
    with pytest.raises(CommandError, match=abc["B1"].pk[:8]):
        call_command("check_trees", channel=channel.pk)
