"""Read-only views of a channel's trees for chef tooling (get_tree_data, channel statuses).

Each function reads with a fixed number of queries whatever the tree size: the nodes in one
ordered query, file sizes and question counts grouped per node in one query each.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum

from contentcuration.models import TREE_FIELDS, AssessmentItem, Channel, ContentNode, File

from .chef_errors import InvalidRequest, NotFound

TREE_NAMES = {name.removesuffix("_tree"): name for name in TREE_FIELDS}


def tree_root(*, channel: Channel, tree_name: Any) -> ContentNode:
    """The root of ``channel``'s tree called ``tree_name`` (main, staging, chef, trash, previous)."""
    field = TREE_NAMES.get(tree_name)
    if field is None:
        raise InvalidRequest(f"unknown tree {tree_name!r}; use one of {', '.join(TREE_NAMES)}", field="tree")
    root_id = getattr(channel, f"{field}_id")
    if not root_id:
        raise NotFound(f"Channel {channel.pk} has no {tree_name} tree", field="tree")
    return ContentNode.objects.get(pk=root_id)


def _entries(nodes: list[dict]) -> dict[str, dict]:
    ids = [n["id"] for n in nodes]
    sizes = dict(
        File.objects.filter(contentnode_id__in=ids)
        .values("contentnode_id")
        .annotate(total=Sum("file_size"))
        .values_list("contentnode_id", "total")
    )
    counts = dict(
        AssessmentItem.objects.filter(contentnode_id__in=ids, deleted=False)
        .values("contentnode_id")
        .annotate(count=Count("id"))
        .values_list("contentnode_id", "count")
    )
    entries = {}
    for n in nodes:
        entry: dict[str, Any] = {
            "title": n["title"],
            "kind": n["kind_id"],
            "node_id": n["node_id"],
            "studio_id": n["id"],
        }
        if n["kind_id"] == "topic":
            entry["children"] = []
        elif n["kind_id"] == "exercise":
            entry["count"] = counts.get(n["id"], 0)
        else:
            entry["file_size"] = sizes.get(n["id"]) or 0
        entries[n["id"]] = entry
    return entries


VALUES = ("id", "parent_id", "title", "kind_id", "node_id", "lft")


def get_tree_data(*, root: ContentNode) -> list[dict]:
    """The descendants of ``root`` as nested entries (topics carry ``children``)."""
    nodes = list(
        ContentNode.objects.filter(tree_id=root.tree_id, lft__gt=root.lft, rght__lt=root.rght)
        .order_by("lft")
        .values(*VALUES)
    )
    entries = _entries(nodes)
    top: list[dict] = []
    for n in nodes:
        parent = entries.get(n["parent_id"])
        (parent["children"] if parent is not None else top).append(entries[n["id"]])
    return top


def get_node_tree_data(*, root: ContentNode, node_id: str | None) -> list[dict]:
    """One level: the children of the node whose ``node_id`` is given (default: of ``root``)."""
    parent = root
    if node_id:
        parent = ContentNode.objects.filter(tree_id=root.tree_id, node_id=node_id).first()
        if parent is None:
            raise NotFound(f"No node with node_id {node_id} in this tree", field="node_id")
    nodes = list(ContentNode.objects.filter(parent_id=parent.pk).order_by("lft").values(*VALUES))
    return list(_entries(nodes).values())


def channel_statuses(channels: list[Channel]) -> dict[str, str]:
    """deleted / staged (a chef upload awaits deploy) / unpublished (edits since publish) / active."""
    main_ids = [c.main_tree_id for c in channels if c.main_tree_id]
    roots = ContentNode.objects.filter(pk__in=main_ids).values_list("pk", "tree_id")
    tree_of_root = dict(roots)
    changed_trees = set(
        ContentNode.objects.filter(tree_id__in=tree_of_root.values(), changed=True)
        .values_list("tree_id", flat=True)
        .distinct()
    )
    statuses = {}
    for channel in channels:
        if channel.deleted:
            statuses[channel.pk] = "deleted"
        elif channel.staging_tree_id:
            statuses[channel.pk] = "staged"
        elif tree_of_root.get(channel.main_tree_id) in changed_trees:
            statuses[channel.pk] = "unpublished"
        else:
            statuses[channel.pk] = "active"
    return statuses
