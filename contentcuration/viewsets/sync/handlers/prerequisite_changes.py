"""The ``contentnode_prerequisite`` table (spec 4.3): a resource that must be done before
another, within one channel's tree."""

from __future__ import annotations

from contentcuration import tree
from contentcuration.models import ContentNode, PrerequisiteContentRelationship

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
        if target.pk == prerequisite.pk:
            raise ChangeError(["Prerequisite relationship cannot be self referential"])
        if target.tree_id != prerequisite.tree_id:
            raise ChangeError(["Prerequisite relationship cannot cross trees"])
        edges = PrerequisiteContentRelationship.objects
        if edges.filter(target_node=prerequisite, prerequisite=target).exists():
            raise ChangeError(["Prerequisite relationship cannot be reciprocal"])
        if edges.filter(target_node=target, prerequisite=prerequisite).exists():
            raise ChangeError(["Relationship already exists"])
        edges.create(target_node=target, prerequisite=prerequisite)
        tree.mark_changed([target.pk])

    return each_atomic(changes, apply_one)


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        target, prerequisite = _prerequisite_nodes(ctx, change)
        PrerequisiteContentRelationship.objects.filter(target_node=target, prerequisite=prerequisite).delete()
        tree.mark_changed([target.pk])

    return each_atomic(changes, apply_one)
