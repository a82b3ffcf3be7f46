"""Verifying the nested-set invariants of a tree."""

from __future__ import annotations

from ..models import (
    ContentNode,
)

# --- verification ---------------------------------------------------------------------------


def find_tree_error(tree_id: int) -> str | None:
    """Check the nested-set invariants of one tree; describe the first broken node, or None.

    Checks: one root with lft 1; in nested-set order (each node's lft, its descendants, its
    rght) the lft/rght values strictly increase, so they are unique and every node lies inside
    its parent (the numbering is sparse: gaps between values are allowed, see
    docs/decisions/0013-sparse-nested-set.md); ``parent`` is the enclosing node; ``level`` is
    the depth.
    """
    rows = (
        ContentNode.objects.filter(tree_id=tree_id)
        .order_by("lft")
        .values_list("id", "parent_id", "lft", "rght", "level")
    )
    stack: list[tuple[str, int]] = []
    last = 0  # the last value met in nested-set order
    roots = 0
    for node_id, parent_id, lft, rght, level in rows.iterator(chunk_size=5000):
        while stack and stack[-1][1] < lft:
            closed_id, closed_rght = stack.pop()
            if closed_rght <= last:
                return f"node {closed_id} in tree {tree_id}: rght is {closed_rght}, not after {last}"
            last = closed_rght
        if lft <= last:
            return f"node {node_id} in tree {tree_id}: lft is {lft}, not after {last}"
        if not stack and lft != 1:
            return f"node {node_id} in tree {tree_id}: lft is {lft}, expected 1 for the root"
        last = lft
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
        if closed_rght <= last:
            return f"node {closed_id} in tree {tree_id}: rght is {closed_rght}, not after {last}"
        last = closed_rght
    return None
