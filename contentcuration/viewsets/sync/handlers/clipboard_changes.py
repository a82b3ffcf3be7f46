"""The ``clipboard`` table (spec 4.7): nodes in the requester's clipboard tree. The writes
are ``nodes.clipboard_nodes``'."""

from __future__ import annotations

from contentcuration.nodes import clipboard_nodes as clipboard

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


def create_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        clipboard.add_to_clipboard(user=ctx.user, node_id=require_key(change), data=require_dict(change, "obj"))

    return each_atomic(changes, apply_one)


def update_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        mods = fold_mods(require_dict(change, "mods"))
        node = clipboard.clipboard_node(user=ctx.user, node_id=require_key(change))
        if node is None:
            raise ChangeError(NOT_FOUND)
        clipboard.update_clipboard_node(node=node, data=mods)

    return each_atomic(changes, apply_one)


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        clipboard.remove_from_clipboard(user=ctx.user, node_id=require_key(change))

    return each_atomic(changes, apply_one)
