"""Which channel a change is really about, checked against the ``channel_id`` it declares.

The client tags each change with a ``channel_id``; the submission gate (``endpoint.classify``)
checks the user may edit that channel and the change is logged under it, so the channel's
watchers receive it. A change whose key names a row of ANOTHER channel (one the user also
edits) would be applied there but logged here, and that channel's watchers would never
learn of it. So before applying, the channel is derived from the key's actual row and a
mismatch fails the change (an error naming ``channel_id``; nothing applied).

A key whose row does not exist yet (or at all) is left to its handler. Nodes created earlier
in the same batch count as belonging to the channel their create declared (it was checked).
A move may declare the moved node's channel or the target's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from contentcuration.models import Channel, ContentNode, File, Invitation
from contentcuration.models import change_types as c
from contentcuration.models.channel import TREE_FIELDS

if TYPE_CHECKING:
    from .apply import Accepted

_NODE_TABLES = {c.CONTENTNODE, c.ASSESSMENTITEM, c.FILE, c.CONTENTNODE_PREREQUISITE}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _key_part(key: Any, index: int) -> Any:
    return key[index] if isinstance(key, list) and len(key) > index else None


def _node_refs(item: Accepted) -> tuple[list[str], str | None]:
    """(node ids any of which may carry the channel, a node id this change creates)."""
    change, table, kind = item.change, item.table, item.change_type
    key = change.get("key")
    if table == c.CONTENTNODE:
        if kind == c.CREATED:
            obj = change.get("obj") if isinstance(change.get("obj"), dict) else {}
            return [p for p in [_str(obj.get("parent"))] if p], _str(key)
        if kind == c.COPIED:
            return [t for t in [_str(change.get("target"))] if t], _str(key)
        if kind == c.MOVED:
            return [n for n in (_str(key), _str(change.get("target"))) if n], None
        return [k for k in [_str(key)] if k], None
    if table in (c.ASSESSMENTITEM, c.CONTENTNODE_PREREQUISITE):
        return [n for n in [_str(_key_part(key, 0))] if n], None
    return [], None


def _channels_of_trees(tree_ids: Iterable[int]) -> dict[int, str]:
    tree_ids = set(tree_ids)
    found: dict[int, str] = {}
    if not tree_ids:
        return found
    # The roots first (a root is the lft = 1 row of its tree: one index probe per tree), then the
    # channels holding them in one query. Joining channels to nodes on tree_id made SQLite walk
    # every row of those trees, once per tree column (45 ms each for a 100,000-node channel).
    tree_of_root = dict(ContentNode.objects.filter(tree_id__in=tree_ids, lft=1).values_list("pk", "tree_id"))
    holds_root = Q()
    for field in TREE_FIELDS:
        holds_root |= Q(**{f"{field}_id__in": list(tree_of_root)})
    rows = list(Channel.objects.filter(holds_root).values("pk", *(f"{f}_id" for f in TREE_FIELDS)))
    for field in TREE_FIELDS:  # a main tree's channel before one that keeps it as previous, ...
        for row in rows:
            tree_id = tree_of_root.get(row[f"{field}_id"])
            if tree_id is not None:
                found.setdefault(tree_id, row["pk"])
    return found


def _node_channels(node_ids: set[str]) -> dict[str, str]:
    if not node_ids:
        return {}
    trees = dict(ContentNode.objects.filter(pk__in=node_ids).values_list("pk", "tree_id"))
    channels = _channels_of_trees(trees.values())
    return {node_id: channels[tree_id] for node_id, tree_id in trees.items() if tree_id in channels}


def check_channel_ids(items: list[Accepted], *, user) -> None:
    """Set ``error`` on each item whose key belongs to a channel other than its declared one.

    Only channels ``user`` can edit are named: a key in a channel they cannot edit is left to
    the handler, which answers as for a missing row (no existence probe through this check).
    """
    tagged = [i for i in items if i.error is None and isinstance(i.channel_id, str)]
    if not tagged:
        return
    node_ids: set[str] = set()
    file_ids: set[str] = set()
    invitation_ids: set[str] = set()
    for item in tagged:
        if item.table in _NODE_TABLES:
            node_ids.update(_node_refs(item)[0])
        if item.table == c.FILE and _str(item.change.get("key")):
            file_ids.add(item.change["key"])
        if item.table == c.INVITATION and item.change_type != c.CREATED and _str(item.change.get("key")):
            invitation_ids.add(item.change["key"])
    file_nodes = dict(
        File.objects.filter(pk__in=file_ids, contentnode__isnull=False).values_list("pk", "contentnode_id")
    )
    node_channel = _node_channels(node_ids | set(file_nodes.values()))
    invitation_channel = dict(Invitation.objects.filter(pk__in=invitation_ids).values_list("pk", "channel_id"))

    def candidates_of(item: Accepted) -> tuple[set[str], str | None]:
        change = item.change
        if item.table == c.CHANNEL:
            return {k for k in [_str(change.get("key"))] if k}, None
        if item.table in _NODE_TABLES:
            refs, created_node = _node_refs(item)
            return {node_channel[n] for n in refs if n in node_channel}, created_node
        if item.table == c.FILE:
            node = file_nodes.get(change.get("key"))
            return ({node_channel[node]} if node in node_channel else set()), None
        if item.table == c.INVITATION:
            if item.change_type == c.CREATED:
                obj = change.get("obj") if isinstance(change.get("obj"), dict) else {}
                return {k for k in [_str(obj.get("channel"))] if k}, None
            return {k for k in [invitation_channel.get(change.get("key"))] if k}, None
        if item.table in (c.EDITOR_M2M, c.VIEWER_M2M):
            return {k for k in [_str(_key_part(change.get("key"), 1))] if k}, None
        return set(), None

    named = set().union(*(candidates_of(item)[0] for item in tagged))
    editable = set(Channel.objects.editable_by(user).filter(pk__in=named).values_list("pk", flat=True))
    for item in tagged:
        candidates, created_node = candidates_of(item)
        declared = item.channel_id
        if candidates and declared not in candidates:
            actual = sorted(candidates & editable)
            if actual:
                item.error = {"channel_id": [f'The change\'s key belongs to channel "{actual[0]}", not "{declared}".']}
        elif created_node:
            node_channel[created_node] = declared
