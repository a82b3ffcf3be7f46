"""Verifying the nested-set invariants of a tree."""

from __future__ import annotations

from ..models import (
    ContentNode,
)

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
