"""contentnode writes: create (bulk, one renumbering per parent run), update (bulk, one
UPDATE per field set), delete, move, copy (inline when small, a task when large) and
update-descendants. Spec 4.2."""

from __future__ import annotations

from typing import Any

from django.db.models.base import ModelState
from django.utils import timezone

from contentcuration import tree
from contentcuration.errors import Invalid
from contentcuration.models import ContentNode, is_hex_id, new_hex_id
from contentcuration.models.change_types import COPYING_STATUS, TASK_ID
from contentcuration.nodes.completeness import incomplete_reasons
from contentcuration.nodes.node_updates import NodeUpdate, set_tags, update_nodes, verdict_mods
from contentcuration.nodes.node_values import WRITABLE, apply_values
from contentcuration.nodes.reference import ReferenceData, reference_data

from .apply_context import (
    INTERNAL_ERROR,
    LABEL_MAP_FIELDS,
    NOT_FOUND,
    VALIDATION_ERROR,
    ApplyContext,
    ChangeError,
    Outcome,
    bulk_or_each,
    each_atomic,
    fold_mods,
    require_dict,
    require_key,
)

MAP_FIELDS = LABEL_MAP_FIELDS | {"tags"}
# Copies of more nodes than this run as a background task; smaller ones apply in the request
# (benchmarks/sync.py: a 500-node copy applies inline in well under the 0.5 s budget on PG).
COPY_INLINE_LIMIT = 500
# From this many consecutive moves on, replay them in memory and renumber once
# (benchmarks/sync.py: 200 moves, one by one, rewrite the rows between old and new place 200 times).
MOVE_BATCH_MIN = 8
COPY_MOD_NAMES = {"language": "language_id", "license": "license_id"}


def _editable_ids(ctx: ApplyContext, ids) -> set[str]:
    ids = {i for i in ids if isinstance(i, str)}
    if not ids:
        return set()
    return set(ContentNode.objects.editable_by(ctx.user).filter(pk__in=ids).values_list("pk", flat=True))


# --- CREATED -----------------------------------------------------------------------------------


class _BlankNodes:
    """Unsaved ContentNodes with the model's defaults, made by copying one template's
    attributes: ``ContentNode()`` (Django's and mptt's ``__init__``) costs ~45 us a node, the
    largest part of preparing a created node (benchmarks/sync.py W1, 1,000 creates)."""

    def __init__(self, now) -> None:
        template = ContentNode(created=now, modified=now)
        self.values = {k: v for k, v in template.__dict__.items() if k != "_state"}
        # Mutable defaults (extra_fields' {}, mptt's cached parent) are copied per node.
        self.mutable = [k for k, v in self.values.items() if isinstance(v, (dict, list))]

    def make(self, key: str) -> ContentNode:
        node = ContentNode.__new__(ContentNode)
        values = node.__dict__
        values.update(self.values)
        for name in self.mutable:
            values[name] = self.values[name].copy()
        values["_state"] = ModelState()
        values["id"], values["node_id"], values["content_id"] = key, new_hex_id(), new_hex_id()
        return node


def _prepare_create(change: dict, blank: _BlankNodes, ref: ReferenceData) -> tuple[ContentNode, dict | None]:
    key = require_key(change)
    if not is_hex_id(key):
        raise ChangeError({"id": ["Must be a 32-character hex id."]})
    obj = require_dict(change, "obj")
    parent = obj.get("parent")
    if not isinstance(parent, str) or not parent:
        raise ChangeError({"non_field_errors": ["Parent is required for creating a node."]})
    node = blank.make(key)
    data = {k: v for k, v in obj.items() if k in WRITABLE and k != "id" and k != "parent"}
    _, tags = apply_values(node, data, creating=True, now=blank.values["modified"], ref=ref)
    node.parent_id = parent
    return node, tags


def create_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    outcomes: list[Outcome] = [None] * len(changes)
    prepared: list[tuple[int, ContentNode, dict | None]] = []
    blank = _BlankNodes(timezone.now())  # one timestamp for the batch
    ref = reference_data()
    for index, change in enumerate(changes):
        try:
            node, tags = _prepare_create(change, blank, ref)
        except ChangeError as exc:
            outcomes[index] = exc.errors
            continue
        except Invalid as exc:
            outcomes[index] = exc.as_errors()
            continue
        prepared.append((index, node, tags))
    keys = [node.pk for _, node, _ in prepared]
    taken = set(ContentNode.objects.filter(pk__in=keys).values_list("pk", flat=True))
    parents_ok = _editable_ids(ctx, {node.parent_id for _, node, _ in prepared})
    created: set[str] = set()
    runs: list[list[tuple[int, ContentNode, dict | None]]] = []
    for item in prepared:
        index, node, _ = item
        if node.pk in taken or node.pk in created:
            outcomes[index] = {"id": ["contentnode with this id already exists."]}
            continue
        if node.parent_id not in parents_ok and node.parent_id not in created:
            outcomes[index] = {"parent": [f'Invalid pk "{node.parent_id}" - object does not exist.']}
            continue
        created.add(node.pk)
        if runs and runs[-1][0][1].parent_id == node.parent_id:
            runs[-1].append(item)
        else:
            runs.append([item])

    for run in runs:
        items = [(changes[i], node, tags) for i, node, tags in run]

        def bulk(_changes, items=items):
            _insert(ctx, items)
            return [None] * len(items)

        lookup = {id(c): (c, n, t) for c, n, t in items}

        def one(change, lookup=lookup):
            _insert(ctx, [lookup[id(change)]])

        results = bulk_or_each([c for c, _, _ in items], bulk, one)
        for (index, _, _), result in zip(run, results, strict=True):
            outcomes[index] = result
    return outcomes


