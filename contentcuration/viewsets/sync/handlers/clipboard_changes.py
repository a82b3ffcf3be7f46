"""The ``clipboard`` table (spec 4.7): nodes in the requester's clipboard tree, which
``tree.ensure_clipboard`` creates on first use."""

from __future__ import annotations

from typing import Any

from contentcuration import tree
from contentcuration.changes import merge_json
from contentcuration.models import Channel, ContentNode, User, is_hex_id

from .apply_context import (
    NOT_FOUND,
    ApplyContext,
    ChangeError,
    Outcome,
    each_atomic,
    fold_mods,
    require_dict,
    require_key,
)


def _clipboard_root(ctx: ApplyContext) -> ContentNode:
    return tree.ensure_clipboard(user=User.objects.get(pk=ctx.user.pk))


def _in_clipboard(ctx: ApplyContext, root: ContentNode, node_id: Any):
    return ContentNode.objects.filter(pk=node_id if isinstance(node_id, str) else "", tree_id=root.tree_id)


def _clipboard_extra(value: Any, current: dict | None) -> dict:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ChangeError({"extra_fields": ["Must be an object."]})
    merged = merge_json(current or {}, value)
    excluded = merged.get("excluded_descendants")
    if excluded is not None and not isinstance(excluded, dict):
        raise ChangeError({"extra_fields": {"excluded_descendants": ["Must be an object of node ids."]}})
    merged.setdefault("CLIPBOARD_NODE_FLAG", True)
    return merged


def create_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        if not is_hex_id(key):
            raise ChangeError({"id": ["Must be a 32-character hex id."]})
        obj = require_dict(change, "obj")
        source_node_id, source_channel_id = obj.get("source_node_id"), obj.get("source_channel_id")
        errors = {
            n: ["This field is required."] for n in ("source_node_id", "source_channel_id") if not is_hex_id(obj.get(n))
        }
        if errors:
            raise ChangeError(errors)
        # An unreadable channel answers as a missing one: no probing for what exists.
        channel = Channel.objects.viewable_by(ctx.user).filter(pk=source_channel_id).first()
        source = None
        if channel and channel.main_tree_id:
            source = ContentNode.objects.filter(
                node_id=source_node_id,
                tree_id__in=ContentNode.objects.filter(pk=channel.main_tree_id).values("tree_id"),
            ).first()
        if source is None:
            raise ChangeError(["ContentNode does not exist"])
        if ContentNode.objects.filter(pk=key).exists():
            raise ChangeError({"id": ["contentnode with this id already exists."]})
        root = _clipboard_root(ctx)
        parent = root
        if obj.get("parent"):
            parent = _in_clipboard(ctx, root, obj["parent"]).first()
            if parent is None:
                raise ChangeError({"parent": [f'Invalid pk "{obj["parent"]}" - object does not exist.']})
        node = ContentNode(
            id=key,
            kind_id=source.kind_id,
            title=source.title,
            content_id=source.content_id,
            source_node_id=source_node_id,
            source_channel_id=source_channel_id,
            extra_fields=_clipboard_extra(obj.get("extra_fields"), None),
        )
        tree.insert_node(node=node, target=parent)

    return each_atomic(changes, apply_one)


def update_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        mods = fold_mods(require_dict(change, "mods"))
        node = _in_clipboard(ctx, _clipboard_root(ctx), require_key(change)).first()
        if node is None:
            raise ChangeError(NOT_FOUND)
        if "parent" in mods:
            raise ChangeError({"parent": ["This field should only be changed by a move operation"]})
        if "extra_fields" in mods:
            node.extra_fields = _clipboard_extra(mods["extra_fields"], node.extra_fields)
            node.save(update_fields=["extra_fields"])

    return each_atomic(changes, apply_one)


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        root = _clipboard_root(ctx)
        node = _in_clipboard(ctx, root, require_key(change)).first()
        if node is not None and node.pk != root.pk:
            tree.delete_subtree(node=node.pk)

    return each_atomic(changes, apply_one)
