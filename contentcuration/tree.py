"""Tree structure: the ONLY module that inserts, moves, copies or deletes nodes.

Trees are nested sets (django-mptt columns ``tree_id``, ``lft``, ``rght``, ``level`` plus
``parent``). Every function here renumbers with a constant number of set-based UPDATEs, never
one statement per node: inserting 10,000 children is one gap-opening UPDATE and one bulk
INSERT. Other modules never write the tree columns or ``parent``, and never call mptt's
own ``insert_node`` / ``move_to`` / ``save()`` on new nodes (mptt would renumber row by row
and allocate tree ids with ``max() + 1``).

Concurrency: every function runs in a transaction that locks the trees it changes
(``db.locks.lock_trees``; PostgreSQL advisory locks in tree-id order, SQLite's single write
lock) and reads positions only after the lock is held. If a node moved to another tree
between the unlocked read of its tree id and the lock, the transaction is retried.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import OperationalError, transaction
from django.db.models import Case, F, PositiveIntegerField, Q, Value, When
from django.utils import timezone

from .db.bulk import insert_objects
from .db.locks import is_deadlock, lock_trees
from .models import (
    TREE_FIELDS,
    AssessmentItem,
    Channel,
    ContentNode,
    File,
    PrerequisiteContentRelationship,
    TreeIdAllocation,
    User,
    new_hex_id,
)

Position = Literal["first-child", "last-child", "left", "right"]
POSITIONS: tuple[Position, ...] = ("first-child", "last-child", "left", "right")

# Fields a copy takes over from its source (besides tree columns, ids and provenance).
COPIED_FIELDS = (
    "content_id",
    "title",
    "description",
    "kind_id",
    "license_id",
    "license_description",
    "copyright_holder",
    "language_id",
    "thumbnail_encoding",
    "extra_fields",
    "author",
    "aggregator",
    "provider",
    "role_visibility",
    "grade_levels",
    "resource_types",
    "learning_activities",
    "accessibility_labels",
    "categories",
    "learner_needs",
    "suggested_duration",
    "complete",
    "source_id",
    "source_domain",
    "freeze_authoring_data",
)
# Top-level ``mods`` a COPIED change may override; the second set only when the copier may
# edit the source (authoring data of someone else's channel stays as authored).
COPY_MODS_ALWAYS = frozenset(
    {
        "node_id",
        "title",
        "description",
        "aggregator",
        "provider",
        "language_id",
        "grade_levels",
        "resource_types",
        "learning_activities",
        "accessibility_labels",
        "categories",
        "learner_needs",
        "extra_fields",
        "suggested_duration",
    }
)
COPY_MODS_IF_EDITABLE = frozenset({"license_id", "license_description", "copyright_holder", "author"})

BULK_BATCH_SIZE = 1000  # benchmarks/tree.py: 500..2000 make no measurable difference on PG
MAX_ATTEMPTS = 5


class TreeError(ValueError):
    """Base class of the errors this module raises; the message is safe to show a user."""


class InvalidMove(TreeError):
    pass


class InvalidPosition(TreeError):
    pass


class NodeNotFound(TreeError):
    pass


class _TreeChanged(Exception):
    """A node changed tree between the unlocked read and the lock: retry the transaction."""


@dataclass
class Subtree:
    """An unsaved node and the unsaved children to insert under it, for ``insert_subtrees``."""

    node: ContentNode
    children: list[Subtree] = field(default_factory=list)


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
        _open_gap(anchor.tree_id, at, width)
        for node, lft, rght, depth, parent in flat:
            node.tree_id = anchor.tree_id
            node.lft, node.rght, node.level = at + lft, at + rght, level + depth
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
        if anchor.tree_id == moving.tree_id:
            _move_within_tree(moving, at, level - moving.level)
        else:
            _move_across_trees(moving, anchor.tree_id, at, level - moving.level)
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
        if top.tree_id == anchor.tree_id and top.lft <= anchor.lft <= top.rght:
            raise InvalidMove("A node cannot be copied inside itself.")
        result["node"] = _copy(
            top, anchor, position, new_id, excluded, mods or {}, can_edit_source, on_progress or _no_progress
        )

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


# --- locking --------------------------------------------------------------------------------


def _pk(node: ContentNode | str) -> str:
    return node if isinstance(node, str) else node.pk


def _read(node_ids: Iterable[str]) -> dict[str, ContentNode]:
    ids = set(node_ids)
    found = {
        n.pk: n
        for n in ContentNode.objects.filter(pk__in=ids).only(
            "id", "tree_id", "lft", "rght", "level", "parent_id", "node_id"
        )
    }
    missing = ids - set(found)
    if missing:
        raise NodeNotFound(f"Node {sorted(missing)[0]} does not exist.")
    return found


def _run_locked(*, body, exclusive: Iterable[str], shared: Iterable[str] = ()) -> None:
    """Run ``body(fresh_rows)`` in a transaction holding the locks of the nodes' trees.

    Node rows are read before locking (to learn the tree ids), then again after; if a tree
    id changed in between, the transaction is rolled back and retried. A PostgreSQL deadlock
    (which the ordered locks should prevent, but row locks of other writers can still cause)
    is retried too.
    """
    exclusive, shared = list(exclusive), list(shared)
    for attempt in itertools.count(1):
        try:
            with transaction.atomic():
                before = _read(exclusive + shared)
                lock_trees(
                    exclusive=[before[n].tree_id for n in exclusive],
                    shared=[before[n].tree_id for n in shared],
                )
                fresh = _read(exclusive + shared)
                if any(fresh[n].tree_id != before[n].tree_id for n in fresh):
                    raise _TreeChanged
                body(fresh)
                return
        except _TreeChanged:
            if attempt >= MAX_ATTEMPTS:
                raise TreeError("The tree kept changing; try again.") from None
        except OperationalError as exc:
            if not is_deadlock(exc) or attempt >= MAX_ATTEMPTS:
                raise


# --- nested-set arithmetic ------------------------------------------------------------------


def _check_position(position: str) -> None:
    if position not in POSITIONS:
        raise InvalidPosition(f"Invalid position {position!r}; use one of {', '.join(POSITIONS)}.")


def _gap(anchor: ContentNode, position: Position) -> tuple[str | None, int, int]:
    """Where a block inserted at ``position`` relative to ``anchor`` starts.

    Returns (new parent id, the ``lft`` value the block will start at, the block's level).
    """
    if position == "first-child":
        return anchor.pk, anchor.lft + 1, anchor.level + 1
    if position == "last-child":
        return anchor.pk, anchor.rght, anchor.level + 1
    if anchor.parent_id is None:
        raise InvalidMove("Nothing can be placed next to a tree root.")
    if position == "left":
        return anchor.parent_id, anchor.lft, anchor.level
    return anchor.parent_id, anchor.rght + 1, anchor.level


def _shift(column: str, delta: int):
    """``column + delta``; mptt's columns are PositiveIntegerFields, so the literal must be too."""
    return F(column) + Value(delta, output_field=PositiveIntegerField())


def _open_gap(tree_id: int, at: int, width: int) -> None:
    """Shift every lft/rght >= ``at`` right by ``width`` (one UPDATE)."""
    ContentNode.objects.filter(tree_id=tree_id, rght__gte=at).update(
        lft=Case(When(lft__gte=at, then=_shift("lft", width)), default=F("lft")),
        rght=_shift("rght", width),
    )


def _close_gap(tree_id: int, after: int, width: int) -> None:
    """Shift every lft/rght > ``after`` left by ``width`` (one UPDATE)."""
    ContentNode.objects.filter(tree_id=tree_id, rght__gt=after).update(
        lft=Case(When(lft__gt=after, then=_shift("lft", -width)), default=F("lft")),
        rght=_shift("rght", -width),
    )


def _move_within_tree(node: ContentNode, at: int, level_delta: int) -> None:
    """Move the block [lft, rght] so that it starts at ``at`` (one UPDATE)."""
    lft, rght = node.lft, node.rght
    width = rght - lft + 1
    if at > rght:  # moving right: the nodes in between shift left
        lo, hi, shift, others = rght + 1, at - 1, at - rght - 1, -width
    else:  # moving left: the nodes in between shift right
        lo, hi, shift, others = at, lft - 1, at - lft, width
    if hi < lo and level_delta == 0:
        return
    ContentNode.objects.filter(tree_id=node.tree_id).filter(
        Q(lft__gte=min(lo, lft), lft__lte=max(hi, rght)) | Q(rght__gte=min(lo, lft), rght__lte=max(hi, rght))
    ).update(
        lft=Case(
            When(lft__gte=lft, lft__lte=rght, then=_shift("lft", shift)),
            When(lft__gte=lo, lft__lte=hi, then=_shift("lft", others)),
            default=F("lft"),
        ),
        rght=Case(
            When(rght__gte=lft, rght__lte=rght, then=_shift("rght", shift)),
            When(rght__gte=lo, rght__lte=hi, then=_shift("rght", others)),
            default=F("rght"),
        ),
        level=Case(When(lft__gte=lft, lft__lte=rght, then=_shift("level", level_delta)), default=F("level")),
    )


def _move_across_trees(node: ContentNode, tree_id: int, at: int, level_delta: int) -> None:
    width = node.rght - node.lft + 1
    _open_gap(tree_id, at, width)
    shift = at - node.lft
    ContentNode.objects.filter(tree_id=node.tree_id, lft__gte=node.lft, lft__lte=node.rght).update(
        tree_id=tree_id,
        lft=_shift("lft", shift),
        rght=_shift("rght", shift),
        level=_shift("level", level_delta),
    )
    _close_gap(node.tree_id, node.rght, width)


def _drop_prerequisites_crossing_trees(*tree_ids: int) -> None:
    PrerequisiteContentRelationship.objects.filter(
        Q(target_node__tree_id__in=tree_ids) | Q(prerequisite__tree_id__in=tree_ids)
    ).exclude(target_node__tree_id=F("prerequisite__tree_id")).delete()


def _number_subtrees(subtrees: Sequence[Subtree], out: list, start: int = 0, depth: int = 0, parent=None) -> int:
    """Give each node lft/rght relative to 0 in depth-first order; returns the width used."""
    counter = start
    stack: list[tuple[Subtree, int, ContentNode | None, bool]] = [(s, depth, parent, False) for s in reversed(subtrees)]
    positions: dict[int, int] = {}
    while stack:
        subtree, level, parent_node, closing = stack.pop()
        if closing:
            index = positions.pop(id(subtree))
            node, lft, _, lvl, par = out[index]
            out[index] = (node, lft, counter, lvl, par)
            counter += 1
            continue
        positions[id(subtree)] = len(out)
        out.append((subtree.node, counter, None, level, parent_node))
        counter += 1
        stack.append((subtree, level, parent_node, True))
        for child in reversed(subtree.children):
            stack.append((child, level + 1, subtree.node, False))
    return counter - start


def _mark_changed(node_ids: Iterable[str | None]) -> None:
    ids = {n for n in node_ids if n}
    if ids:
        ContentNode.objects.filter(pk__in=ids).update(changed=True, modified=timezone.now())


# --- copy -----------------------------------------------------------------------------------


def channel_id_for_tree(tree_id: int) -> str | None:
    """The channel owning the tree ``tree_id`` (through any of its five tree fields)."""
    roots = ContentNode.objects.filter(tree_id=tree_id, parent=None).values("pk")
    in_any = Q()
    for tree_field in TREE_FIELDS:
        in_any |= Q(**{f"{tree_field}__in": roots})
    return Channel.objects.filter(in_any).values_list("pk", flat=True).first()


def _no_progress(percent: float) -> None:
    pass


# Progress at the end of each phase. Measured on a 5,050-node copy: PostgreSQL spends ~5 % of
# its time reading, ~45 % building the rows in Python, ~25 % inserting nodes, ~13 % on tags,
# files and items, the rest on prerequisites and commit; SQLite ~4 / 15 / 65 / 12 %.
_PROGRESS_READ, _PROGRESS_BUILT, _PROGRESS_NODES, _PROGRESS_RELATED = 5, 40, 75, 90


def _copy(top, anchor, position, new_id, excluded, mods, can_edit_source, on_progress) -> ContentNode:
    rows = list(
        ContentNode.objects.filter(tree_id=top.tree_id, lft__gte=top.lft, lft__lte=top.rght)
        .order_by("lft")
        .values(
            "id",
            "node_id",
            "parent_id",
            "lft",
            "rght",
            "level",
            "original_channel_id",
            "original_source_node_id",
            *COPIED_FIELDS,
        )
    )
    if rows[0]["node_id"] in excluded:
        raise TreeError("The node to copy is itself excluded.")
    rows = _without_excluded(rows, excluded)
    on_progress(_PROGRESS_READ)
    source_channel_id = channel_id_for_tree(top.tree_id)
    parent_id, at, level = _gap(anchor, position)

    # Renumber depth-first: excluded subtrees leave holes in the source numbering.
    new_ids = {row["id"]: new_hex_id() for row in rows}
    if new_id:
        new_ids[top.pk] = new_id
    open_nodes: list[tuple[int, ContentNode]] = []
    counter = at
    now = timezone.now()
    copies: list[ContentNode] = []
    for row in rows:
        while open_nodes and open_nodes[-1][0] < row["lft"]:
            open_nodes.pop()[1].rght = counter
            counter += 1
        values = {name: row[name] for name in COPIED_FIELDS}
        copy = ContentNode(
            id=new_ids[row["id"]],
            node_id=new_hex_id(),
            parent_id=new_ids.get(row["parent_id"], parent_id) if row["id"] != top.pk else parent_id,
            tree_id=anchor.tree_id,
            lft=counter,
            rght=0,
            level=level + row["level"] - top.level,
            source_channel_id=source_channel_id,
            source_node_id=row["node_id"],
            original_channel_id=row["original_channel_id"] or source_channel_id,
            original_source_node_id=row["original_source_node_id"] or row["node_id"],
            cloned_source_id=row["id"],
            changed=True,
            published=False,
            created=now,
            modified=now,
            **values,
        )
        copy.freeze_authoring_data = (not can_edit_source) or bool(row["freeze_authoring_data"])
        counter += 1
        open_nodes.append((row["rght"], copy))
        copies.append(copy)
    while open_nodes:
        open_nodes.pop()[1].rght = counter
        counter += 1

    allowed_mods = COPY_MODS_ALWAYS | (COPY_MODS_IF_EDITABLE if can_edit_source else frozenset())
    for name, value in mods.items():
        if name in allowed_mods:
            setattr(copies[0], name, value)

    on_progress(_PROGRESS_BUILT)
    _open_gap(anchor.tree_id, at, counter - at)
    # In batches, with a progress report between (on PostgreSQL one COPY per batch instead of
    # one in all; benchmarks/tree.py shows no difference).
    for start in range(0, len(copies), BULK_BATCH_SIZE):
        insert_objects(ContentNode, copies[start : start + BULK_BATCH_SIZE], batch_size=BULK_BATCH_SIZE)
        done = min(start + BULK_BATCH_SIZE, len(copies)) / len(copies)
        on_progress(_PROGRESS_BUILT + (_PROGRESS_NODES - _PROGRESS_BUILT) * done)
    _copy_related(new_ids, on_progress)
    _mark_changed([parent_id])
    return copies[0]


def _without_excluded(rows: list[dict], excluded: set[str]) -> list[dict]:
    if not excluded:
        return rows
    kept, skip_until = [], -1
    for row in rows:
        if row["lft"] <= skip_until:
            continue
        if row["node_id"] in excluded:
            skip_until = row["rght"]
            continue
        kept.append(row)
    return kept


def _copy_related(new_ids: dict[str, str], on_progress: Callable[[float], None]) -> None:
    """Copy tags links, files, assessment items (with their files) and inner prerequisites."""
    old_ids = list(new_ids)
    through = ContentNode.tags.through
    chunks = list(_chunks(old_ids))
    for number, chunk in enumerate(chunks, 1):
        through.objects.bulk_create(
            [
                through(contentnode_id=new_ids[node_id], contenttag_id=tag_id)
                for node_id, tag_id in through.objects.filter(contentnode_id__in=chunk).values_list(
                    "contentnode_id", "contenttag_id"
                )
            ],
            batch_size=BULK_BATCH_SIZE,
        )

        insert_objects(
            File,
            [
                _clone_file(f, contentnode_id=new_ids[f.contentnode_id])
                for f in File.objects.filter(contentnode_id__in=chunk)
            ],
        )

        items = list(AssessmentItem.objects.filter(contentnode_id__in=chunk))
        if items:
            old_item_ids = {(new_ids[i.contentnode_id], i.assessment_id): i.pk for i in items}
            for item in items:
                item.pk = None
                item.contentnode_id = new_ids[item.contentnode_id]
            AssessmentItem.objects.bulk_create(items, batch_size=BULK_BATCH_SIZE)
            new_item_ids = {
                old_item_ids[(i.contentnode_id, i.assessment_id)]: i.pk
                for i in AssessmentItem.objects.filter(contentnode_id__in=[new_ids[n] for n in chunk])
            }
            insert_objects(
                File,
                [
                    _clone_file(f, assessment_item_id=new_item_ids[f.assessment_item_id])
                    for f in File.objects.filter(assessment_item_id__in=list(new_item_ids))
                ],
            )
        on_progress(_PROGRESS_NODES + (_PROGRESS_RELATED - _PROGRESS_NODES) * number / len(chunks))

    edges = PrerequisiteContentRelationship.objects.filter(
        target_node_id__in=old_ids, prerequisite_id__in=old_ids
    ).values_list("target_node_id", "prerequisite_id")
    PrerequisiteContentRelationship.objects.bulk_create(
        [PrerequisiteContentRelationship(target_node_id=new_ids[t], prerequisite_id=new_ids[p]) for t, p in edges]
    )


def _clone_file(file: File, **overrides: Any) -> File:
    file.pk = new_hex_id()
    file._state.adding = True
    for name, value in overrides.items():
        setattr(file, name, value)
    return file


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- verification ---------------------------------------------------------------------------


def find_tree_error(tree_id: int) -> str | None:
    """Check the nested-set invariants of one tree; describe the first broken node, or None.

    Checks: one root with lft 1; lft/rght values are exactly 1..2n with no gaps or repeats;
    every node lies inside its parent; ``level`` is the depth.
    """
    rows = (
        ContentNode.objects.filter(tree_id=tree_id)
        .order_by("lft")
        .values_list("id", "parent_id", "lft", "rght", "level")
    )
    stack: list[tuple[str, int]] = []
    expected = 1
    roots = 0
    for node_id, parent_id, lft, rght, level in rows.iterator(chunk_size=5000):
        while stack and stack[-1][1] < lft:
            closed_id, closed_rght = stack.pop()
            if closed_rght != expected:
                return f"node {closed_id} in tree {tree_id}: rght is {closed_rght}, expected {expected}"
            expected += 1
        if lft != expected:
            return f"node {node_id} in tree {tree_id}: lft is {lft}, expected {expected}"
        expected += 1
        if rght <= lft:
            return f"node {node_id} in tree {tree_id}: rght {rght} is not after lft {lft}"
        if stack:
            if parent_id != stack[-1][0]:
                return f"node {node_id} in tree {tree_id}: parent is {parent_id}, its numbering puts it under {stack[-1][0]}"
        else:
            roots += 1
            if parent_id is not None or roots > 1:
                return f"node {node_id} in tree {tree_id}: lies outside the root"
        if level != len(stack):
            return f"node {node_id} in tree {tree_id}: level is {level}, depth is {len(stack)}"
        stack.append((node_id, rght))
    while stack:
        closed_id, closed_rght = stack.pop()
        if closed_rght != expected:
            return f"node {closed_id} in tree {tree_id}: rght is {closed_rght}, expected {expected}"
        expected += 1
    return None


# --- batches of moves -----------------------------------------------------------------------

MoveSpec = tuple[str, str, str]


def move_nodes(*, moves: Sequence[MoveSpec]) -> list[str | None]:
    """Apply ``moves`` — ``(node id, target id, position)`` — in order, with ONE renumbering
    per affected tree instead of one per move.

    ``move_node`` shifts every row between a node's old and new place; a batch of k moves
    through it rewrites those rows k times (and, in one transaction, PostgreSQL must step
    over all their dead versions each time). Here the affected trees are loaded once,
    the moves are replayed on that in-memory forest, and only rows whose numbering changed
    are written, in one statement. Returns one error message (or None) per move: an invalid
    move (missing node, root, into itself, bad position) is skipped and the others still
    apply. Loads the affected trees whole, so use it for batches. Locks every tree involved.
    """
    from .db.bulk import update_tree_columns

    errors: list[str | None] = [None] * len(moves)
    ids = {n for move in moves for n in move[:2] if isinstance(n, str)}
    existing = list(ContentNode.objects.filter(pk__in=ids).values_list("pk", flat=True))

    def body(fresh: dict[str, ContentNode]) -> None:
        tree_ids = sorted({n.tree_id for n in fresh.values()})
        rows = (
            ContentNode.objects.filter(tree_id__in=tree_ids)
            .order_by("tree_id", "lft")
            .values_list("id", "parent_id", "tree_id", "lft", "rght", "level")
        )
        original: dict[str, tuple] = {}
        parent: dict[str, str | None] = {}
        children: dict[str, list[str]] = {}
        roots: list[str] = []
        for row in rows.iterator(chunk_size=5000):
            node_id, parent_id = row[0], row[1]
            original[node_id] = row
            parent[node_id] = parent_id
            children.setdefault(node_id, [])
            if parent_id is None:
                roots.append(node_id)
            else:
                children.setdefault(parent_id, []).append(node_id)
        touched_parents: set[str] = set()
        for index, (node_id, target_id, position) in enumerate(moves):
            old_parent = parent.get(node_id)
            errors[index] = _replay_move(parent, children, node_id, target_id, position)
            if errors[index] is None:
                touched_parents.update((old_parent, parent[node_id]))
        changed_rows = []
        for root in roots:
            tree_id = original[root][2]
            counter = 1
            stack: list[tuple[str, int, bool]] = [(root, 0, False)]
            lft_of: dict[str, int] = {}
            while stack:
                node_id, level, closing = stack.pop()
                if closing:
                    row = (node_id, parent[node_id], tree_id, lft_of.pop(node_id), counter, level)
                    counter += 1
                    if row != original[node_id]:
                        changed_rows.append(row)
                    continue
                lft_of[node_id] = counter
                counter += 1
                stack.append((node_id, level, True))
                for child in reversed(children[node_id]):
                    stack.append((child, level + 1, False))
        crossed = {original[r[0]][2] for r in changed_rows if original[r[0]][2] != r[2]}
        update_tree_columns(changed_rows)
        if crossed:
            _drop_prerequisites_crossing_trees(*tree_ids)
        _mark_changed(touched_parents)

    if existing:
        _run_locked(exclusive=existing, body=body)
    else:
        errors = [f"Node {m[0]} does not exist." for m in moves]
    return errors


def _replay_move(parent, children, node_id, target_id, position) -> str | None:
    """Apply one move to the in-memory forest; the error message when it is invalid."""
    if position not in POSITIONS:
        return f"Invalid position {position!r}; use one of {', '.join(POSITIONS)}."
    if node_id not in parent:
        return f"Node {node_id} does not exist."
    if target_id not in parent:
        return f"Node {target_id} does not exist."
    if parent[node_id] is None:
        return "A tree root cannot be moved."
    ancestor = target_id
    while ancestor is not None:
        if ancestor == node_id:
            return "A node cannot be moved inside itself."
        ancestor = parent[ancestor]
    if position in ("left", "right") and parent[target_id] is None:
        return "Nothing can be placed next to a tree root."
    children[parent[node_id]].remove(node_id)
    if position in ("first-child", "last-child"):
        new_parent = target_id
        siblings = children[target_id]
        siblings.insert(0 if position == "first-child" else len(siblings), node_id)
    else:
        new_parent = parent[target_id]
        siblings = children[new_parent]
        at = siblings.index(target_id)
        siblings.insert(at if position == "left" else at + 1, node_id)
    parent[node_id] = new_parent
    return None
