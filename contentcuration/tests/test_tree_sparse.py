"""Sparse nested-set numbering (docs/decisions/0013-sparse-nested-set.md): inserted nodes leave
room between their values, a move renumbers only the moved subtree when its new place has
room, and falls back to shifting the rows in between, or respacing the tree, when it has not."""

from __future__ import annotations

import pytest

from contentcuration import tree
from contentcuration.models import ContentNode
from contentcuration.tests.factories import build_tree, make_channel, node
from contentcuration.tests.sync_helpers import browser_client
from contentcuration.tree import nested_sets

pytestmark = pytest.mark.django_db


def numbering(tree_id: int) -> dict[str, tuple[int, int, int]]:
    return {
        pk: (lft, rght, level)
        for pk, lft, rght, level in ContentNode.objects.filter(tree_id=tree_id).values_list(
            "pk", "lft", "rght", "level"
        )
    }


def titles_under(parent: ContentNode) -> list[str]:
    return list(ContentNode.objects.filter(parent=parent).order_by("lft").values_list("title", flat=True))


@pytest.fixture
def folders(root):
    """Three folders of 30 videos; the first folder also holds a topic T with two videos."""
    spec = [("topic", [("video", [], {"title": f"F{f}-{i}"}) for i in range(30)], {"title": f"F{f}"}) for f in range(3)]
    spec[0][1].insert(5, ("topic", ["video", "video"], {"title": "T"}))
    build_tree(root, spec)
    return {n.title: n for n in ContentNode.objects.filter(parent=root)} | {"T": ContentNode.objects.get(title="T")}


def subtree_ids(top: ContentNode) -> set[str]:
    top.refresh_from_db()
    return set(
        ContentNode.objects.filter(tree_id=top.tree_id, lft__gte=top.lft, lft__lte=top.rght).values_list(
            "pk", flat=True
        )
    )


def test_inserted_nodes_leave_room_between_their_values(root, folders):
    first, second = ContentNode.objects.filter(parent=folders["F1"]).order_by("lft")[:2]
    assert first.rght == first.lft + 1  # a leaf stays tight: readers skip its descendant counts
    assert second.lft - first.rght == 2 * nested_sets.SPACING - 1
    f1 = ContentNode.objects.get(pk=folders["F1"].pk)
    assert first.lft - f1.lft == nested_sets.SPACING
    assert tree.find_tree_error(root.tree_id) is None


@pytest.mark.parametrize("position", ["first-child", "last-child"])
def test_a_far_move_with_room_renumbers_only_the_moved_subtree(root, folders, position):
    moving = subtree_ids(folders["T"])
    before = numbering(root.tree_id)
    tree.move_node(node=folders["T"], target=folders["F2"], position=position)
    after = numbering(root.tree_id)
    changed = {pk for pk in before if before[pk] != after[pk]}
    assert changed == moving
    expected = ["T", *[f"F2-{i}" for i in range(30)]]
    assert titles_under(folders["F2"]) == (expected if position == "first-child" else expected[1:] + ["T"])
    assert after[folders["T"].pk][2] == 2
    assert tree.find_tree_error(root.tree_id) is None


def test_a_move_to_another_tree_with_room_renumbers_only_the_moved_subtree(root, folders, owner):
    other = make_channel(owner=owner).main_tree
    build_tree(other, [("topic", ["video"], {"title": "O"})])
    target = ContentNode.objects.get(title="O")
    moving = subtree_ids(folders["T"])
    before = numbering(root.tree_id) | numbering(other.tree_id)
    tree.move_node(node=folders["T"], target=target, position="first-child")
    after = numbering(root.tree_id) | numbering(other.tree_id)
    assert {pk for pk in after if before[pk] != after[pk]} == moving
    assert titles_under(target)[0] == "T"
    assert tree.find_tree_error(root.tree_id) is None
    assert tree.find_tree_error(other.tree_id) is None


@pytest.mark.parametrize("dense_move_rows", [0, 2000])  # 0: every move without room respaces
@pytest.mark.parametrize(("position", "anchor"), [("first-child", "F2"), ("left", "F2-0"), ("right", "F2-0")])
def test_repeated_moves_to_one_place_use_up_its_room_and_stay_valid(
    root, folders, monkeypatch, dense_move_rows, position, anchor
):
    """40 moves to the same place: the room there runs out after a few; every later move
    shifts the rows in between or respaces the tree, and the order is always the expected one."""
    monkeypatch.setattr(tree, "DENSE_MOVE_ROWS", dense_move_rows)
    target = ContentNode.objects.get(title=anchor)
    expected = titles_under(folders["F2"])
    for i in range(40):
        moving = ContentNode.objects.get(title=f"F{i // 30}-{i % 30}")
        tree.move_node(node=moving, target=target.pk, position=position)
        if moving.title in expected:
            expected.remove(moving.title)
        if position == "first-child":
            expected.insert(0, moving.title)
        else:
            at = expected.index(anchor)
            expected.insert(at if position == "left" else at + 1, moving.title)
        assert tree.find_tree_error(root.tree_id) is None, i
    assert titles_under(folders["F2"]) == expected


