"""Tree structure: the ONLY package that inserts, moves, copies or deletes nodes.

Trees are nested sets (django-mptt columns ``tree_id``, ``lft``, ``rght``, ``level`` plus
``parent``), numbered sparsely: there may be unused values between consecutive lft/rght values
(docs/decisions/0013-sparse-nested-set.md), so the width of a node is not its descendant
count. Every function here renumbers with a constant number of set-based UPDATEs, never
one statement per node: inserting 10,000 children is one gap-opening UPDATE and one bulk
INSERT; a move renumbers only the moved subtree when its new place has room. Other modules never write the tree columns or ``parent``, and never call mptt's
own ``insert_node`` / ``move_to`` / ``save()`` on new nodes (mptt would renumber row by row
and allocate tree ids with ``max() + 1``).

Concurrency: every function runs in a transaction that locks the trees it changes
(``db.locks.lock_trees``; PostgreSQL advisory locks in tree-id order, SQLite's single write
lock) and reads positions only after the lock is held. If a node moved to another tree
between the unlocked read of its tree id and the lock, the transaction is retried.

This module is the public API. Its parts: ``nested_sets`` (errors, locks, the renumbering
statements), ``copying``, ``batch_moves`` and ``checks``; nothing outside the package
imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q

from .. import faults
from ..db.bulk import insert_objects
from ..models import (
    TREE_FIELDS,
    AssessmentItem,
    Channel,
    ContentNode,
    File,
    PrerequisiteContentRelationship,
    TreeIdAllocation,
    User,
)
from .batch_moves import MoveSpec, move_nodes
from .checks import find_tree_error
from .copying import COPIED_FIELDS, COPY_MODS_ALWAYS, COPY_MODS_IF_EDITABLE, _copy, _no_progress, channel_id_for_tree
from .nested_sets import (
    BULK_BATCH_SIZE,
    DENSE_MOVE_ROWS,
    MAX_ATTEMPTS,
    POSITIONS,
    InvalidMove,
    InvalidPosition,
    NodeNotFound,
    Position,
    Subtree,
    TreeError,
    _check_position,
    _close_gap,
    _drop_prerequisites_crossing_trees,
    _gap,
    _insert_spacing,
    _mark_changed,
    _move_across_trees,
    _move_into_room,
    _move_within_tree,
    _number_subtrees,
    _open_gap,
    _pk,
    _read,
    _respace,
    _rows_between,
    _run_locked,
)

__all__ = [
    "BULK_BATCH_SIZE",
    "COPIED_FIELDS",
    "COPY_MODS_ALWAYS",
    "COPY_MODS_IF_EDITABLE",
    "MAX_ATTEMPTS",
    "POSITIONS",
    "InvalidMove",
    "InvalidPosition",
    "MoveSpec",
    "NodeNotFound",
    "Position",
    "Subtree",
    "TreeError",
    "channel_id_for_tree",
    "copy_subtree",
    "create_root",
    "delete_subtree",
    "find_tree_error",
    "insert_node",
    "insert_nodes",
    "insert_subtrees",
    "mark_changed",
    "move_node",
    "move_nodes",
]

# --- public API -------------------------------------------------------------------------------


def create_root(*, node: ContentNode | None = None, **fields: Any) -> ContentNode:
    """Insert ``node`` (or a new topic built from ``fields``) as the root of a new tree."""
    if node is None:
        fields.setdefault("kind_id", "topic")
        node = ContentNode(**fields)
    with transaction.atomic():
        node.parent = None
        node.tree_id = TreeIdAllocation.objects.create().id
        node.lft, node.rght, node.level = 1, 2, 0
        ContentNode.objects.bulk_create([node])
    return node


@transaction.atomic
def ensure_clipboard(*, user: User) -> ContentNode:
    """The root of ``user``'s clipboard tree, created (a topic root) if the user has none.

    Creating an account calls this (accounts.registration, the user commands, the test
    factories), so the client sees a ``clipboard_tree_id`` from the first sign-in. It is not in
    ``UserManager.create_user``: models sit below the tree and do not import it. Users created
    another way (Django's ``createsuperuser``, the admin's add form) get theirs on their first
    clipboard write. Locks the user row, so two first writes create one clipboard.
    """
    locked = User.objects.select_for_update().only("pk", "email", "clipboard_tree_id").get(pk=user.pk)
    root = ContentNode.objects.filter(pk=locked.clipboard_tree_id).first() if locked.clipboard_tree_id else None
    if root is None:
        root = create_root(title=f"{locked.email} clipboard", kind_id="topic")
        User.objects.filter(pk=user.pk).update(clipboard_tree=root)
    user.clipboard_tree = root
    return root


def insert_node(*, node: ContentNode, target: ContentNode | str, position: Position = "last-child") -> ContentNode:
    """Insert one unsaved ``node`` relative to ``target``. See ``insert_subtrees``."""
    insert_subtrees(subtrees=[Subtree(node)], target=target, position=position)
    return node


def insert_nodes(
    *, nodes: Sequence[ContentNode], target: ContentNode | str, position: Position = "last-child"
) -> list[ContentNode]:
    """Insert unsaved ``nodes`` as consecutive siblings relative to ``target``, in one batch."""
    insert_subtrees(subtrees=[Subtree(n) for n in nodes], target=target, position=position)
    return list(nodes)


def insert_subtrees(
    *, subtrees: Sequence[Subtree], target: ContentNode | str, position: Position = "last-child"
) -> None:
    """Insert unsaved nodes (each with unsaved descendants) relative to ``target``.

    The whole batch costs one renumbering UPDATE and one bulk INSERT, whatever its size.
    The new nodes are numbered SPACING apart (sparse numbering), leaving room for moves.
    ``last-child`` / ``first-child`` put the nodes under ``target``; ``left`` / ``right``
    next to it. Sets the tree columns and ``parent`` on every node object passed in and marks
    the new parent changed. Raises InvalidPosition, NodeNotFound. Locks the target's tree.
    """
    _check_position(position)
    flat: list[tuple[ContentNode, int, int, int, ContentNode | None]] = []
    width = _number_subtrees(subtrees, flat)
    if not flat:
        return

    def body(fresh: dict[str, ContentNode]) -> None:
        anchor = fresh[_pk(target)]
        parent_id, at, level = _gap(anchor, position)
        spacing = _insert_spacing(anchor.tree_id, width)
        _open_gap(anchor.tree_id, at, width * spacing)
        first = at + spacing // 2
        for node, lft, rght, depth, parent in flat:
            node.tree_id = anchor.tree_id
            node.lft, node.level = first + lft * spacing, level + depth
            node.rght = node.lft + 1 if rght == lft + 1 else first + rght * spacing  # a leaf stays tight
            node.parent_id = parent.pk if parent is not None else parent_id
        insert_objects(ContentNode, [row[0] for row in flat], batch_size=BULK_BATCH_SIZE)
        _mark_changed([parent_id])

    _run_locked(exclusive=[_pk(target)], body=body)


def move_node(*, node: ContentNode | str, target: ContentNode | str, position: Position = "last-child") -> ContentNode:
    """Move ``node`` and its subtree relative to ``target``, within a tree or across trees.

    Raises InvalidMove when ``target`` is ``node`` or inside it, or when moving a root or
    next to a root; InvalidPosition, NodeNotFound. Locks both trees (in tree-id order).
    Old and new parents are marked changed; prerequisite edges that would cross trees are
    removed. Returns the node, re-read.
    """
    _check_position(position)
    node_id, target_id = _pk(node), _pk(target)

    def body(fresh: dict[str, ContentNode]) -> None:
        moving, anchor = fresh[node_id], fresh[target_id]
        if moving.parent_id is None:
            raise InvalidMove("A tree root cannot be moved.")
        if anchor.tree_id == moving.tree_id and moving.lft <= anchor.lft <= moving.rght:
            raise InvalidMove("A node cannot be moved inside itself.")
        parent_id, at, level = _gap(anchor, position)
        old_parent_id = moving.parent_id
        if not _move_into_room(moving, anchor, position, level - moving.level):
            if anchor.tree_id == moving.tree_id:
                # No room at the new place. Shifting the rows in between is cheap when they
                # are few; otherwise respace the tree once, after which moves find room.
                lo, hi = min(at, moving.lft), max(at - 1, moving.rght)
                far = _rows_between(moving.tree_id, lo, hi, DENSE_MOVE_ROWS) > DENSE_MOVE_ROWS
                moved = False
                if far and _respace(moving.tree_id):
                    renumbered = _read([node_id, target_id])
                    moving, anchor = renumbered[node_id], renumbered[target_id]
                    moved = _move_into_room(moving, anchor, position, level - moving.level)
                if not moved:
                    _move_within_tree(moving, _gap(anchor, position)[1], level - moving.level)
            else:
                _move_across_trees(moving, anchor.tree_id, at, level - moving.level)
        if anchor.tree_id != moving.tree_id:
            _drop_prerequisites_crossing_trees(moving.tree_id, anchor.tree_id)
        ContentNode.objects.filter(pk=moving.pk).update(parent_id=parent_id)
        _mark_changed([old_parent_id, parent_id])

    _run_locked(exclusive=[node_id, target_id], body=body)
    return ContentNode.objects.get(pk=node_id)


def copy_subtree(
    *,
    source: ContentNode | str,
    target: ContentNode | str,
    position: Position = "last-child",
    new_id: str | None = None,
    excluded_node_ids: Iterable[str] = (),
    mods: dict[str, Any] | None = None,
    can_edit_source: bool = True,
    on_progress: Callable[[float], None] | None = None,
) -> ContentNode:
    """Copy ``source`` and its descendants (minus ``excluded_node_ids``, which are node_ids,
    and their subtrees) relative to ``target``.

    Every copy gets a new ``id`` (the top one ``new_id`` if given) and a new ``node_id``;
    ``content_id`` is kept. ``source_*`` name the immediate source, ``original_*`` the first
    origin. Files, assessment items (with their files), tags and prerequisite edges inside
    the subtree are copied too. ``mods`` override top-level fields of the top copy (see
    COPY_MODS_*). Raises InvalidMove when ``target`` lies inside ``source``; NodeNotFound;
    InvalidPosition; TreeError when ``new_id`` is taken. Locks the target tree exclusively
    and the source tree shared.

    ``on_progress(percent)`` is called between batches (nodes, then tags, files and
    assessment items per chunk), inside the transaction, a few times per thousand nodes,
    with rising values below 100: the caller reports completion. Whatever it raises
    propagates and rolls the whole copy back (nothing of it remains, locks are released).
    """
    _check_position(position)
    source_id, target_id = _pk(source), _pk(target)
    excluded = set(excluded_node_ids or ())
    if new_id is not None and ContentNode.objects.filter(pk=new_id).exists():
        raise TreeError(f"A node with id {new_id} already exists.")
    result: dict[str, ContentNode] = {}

    def body(fresh: dict[str, ContentNode]) -> None:
        top, anchor = fresh[source_id], fresh[target_id]
        # Next to itself is a duplicate ("Make a copy"); under itself or beside a descendant is not.
        beside_itself = anchor.pk == top.pk and position in ("left", "right")
        if top.tree_id == anchor.tree_id and top.lft <= anchor.lft <= top.rght and not beside_itself:
            raise InvalidMove("A node cannot be copied inside itself.")
        result["node"] = _copy(
            top, anchor, position, new_id, excluded, mods or {}, can_edit_source, on_progress or _no_progress
        )
        if faults.take("copy"):  # tests only (faults.py): fail as late as a real copy can
            raise TreeError("The copy failed (a fault injected by a test).")

    _run_locked(exclusive=[target_id], shared=[source_id], body=body)
    return result["node"]


def delete_subtree(*, node: ContentNode | str) -> int:
    """Delete ``node``, its descendants and what hangs off them (files' links, assessment
    items, tags links, prerequisite edges). Stored objects stay for garbage collection.

    Returns the number of nodes deleted; a node that no longer exists deletes nothing.
    Deleting a root deletes the whole tree. Locks the node's tree.
    """
    node_id = _pk(node)
    deleted = {"count": 0}

    def body(fresh: dict[str, ContentNode]) -> None:
        doomed_node = fresh[node_id]
        subtree = ContentNode.objects.filter(
            tree_id=doomed_node.tree_id, lft__gte=doomed_node.lft, lft__lte=doomed_node.rght
        )
        ids = subtree.values("pk")
        for tree_field in TREE_FIELDS:
            Channel.objects.filter(**{f"{tree_field}__in": ids}).update(**{tree_field: None})
        User.objects.filter(clipboard_tree__in=ids).update(clipboard_tree=None)
        File.objects.filter(Q(contentnode__in=ids) | Q(assessment_item__contentnode__in=ids)).delete()
        AssessmentItem.objects.filter(contentnode__in=ids)._raw_delete(AssessmentItem.objects.db)
        PrerequisiteContentRelationship.objects.filter(Q(target_node__in=ids) | Q(prerequisite__in=ids))._raw_delete(
            PrerequisiteContentRelationship.objects.db
        )
        ContentNode.tags.through.objects.filter(contentnode__in=ids)._raw_delete(ContentNode.objects.db)
        related = ContentNode.is_related.through.objects
        related.filter(Q(from_contentnode__in=ids) | Q(to_contentnode__in=ids))._raw_delete(related.db)
        deleted["count"] = subtree._raw_delete(ContentNode.objects.db)
        width = doomed_node.rght - doomed_node.lft + 1
        _close_gap(doomed_node.tree_id, doomed_node.rght, width)
        _mark_changed([doomed_node.parent_id])

    try:
        _run_locked(exclusive=[node_id], body=body)
    except NodeNotFound:
        return 0
    return deleted["count"]


def mark_changed(node_ids: Iterable[str | None]) -> None:
    """Flag nodes as edited since the last publish (no structural change, no lock)."""
    _mark_changed(node_ids)
