"""Batches of moves with one renumbering per tree (``tree.move_nodes``). Private to
``contentcuration.tree``."""

from __future__ import annotations

from collections.abc import Sequence

from ..db.bulk import update_tree_columns
from ..models import (
    ContentNode,
)
from .nested_sets import (
    POSITIONS,
    _drop_prerequisites_crossing_trees,
    _mark_changed,
    _run_locked,
)

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
        touched_parents: set[str | None] = set()  # a root has no parent; _mark_changed skips None
        for index, (node_id, target_id, position) in enumerate(moves):
            old_parent = parent.get(node_id)
            errors[index] = _replay_move(parent, children, node_id, target_id, position)
            if errors[index] is None:
                touched_parents.update((old_parent, parent[node_id]))
        changed_rows = []
        for root in roots:
            tree_id = original[root][2]
            # The tree's nodes in their new nested-set order, as (node, level, closing) events.
            events: list[tuple[str, int, bool]] = []
            stack: list[tuple[str, int, bool]] = [(root, 0, False)]
            while stack:
                node_id, level, closing = stack.pop()
                events.append((node_id, level, closing))
                if not closing:
                    stack.append((node_id, level, True))
                    for child in reversed(children[node_id]):
                        stack.append((child, level + 1, False))
            # The values its staying nodes already use (sparse numbering leaves gaps), handed
            # out in the new order: rows whose place relative to the others did not change keep
            # theirs. A tree that gains nodes from another tree is numbered densely instead.
            pool = sorted(
                value
                for node_id, _, closing in events
                if not closing and original[node_id][2] == tree_id
                for value in original[node_id][3:5]
            )
            values = pool if len(pool) == len(events) else list(range(1, len(events) + 1))
            lft_of: dict[str, int] = {}
            for value, (node_id, level, closing) in zip(values, events, strict=True):
                if not closing:
                    lft_of[node_id] = value
                    continue
                row = (node_id, parent[node_id], tree_id, lft_of.pop(node_id), value, level)
                if row != original[node_id]:
                    changed_rows.append(row)
        crossed = {original[r[0]][2] for r in changed_rows if original[r[0]][2] != r[2]}
        update_tree_columns(ContentNode, changed_rows)
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
