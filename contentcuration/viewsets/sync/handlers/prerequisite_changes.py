"""The ``contentnode_prerequisite`` table (spec 4.3): a resource that must be done before
another, within one channel's tree. The writes are ``nodes.prerequisites``'; this adapter
finds the two nodes among those the requester edits."""

from __future__ import annotations

from contentcuration.models import ContentNode
from contentcuration.nodes import prerequisites

from .apply_context import NOT_FOUND, ApplyContext, ChangeError, Outcome, each_atomic, require_key


def _prerequisite_nodes(ctx: ApplyContext, change: dict) -> tuple[ContentNode, ContentNode]:
    target_id, prerequisite_id = require_key(change, parts=2)
    nodes = {n.pk: n for n in ContentNode.objects.editable_by(ctx.user).filter(pk__in=[target_id, prerequisite_id])}
    if target_id not in nodes or prerequisite_id not in nodes:
        raise ChangeError(NOT_FOUND)
    return nodes[target_id], nodes[prerequisite_id]


def create_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        target, prerequisite = _prerequisite_nodes(ctx, change)
        prerequisites.add_prerequisite(
            actor=ctx.user, target=target, prerequisite=prerequisite, channel_id=None, record_changes=False
        )

    return each_atomic(changes, apply_one)


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        target, prerequisite = _prerequisite_nodes(ctx, change)
        prerequisites.remove_prerequisite(
            actor=ctx.user, target=target, prerequisite=prerequisite, channel_id=None, record_changes=False
        )

    return each_atomic(changes, apply_one)
