"""Prerequisites (spec 4.3): "``target`` requires ``prerequisite``", an edge between two
resources of one tree, which Kolibri shows as "do this first".

The sync ``contentnode_prerequisite`` handler and the Django admin call these; the adapters
decide who may edit the nodes. Adding or removing an edge marks the target changed (the next
publish carries it). ``record_changes``: the sync endpoint logs the client's own change, so its
handler passes False; the admin lets the function record the same change.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from contentcuration import tree
from contentcuration.changes import record_server_change
from contentcuration.errors import Conflict, Invalid
from contentcuration.models import ContentNode, PrerequisiteContentRelationship, User
from contentcuration.models.change_types import CONTENTNODE_PREREQUISITE, CREATED, DELETED


@transaction.atomic
def add_prerequisite(
    *,
    actor: User,
    target: ContentNode,
    prerequisite: ContentNode,
    channel_id: str | None,
    record_changes: bool = True,
) -> PrerequisiteContentRelationship:
    """Make ``target`` require ``prerequisite``. Raises Invalid (the same node, two trees, the
    reverse edge exists, or ``prerequisite`` already leads back to ``target`` through other
    edges: the message names the circle by titles) and Conflict (the edge exists)."""
    if target.pk == prerequisite.pk:
        raise Invalid("Prerequisite relationship cannot be self referential")
    if target.tree_id != prerequisite.tree_id:
        raise Invalid("Prerequisite relationship cannot cross trees")
    edges = PrerequisiteContentRelationship.objects
    if edges.filter(target_node=prerequisite, prerequisite=target).exists():
        raise Invalid("Prerequisite relationship cannot be reciprocal")
    if edges.filter(target_node=target, prerequisite=prerequisite).exists():
        raise Conflict("Relationship already exists")
    chain = _requirement_chain(start=prerequisite, goal=target)
    if chain:
        titles = " → ".join(f"“{title}”" for title in [target.title, *chain])
        raise Invalid(
            f"“{target.title}” cannot require “{prerequisite.title}”: that would make a circle of "
            f"previous steps ({titles})."
        )
    edge = edges.create(target_node=target, prerequisite=prerequisite)
    tree.mark_changed([target.pk])
    if record_changes:
        obj = {"target_node": target.pk, "prerequisite": prerequisite.pk}
        _record(CREATED, actor=actor, target=target, prerequisite=prerequisite, channel_id=channel_id, obj=obj)
    return edge


@transaction.atomic
def remove_prerequisite(
    *,
    actor: User,
    target: ContentNode,
    prerequisite: ContentNode,
    channel_id: str | None,
    record_changes: bool = True,
) -> None:
    """Remove the edge (none is fine: the outcome is the same)."""
    PrerequisiteContentRelationship.objects.filter(target_node=target, prerequisite=prerequisite).delete()
    tree.mark_changed([target.pk])
    if record_changes:
        _record(DELETED, actor=actor, target=target, prerequisite=prerequisite, channel_id=channel_id)


def _requirement_chain(*, start: ContentNode, goal: ContentNode) -> list[str] | None:
    """The titles from ``start`` along "requires" edges to ``goal`` (both included), or None
    when ``start`` does not (transitively) require ``goal``. Reads the tree's edges in one
    query: a tree has few, and walking them in memory costs no query per step."""
    requires: dict[str, list[str]] = {}
    for target_id, prerequisite_id in PrerequisiteContentRelationship.objects.filter(
        target_node__tree_id=start.tree_id
    ).values_list("target_node_id", "prerequisite_id"):
        requires.setdefault(target_id, []).append(prerequisite_id)
    came_from: dict[str, str | None] = {start.pk: None}
    frontier = [start.pk]
    while frontier and goal.pk not in came_from:
        following = []
        for node_id in frontier:
            for next_id in requires.get(node_id, ()):
                if next_id not in came_from:
                    came_from[next_id] = node_id
                    following.append(next_id)
        frontier = following
    if goal.pk not in came_from:
        return None
    path: list[str] = []
    step: str | None = goal.pk
    while step is not None:
        path.append(step)
        step = came_from[step]
    titles = dict(ContentNode.objects.filter(pk__in=path).values_list("pk", "title"))
    return [titles.get(pk, pk) for pk in reversed(path)]


def _record(change_type: int, *, actor: User, target: ContentNode, prerequisite: ContentNode, **fields: Any) -> None:
    """The change a browser sends for this edge (key ``[target, prerequisite]``)."""
    record_server_change(
        table=CONTENTNODE_PREREQUISITE,
        key=[target.pk, prerequisite.pk],
        change_type=change_type,
        created_by_id=actor.pk,
        **fields,
    )
