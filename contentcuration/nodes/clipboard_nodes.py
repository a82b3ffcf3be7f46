"""The clipboard (spec 4.7): a user's own tree of references to nodes they copied, which
``tree.ensure_clipboard`` creates on first use. A clipboard node keeps the kind, title and
content id of its source and names it (``source_node_id``, ``source_channel_id``); pasting
is a COPIED change of the source, not of the clipboard node.

The sync ``clipboard`` handler calls these; the sync endpoint logs the client's change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from contentcuration import tree
from contentcuration.changes import merge_json
from contentcuration.errors import Conflict, Invalid, NotFound
from contentcuration.models import Channel, ContentNode, User, is_hex_id


def clipboard_root(user: User) -> ContentNode:
    return tree.ensure_clipboard(user=User.objects.get(pk=user.pk))


def clipboard_node(*, user: User, node_id: Any, root: ContentNode | None = None) -> ContentNode | None:
    """The node ``node_id`` if it is in ``user``'s clipboard, else None."""
    root = root or clipboard_root(user)
    return ContentNode.objects.filter(pk=node_id if isinstance(node_id, str) else "", tree_id=root.tree_id).first()


def _clipboard_extra(value: Any, current: dict | None) -> dict:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise Invalid("Must be an object.", field="extra_fields")
    merged = merge_json(current or {}, value)
    excluded = merged.get("excluded_descendants")
    if excluded is not None and not isinstance(excluded, dict):
        raise Invalid(field_errors={"extra_fields": {"excluded_descendants": ["Must be an object of node ids."]}})
    merged.setdefault("CLIPBOARD_NODE_FLAG", True)
    return merged


@transaction.atomic
def add_to_clipboard(*, user: User, node_id: str, data: Mapping[str, Any]) -> ContentNode:
    """Put a reference to node ``data["source_node_id"]`` of channel
    ``data["source_channel_id"]`` (its main tree) in ``user``'s clipboard, under
    ``data["parent"]`` (a clipboard node) or the root.

    Raises Invalid (bad ids), NotFound (no such source the user can view: an unreadable
    channel answers as a missing one, so nothing can be probed; no such parent), Conflict
    (``node_id`` is taken)."""
    if not is_hex_id(node_id):
        raise Invalid("Must be a 32-character hex id.", field="id")
    source_node_id, source_channel_id = data.get("source_node_id"), data.get("source_channel_id")
    errors = {
        n: ["This field is required."] for n in ("source_node_id", "source_channel_id") if not is_hex_id(data.get(n))
    }
    if errors:
        raise Invalid(field_errors=errors)
    channel = Channel.objects.viewable_by(user).filter(pk=source_channel_id).first()
    source = None
    if channel and channel.main_tree_id:
        source = ContentNode.objects.filter(
            node_id=source_node_id,
            tree_id__in=ContentNode.objects.filter(pk=channel.main_tree_id).values("tree_id"),
        ).first()
    if source is None:
        raise NotFound("ContentNode does not exist")
    if ContentNode.objects.filter(pk=node_id).exists():
        raise Conflict("contentnode with this id already exists.", field="id")
    root = clipboard_root(user)
    parent = root
    if data.get("parent"):
        found = clipboard_node(user=user, node_id=data["parent"], root=root)
        if found is None:
            raise NotFound(f'Invalid pk "{data["parent"]}" - object does not exist.', field="parent")
        parent = found
    node = ContentNode(
        id=node_id,
        kind_id=source.kind_id,
        title=source.title,
        content_id=source.content_id,
        source_node_id=source_node_id,
        source_channel_id=source_channel_id,
        extra_fields=_clipboard_extra(data.get("extra_fields"), None),
    )
    tree.insert_node(node=node, target=parent)
    return node


@transaction.atomic
def update_clipboard_node(*, node: ContentNode, data: Mapping[str, Any]) -> ContentNode:
    """Merge ``data["extra_fields"]`` (``excluded_descendants``...) into a clipboard node.
    Raises Invalid (``parent`` is a move's, not an update's)."""
    if "parent" in data:
        raise Invalid("This field should only be changed by a move operation", field="parent")
    if "extra_fields" in data:
        node.extra_fields = _clipboard_extra(data["extra_fields"], node.extra_fields)
        node.save(update_fields=["extra_fields"])
    return node


def remove_from_clipboard(*, user: User, node_id: Any) -> None:
    """Delete a clipboard node and what is under it (not the root; a missing node is fine)."""
    root = clipboard_root(user)
    node = clipboard_node(user=user, node_id=node_id, root=root)
    if node is not None and node.pk != root.pk:
        tree.delete_subtree(node=node.pk)
