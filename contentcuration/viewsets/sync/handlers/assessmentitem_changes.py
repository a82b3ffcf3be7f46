"""assessmentitem writes (spec 4.4): bulk create, bulk update, delete. Key
``[contentnode_id, assessment_id]``. Answers and hints are JSON-encoded arrays."""

from __future__ import annotations

import json
from typing import Any

from contentcuration.models import AssessmentItem, ContentNode, is_hex_id
from contentcuration.models.assessment import QUESTION_TYPES
from contentcuration.nodes.content_changes import content_changed
from contentcuration.nodes.content_ids import link_exercise_images
from contentcuration.publish.qti import qti_item_problem

from .apply_context import (
    NOT_FOUND,
    ApplyContext,
    ChangeError,
    Outcome,
    bulk_or_each,
    each_atomic,
    echo_content_changes,
    require_dict,
    require_key,
)

WRITABLE = ("question", "type", "answers", "hints", "raw_data", "order", "source_url", "randomize", "deleted")
ENTRY_KEYS = {"answers": {"answer", "correct", "order"}, "hints": {"hint", "order"}}


def _json_list(errors: dict, name: str, value: Any) -> str | None:
    if isinstance(value, list):
        items = value
        value = json.dumps(value)
    elif isinstance(value, str):
        try:
            items = json.loads(value)
        except ValueError:
            errors[name] = [f"JSON Data Invalid for {name}"]
            return None
    else:
        errors[name] = [f"JSON Data Invalid for {name}"]
        return None
    if not isinstance(items, list) or not all(isinstance(i, dict) and ENTRY_KEYS[name] <= set(i) for i in items):
        errors[name] = [f"Incorrect field in {name}"]
        return None
    return value


def _apply(item: AssessmentItem, data: dict, *, creating: bool) -> list[str]:
    errors: dict[str, Any] = {}
    fields: list[str] = []
    item_type = data.get("type", item.type)
    if "type" in data and item_type not in QUESTION_TYPES:
        errors["type"] = [f'"{item_type}" is not a valid choice.']
    for name in WRITABLE:
        if name not in data:
            continue
        value = data[name]
        if item_type == "QTI" and name in ("question", "answers", "hints") and not creating:
            errors[name] = ["This field is not editable for QTI items."]
            continue
        if name in ("answers", "hints"):
            value = _json_list(errors, name, value)
        elif name in ("question", "raw_data"):
            if not isinstance(value, str):
                errors[name] = ["Not a valid string."]
            elif name == "raw_data" and value and item_type not in ("QTI", "perseus_question"):
                errors[name] = ["raw_data is only writable on QTI and perseus items."]
            elif name == "raw_data" and value and item_type == "QTI":
                problem = qti_item_problem(value)
                if problem:
                    errors[name] = [f"raw_data {problem}."]
        elif name == "source_url":
            if value is not None and not isinstance(value, str):
                errors[name] = ["Not a valid string."]
        elif name == "order":
            if isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**31:
                errors[name] = ["A valid integer is required."]
        elif name in ("randomize", "deleted"):
            if not isinstance(value, bool):
                errors[name] = ["Must be a valid boolean."]
        if name not in errors:
            setattr(item, name, value)
            fields.append(name)
    if errors:
        raise ChangeError(errors)
    return fields


def _editable_nodes(ctx: ApplyContext, ids) -> set[str]:
    return set(
        ContentNode.objects.editable_by(ctx.user)
        .filter(pk__in={i for i in ids if isinstance(i, str)})
        .values_list("pk", flat=True)
    )


def create_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    outcomes: list[Outcome] = [None] * len(changes)
    keys = [c.get("key") for c in changes]
    nodes_ok = _editable_nodes(ctx, [k[0] for k in keys if isinstance(k, list) and k])
    ready: list[tuple[int, AssessmentItem]] = []
    seen: set[tuple] = set()
    for index, change in enumerate(changes):
        try:
            node_id, assessment_id = require_key(change, parts=2)
            obj = require_dict(change, "obj")
            if not is_hex_id(assessment_id):
                raise ChangeError({"assessment_id": ["Must be a 32-character hex id."]})
            if node_id not in nodes_ok:
                raise ChangeError({"contentnode": [f'Invalid pk "{node_id}" - object does not exist.']})
            item = AssessmentItem(contentnode_id=node_id, assessment_id=assessment_id)
            _apply(item, {k: v for k, v in obj.items() if k in WRITABLE}, creating=True)
            if (node_id, assessment_id) in seen:
                raise ChangeError(
                    {"non_field_errors": ["The fields contentnode, assessment_id must make a unique set."]}
                )
            seen.add((node_id, assessment_id))
        except ChangeError as exc:
            outcomes[index] = exc.errors
            continue
        ready.append((index, item))
    existing = set(
        AssessmentItem.objects.filter(contentnode_id__in={i.contentnode_id for _, i in ready}).values_list(
            "contentnode_id", "assessment_id"
        )
    )
    fresh = []
    for index, item in ready:
        if (item.contentnode_id, item.assessment_id) in existing:
            outcomes[index] = {"non_field_errors": ["The fields contentnode, assessment_id must make a unique set."]}
        else:
            fresh.append((index, item))

    def bulk(items):
        AssessmentItem.objects.bulk_create([i for _, i in items], batch_size=1000)
        return [None] * len(items)

    def one(entry):
        AssessmentItem.objects.bulk_create([entry[1]])

    created: set[str] = set()
    for (index, item), result in zip(fresh, bulk_or_each(fresh, bulk, one), strict=True):
        outcomes[index] = result
        if result is None:
            created.add(item.contentnode_id)
        if result is None and "CONTENTSTORAGE" in f"{item.question}{item.answers}{item.hints}":
            if item.pk is None:  # backends that do not return ids from bulk inserts
                item = AssessmentItem.objects.get(contentnode_id=item.contentnode_id, assessment_id=item.assessment_id)
            link_exercise_images(item=item, user=ctx.user)
    _refresh(ctx, changes, created)
    return outcomes


def _refresh(ctx: ApplyContext, changes: list[dict], node_ids: set[str]) -> None:
    """Questions change what a node *is* (``content_changed``: changed, modified, a copy's own
    content_id, completeness). Tell watchers of the content_id and complete it set."""
    if not node_ids:
        return
    channel_id = next((c.get("channel_id") for c in changes if c.get("channel_id")), None)
    echo_content_changes(ctx, content_changed(node_ids=node_ids), channel_id=channel_id)


def update_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        node_id, assessment_id = require_key(change, parts=2)
        mods = require_dict(change, "mods")
        item = (
            AssessmentItem.objects.editable_by(ctx.user)
            .filter(contentnode_id=node_id, assessment_id=assessment_id)
            .first()
        )
        if item is None:
            raise ChangeError(NOT_FOUND)
        if "contentnode" in mods or "assessment_id" in mods:
            raise ChangeError({"non_field_errors": ["The key of an assessment item cannot change."]})
        fields = _apply(item, {k: v for k, v in mods.items() if k in WRITABLE}, creating=False)
        if fields:
            item.save(update_fields=fields)
        if {"question", "answers", "hints"} & set(fields):
            link_exercise_images(item=item, user=ctx.user)
        _refresh(ctx, [change], {node_id})

    return each_atomic(changes, apply_one)


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        node_id, assessment_id = require_key(change, parts=2)
        deleted, _ = (
            AssessmentItem.objects.editable_by(ctx.user)
            .filter(contentnode_id=node_id, assessment_id=assessment_id)
            .delete()
        )
        if deleted:
            _refresh(ctx, [change], {node_id})

    return each_atomic(changes, apply_one)
