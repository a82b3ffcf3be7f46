"""Nested-set bookkeeping shared by the tree writers: errors, positions, the tree locks and
the set-based renumbering statements. Private to ``contentcuration.tree``."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.db import OperationalError, connection, transaction
from django.db.models import Case, F, PositiveIntegerField, Q, Value, When
from django.utils import timezone

from ..db.locks import is_deadlock, lock_trees
from ..errors import Invalid, NotFound
from ..models import (
    ContentNode,
    PrerequisiteContentRelationship,
)

Position = Literal["first-child", "last-child", "left", "right"]
POSITIONS: tuple[Position, ...] = ("first-child", "last-child", "left", "right")

BULK_BATCH_SIZE = 1000  # benchmarks/tree.py: 500..2000 make no measurable difference on PG
MAX_ATTEMPTS = 5
# Sparse numbering (docs/decisions/0013-sparse-nested-set.md): inserted nodes and respaced
# trees leave SPACING - 1 unused values between consecutive lft/rght values, so a move can
# usually renumber only the moved subtree, into the unused values at its new place. A leaf
# stays tight (rght = lft + 1): readers skip descendant subqueries for such nodes.
SPACING = 64
MAX_VALUE = 2**31 - 1  # lft/rght are PositiveIntegerFields: a 32-bit integer on PostgreSQL
DENSE_MOVE_ROWS = 2000  # a move with no room that shifts fewer rows than this does not respace


class TreeError(Invalid):
    """Base class of the errors this module raises; the message is safe to show a user."""


class InvalidMove(TreeError):
    pass


class InvalidPosition(TreeError):
    pass


class NodeNotFound(TreeError, NotFound):
    pass


class _TreeChanged(Exception):
    """A node changed tree between the unlocked read and the lock: retry the transaction."""


@dataclass
class Subtree:
    """An unsaved node and the unsaved children to insert under it, for ``insert_subtrees``."""

    node: ContentNode
    children: list[Subtree] = field(default_factory=list)


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


def _value_next_to(tree_id: int, value: int, *, above: bool, skip: tuple[int, int] | None) -> int | None:
    """The nearest lft or rght value of tree ``tree_id`` above (or below) ``value``, ignoring
    the values in ``skip`` (the moving subtree's range); two index probes."""
    found = []
    for column in ("lft", "rght"):
        rows = ContentNode.objects.filter(tree_id=tree_id, **{f"{column}__{'gt' if above else 'lt'}": value})
        if skip is not None:
            rows = rows.exclude(**{f"{column}__gte": skip[0], f"{column}__lte": skip[1]})
        first = rows.order_by(column if above else f"-{column}").values_list(column, flat=True)[:1]
        found.extend(first)
    if not found:
        return None
    return min(found) if above else max(found)


def _room(anchor: ContentNode, position: Position, moving: ContentNode | None) -> tuple[int, int, bool]:
    """The unused values at ``position`` relative to ``anchor``: (lo, hi, pack_high) where
    every value strictly between lo and hi is free (the moving subtree's own values count as
    free). ``pack_high``: place a block near hi, leaving the room below it to the next block
    put at the same position (first-child and right repeat there; last-child and left above).
    """
    skip = (moving.lft, moving.rght) if moving is not None and moving.tree_id == anchor.tree_id else None
    if position == "first-child" or position == "right":
        lo = anchor.lft if position == "first-child" else anchor.rght
        hi = _value_next_to(anchor.tree_id, lo, above=True, skip=skip)
        return lo, hi if hi is not None else lo + 1, True
    hi = anchor.rght if position == "last-child" else anchor.lft
    lo = _value_next_to(anchor.tree_id, hi, above=False, skip=skip)
    return lo if lo is not None else hi - 1, hi, False


def _move_into_room(moving: ContentNode, anchor: ContentNode, position: Position, level_delta: int) -> bool:
    """Renumber only the moved subtree, into the unused values at its new place (one UPDATE,
    also across trees). The subtree is re-spaced to fit: its k-th value (1..2n in nested-set
    order) becomes ``base + step * k``. Returns False, changing nothing, when there is no room
    for its 2n values."""
    lo, hi, pack_high = _room(anchor, position, moving)
    count = ContentNode.objects.filter(tree_id=moving.tree_id, lft__gte=moving.lft, lft__lte=moving.rght).count()
    needed = 2 * count
    free = hi - lo - 1
    if free < needed:
        return False
    # Spread the block over at most half of the room, at most SPACING apart.
    step = max(1, min(SPACING, free // (2 * needed)))
    base = hi - step * (needed + 1) if pack_high else lo
    _lay_out(
        moving.tree_id, moving.lft, moving.rght, moving.level, base=base, step=step,
        tree_id=anchor.tree_id, level_delta=level_delta,
    )  # fmt: skip
    return True


def _lay_out(
    from_tree: int, lo: int, hi: int, top_level: int, *, base: int, step: int, tree_id: int, level_delta: int
) -> None:
    """Renumber the rows of ``from_tree`` whose lft is in [lo, hi] (a subtree whose root has
    level ``top_level``, or a whole tree) in one UPDATE: their k-th value (1..2n in
    nested-set order) becomes ``base + step * k``, a leaf's rght its lft + 1; they move to
    ``tree_id`` and ``level_delta`` levels down.

    Relative to the top, a node's lft is the (2 * its rank by lft - 1 - relative level)-th
    value and its rght the (2 * its rank by rght + relative level)-th."""
    table = connection.ops.quote_name(ContentNode._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET tree_id = %s, level = {table}.level + %s, lft = %s + %s * p.dl, "
            f"rght = CASE WHEN p.dr = p.dl + 1 THEN %s + %s * p.dl + 1 ELSE %s + %s * p.dr END "
            f"FROM (SELECT id, 2 * ROW_NUMBER() OVER (ORDER BY lft) - 1 - (level - %s) AS dl, "
            f"2 * ROW_NUMBER() OVER (ORDER BY rght) + (level - %s) AS dr FROM {table} "
            f"WHERE tree_id = %s AND lft >= %s AND lft <= %s) AS p WHERE {table}.id = p.id",
            [tree_id, level_delta, base, step, base, step, base, step, top_level, top_level, from_tree, lo, hi],
        )


def _insert_spacing(tree_id: int, width: int) -> int:
    """SPACING, or 1 (dense) when a block of ``width`` values that far apart would take the
    tree's largest value past half of MAX_VALUE."""
    top = ContentNode.objects.filter(tree_id=tree_id).order_by("-rght").values_list("rght", flat=True)[:1]
    largest = next(iter(top), 0)
    return SPACING if largest + width * SPACING <= MAX_VALUE // 2 else 1


def _rows_between(tree_id: int, lo: int, hi: int, limit: int) -> int:
    """How many rows have lft in [lo, hi], counting at most ``limit + 1``."""
    return ContentNode.objects.filter(tree_id=tree_id, lft__gte=lo, lft__lte=hi).values("pk")[: limit + 1].count()


def _respace(tree_id: int) -> bool:
    """Renumber the whole tree with SPACING - 1 unused values between consecutive values (one
    UPDATE of every row; the root keeps lft 1). Returns False when the tree is too large to
    leave room for a leaf between every two values within MAX_VALUE."""
    count = ContentNode.objects.filter(tree_id=tree_id).count()
    spacing = min(SPACING, MAX_VALUE // 2 // max(1, 2 * count))
    if spacing < 3:
        return False
    # The root (level 0) keeps lft 1: the k-th value becomes 1 + spacing * (k - 1).
    _lay_out(tree_id, 1, MAX_VALUE, 0, base=1 - spacing, step=spacing, tree_id=tree_id, level_delta=0)
    return True


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