def test_a_far_move_in_a_dense_tree_respaces_it_once(root, monkeypatch, owner):
    monkeypatch.setattr(nested_sets, "SPACING", 1)  # insert densely, as before sparse numbering
    build_tree(root, [("topic", ["video"] * 20, {"title": f"F{f}"}) for f in range(3)])
    monkeypatch.undo()
    monkeypatch.setattr(tree, "DENSE_MOVE_ROWS", 10)
    assert ContentNode.objects.filter(tree_id=root.tree_id).order_by("-rght")[0].rght == 2 * 64
    leaf = ContentNode.objects.filter(parent__title="F0").order_by("lft")[0]
    last = ContentNode.objects.get(title="F2")
    tree.move_node(node=leaf, target=last, position="first-child")
    assert tree.find_tree_error(root.tree_id) is None
    assert titles_under(last)[0] == leaf.title
    others = ContentNode.objects.filter(tree_id=root.tree_id).exclude(pk=leaf.pk)
    for lft, rght, kind in others.values_list("lft", "rght", "kind_id"):
        assert (lft - 1) % nested_sets.SPACING == 0
        assert rght == lft + 1 if kind == "video" else (rght - 1) % nested_sets.SPACING == 0
    # The next far move finds room: only the moved row changes.
    before = numbering(root.tree_id)
    second = ContentNode.objects.filter(parent__title="F0").order_by("lft")[0]
    tree.move_node(node=second, target=last, position="last-child")
    after = numbering(root.tree_id)
    assert {pk for pk in before if before[pk] != after[pk]} == {second.pk}
    assert tree.find_tree_error(root.tree_id) is None


def test_mptt_counts_and_leaves_on_a_sparse_tree(root, folders):
    t = ContentNode.objects.get(pk=folders["T"].pk)
    leaf = ContentNode.objects.filter(parent=t).order_by("lft")[0]
    assert (leaf.get_descendant_count(), leaf.is_leaf_node()) == (0, True)
    assert (t.get_descendant_count(), t.is_leaf_node()) == (2, False)
    # A topic whose children moved away keeps its width: mptt's arithmetic would count 1+.
    emptied = ContentNode.objects.get(title="F1")
    for child in ContentNode.objects.filter(parent=emptied):
        tree.move_node(node=child, target=folders["F2"], position="last-child")
    emptied.refresh_from_db()
    assert emptied.rght - emptied.lft > 1
    assert (emptied.get_descendant_count(), emptied.is_leaf_node(), list(emptied.get_descendants())) == (0, True, [])
    f0 = ContentNode.objects.get(pk=folders["F0"].pk)
    assert f0.get_descendant_count() == 33
    assert f0.get_leafnodes().count() == 32
    assert list(leaf.get_descendants()) == []
    assert len(leaf.get_children()) == 0


def test_a_batch_of_moves_in_one_folder_keeps_the_other_rows(root, folders):
    children = list(ContentNode.objects.filter(parent=folders["F1"]).order_by("lft").values_list("pk", flat=True))
    before = numbering(root.tree_id)
    errors = tree.move_nodes(moves=[(pk, children[0], "left") for pk in reversed(children[1:])])
    assert errors == [None] * (len(children) - 1)
    after = numbering(root.tree_id)
    assert {pk for pk in before if before[pk] != after[pk]} <= set(children)
    assert titles_under(folders["F1"]) == [f"F1-{i}" for i in range(29, 0, -1)] + ["F1-0"]
    assert tree.find_tree_error(root.tree_id) is None


def test_a_gap_too_small_for_a_subtree_is_not_used(root, folders):
    """A subtree of n nodes needs 2n free values; with fewer the move shifts rows instead."""
    t = folders["T"]
    f2_first = ContentNode.objects.filter(parent=folders["F2"]).order_by("lft")[0]
    f2 = ContentNode.objects.get(pk=folders["F2"].pk)
    # Leave exactly 5 free values between F2's lft and its first child: T needs 6.
    ContentNode.objects.filter(pk=f2.pk).update(lft=f2_first.lft - 6)
    assert tree.find_tree_error(root.tree_id) is None
    tree.move_node(node=t, target=f2, position="first-child")
    assert titles_under(folders["F2"])[0] == "T"
    assert tree.find_tree_error(root.tree_id) is None


def test_insert_and_delete_keep_a_sparse_tree_valid(root, folders):
    tree.insert_nodes(nodes=[node(title=f"N{i}") for i in range(3)], target=folders["F1"], position="first-child")
    tree.delete_subtree(node=folders["T"])
    tree.move_node(node=ContentNode.objects.get(title="N1"), target=folders["F0"], position="last-child")
    assert titles_under(folders["F1"])[:2] == ["N0", "N2"]
    assert titles_under(folders["F0"])[-1] == "N1"
    assert tree.find_tree_error(root.tree_id) is None


def test_the_node_read_counts_descendants_of_a_folder_emptied_by_moves(owner, root, folders):
    """A folder whose children all moved away keeps its width; the read must say it is empty."""
    for child in ContentNode.objects.filter(parent=folders["F1"]):
        tree.move_node(node=child, target=folders["F2"], position="first-child")
    response = browser_client(owner).get(f"/api/contentnode?parent={root.pk}")
    rows = {row["title"]: row for row in response.json()}
    f1, f0 = rows["F1"], rows["F0"]
    assert (f1["total_count"], f1["resource_count"], f1["has_children"]) == (0, 0, False)
    assert (f0["total_count"], f0["resource_count"], f0["has_children"]) == (33, 32, True)
    assert rows["F2"]["total_count"] == 60