def _insert(ctx: ApplyContext, items: list[tuple[dict, ContentNode, dict | None]]) -> None:
    nodes = [node for _, node, _ in items]
    parent_id = nodes[0].parent_id
    # The server's verdict, decided before the insert (a new node has no files or questions
    # yet) and announced in the node's one creation echo, not a second change per node:
    # benchmarks/sync.py W1 went from 0.36 s to 0.64 s with a separate UPDATE and echo.
    claimed = {node.pk: node.complete for node in nodes}
    verdicts = incomplete_reasons(nodes, unsaved=True)
    for node in nodes:
        node.complete = not verdicts[node.pk]
    tree.insert_nodes(nodes=nodes, target=parent_id)
    set_tags({node.pk: tags for _, node, tags in items if tags}, replace=True)
    for change, node, _ in items:
        echo = {"node_id": node.node_id, "content_id": node.content_id}
        if claimed[node.pk] is not node.complete:
            echo["complete"] = node.complete
        ctx.echo("contentnode", node.pk, echo, channel_id=change.get("channel_id"))


# --- UPDATED -----------------------------------------------------------------------------------


def _echo_complete(
    ctx: ApplyContext,
    complete: dict[str, bool],
    channel_of: dict[str, Any],
    reasons: dict[str, list[str]],
    *,
    incomplete_too: bool = False,
) -> None:
    """Tell everyone the server's verdicts (a client that sent no ``complete`` learns it, one
    that claimed a wrong value is corrected), with their reasons (``node_updates.verdict_mods``)."""
    for pk, mods in verdict_mods(complete, reasons, incomplete_too=incomplete_too).items():
        ctx.echo("contentnode", pk, mods, channel_id=channel_of.get(pk))


def update_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    outcomes: list[Outcome] = [None] * len(changes)
    parsed: list[tuple[int, NodeUpdate]] = []
    for index, change in enumerate(changes):
        try:
            key = require_key(change)
            mods = fold_mods(require_dict(change, "mods"), map_fields=MAP_FIELDS)
        except ChangeError as exc:
            outcomes[index] = exc.errors
            continue
        parsed.append((index, NodeUpdate(node_id=key, values=mods, channel_id=change.get("channel_id"))))
    result = update_nodes(user=ctx.user, updates=[u for _, u in parsed], record_changes=False)
    for (index, _), error in zip(parsed, result.errors, strict=True):
        outcomes[index] = error.as_errors() if error is not None else None
    _echo_complete(
        ctx, result.complete, {u.node_id: u.channel_id for _, u in parsed}, result.reasons, incomplete_too=True
    )
    return outcomes


def update_descendants_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        mods = fold_mods(require_dict(change, "mods"), map_fields=MAP_FIELDS)
        top = ContentNode.objects.editable_by(ctx.user).filter(pk=key).first()
        if top is None:
            raise ChangeError(NOT_FOUND)
        if top.kind_id != "topic":
            raise ChangeError(INTERNAL_ERROR)
        channel_id = change.get("channel_id")
        subtree = ContentNode.objects.filter(tree_id=top.tree_id, lft__gte=top.lft, lft__lte=top.rght)
        updates = [
            NodeUpdate(node_id=pk, values=mods, channel_id=channel_id) for pk in subtree.values_list("pk", flat=True)
        ]
        result = update_nodes(user=ctx.user, updates=updates, record_changes=False, keep_kind=True)
        failures = [error for error in result.errors if error is not None]
        if failures:
            raise failures[0]
        _echo_complete(ctx, result.complete, dict.fromkeys(result.complete, channel_id), result.reasons)

    return each_atomic(changes, apply_one)


# --- DELETED / MOVED -------------------------------------------------------------------------


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        node = ContentNode.objects.editable_by(ctx.user).filter(pk=key).only("id", "parent_id").first()
        if node is None:
            return None  # deleting what is gone (or invisible) is a success, spec 3
        if node.parent_id is None:
            raise ChangeError({"key": ["A tree root cannot be deleted."]})
        tree.delete_subtree(node=key)
        return None

    return each_atomic(changes, apply_one)


def _position(change: dict) -> str:
    position = change.get("position") or "last-child"
    if position not in tree.POSITIONS:
        raise ChangeError(VALIDATION_ERROR)
    return position


def move_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    editable = _editable_ids(ctx, [c.get("key") for c in changes] + [c.get("target") for c in changes])
    if len(changes) >= MOVE_BATCH_MIN:
        return bulk_or_each(changes, lambda group: _move_batch(group, editable), lambda c: _move_one(c, editable))
    return each_atomic(changes, lambda c: _move_one(c, editable))


def _check_move(change: dict, editable: set[str]) -> tuple[str, str, str]:
    key = require_key(change)
    if key not in editable:
        raise ChangeError(["Specified node does not exist"])
    target = change.get("target")
    if not isinstance(target, str) or target not in editable:
        raise ChangeError(VALIDATION_ERROR)
    return key, target, _position(change)


def _move_one(change: dict, editable: set[str]) -> Outcome:
    key, target, position = _check_move(change, editable)
    try:
        tree.move_node(node=key, target=target, position=position)
    except tree.TreeError as exc:
        raise ChangeError([str(exc)]) from None


def _move_batch(changes: list[dict], editable: set[str]) -> list[Outcome]:
    """Many moves: validate each, then one renumbering per tree (tree.move_nodes)."""
    outcomes: list[Outcome] = [None] * len(changes)
    valid: list[tuple[int, tuple[str, str, str]]] = []
    for index, change in enumerate(changes):
        try:
            valid.append((index, _check_move(change, editable)))
        except ChangeError as exc:
            outcomes[index] = exc.errors
    for (index, _), error in zip(valid, tree.move_nodes(moves=[m for _, m in valid]), strict=True):
        outcomes[index] = [error] if error else None
    return outcomes


# --- COPIED ------------------------------------------------------------------------------------


def _copy_mods(change: dict) -> dict:
    mods = change.get("mods") or {}
    if not isinstance(mods, dict):
        raise ChangeError({"mods": ["This field must be an object."]})
    return {COPY_MOD_NAMES.get(k, k): v for k, v in fold_mods(mods, map_fields=MAP_FIELDS).items()}


def copy_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    from contentcuration.viewsets.sync.tasks_api import enqueue_copy

    def apply_one(change):
        key = require_key(change)
        if not is_hex_id(key):
            raise ChangeError({"key": ["Must be a 32-character hex id."]})
        if ContentNode.objects.filter(pk=key).exists():
            raise ChangeError({"key": ["A node with this id already exists."]})
        source_id, target = change.get("from_key"), change.get("target")
        if not isinstance(source_id, str):
            raise ChangeError({"from_key": ["This field is required."]})
        source = ContentNode.objects.viewable_by(ctx.user).filter(pk=source_id).first()
        if source is None:
            raise ChangeError(["Specified source node does not exist"])
        if not isinstance(target, str) or not _editable_ids(ctx, [target]):
            raise ChangeError(VALIDATION_ERROR)
        position = _position(change)
        excluded = change.get("excluded_descendants") or {}
        if not isinstance(excluded, dict):
            raise ChangeError({"excluded_descendants": ["Must be an object of node ids."]})
        mods = _copy_mods(change)
        can_edit = bool(_editable_ids(ctx, [source_id]))
        size = ContentNode.objects.filter(tree_id=source.tree_id, lft__gte=source.lft, lft__lte=source.rght).count()
        args = dict(
            source_id=source_id,
            target_id=target,
            position=position,
            new_id=key,
            excluded_node_ids=[k for k, v in excluded.items() if v],
            mods=mods,
            can_edit_source=can_edit,
        )
        channel_id = change.get("channel_id")
        if size > COPY_INLINE_LIMIT:
            task_id = enqueue_copy(ctx.user, channel_id=channel_id, **args)
            ctx.echo("contentnode", key, {TASK_ID: task_id}, channel_id=channel_id, unpublishable=True)
            return None
        try:
            copy = tree.copy_subtree(
                source=source_id,
                target=target,
                position=position,
                new_id=key,
                excluded_node_ids=args["excluded_node_ids"],
                mods=mods,
                can_edit_source=can_edit,
            )
        except tree.TreeError as exc:
            raise ChangeError([str(exc)]) from None
        ctx.echo(
            "contentnode",
            key,
            {COPYING_STATUS: "SUCCESS", "node_id": copy.node_id},
            channel_id=channel_id,
            unpublishable=True,
        )

    return each_atomic(changes, apply_one)


__all__ = [
    "create_from_changes",
    "update_from_changes",
    "delete_from_changes",
    "move_from_changes",
    "copy_from_changes",
    "update_descendants_from_changes",
]
