"""Questions (assessment items) of an exercise: what their fields may hold, and editing one.

A question's ``answers`` and ``hints`` are JSON-encoded arrays (spec 4.4); QTI items keep their
question, answers and hints as uploaded. Editing a question changes what its node *is*
(``content_changed``: changed, modified, a copy's own content_id, completeness).

``update_question`` is the one edit, for the sync ``assessmentitem`` handler and the Django
admin; ``record_changes``: the sync endpoint logs the client's own change and echoes the
rest itself, so its handler passes False; the admin lets the function record the same
changes. The sync handler creates questions in bulk with ``apply_question_values``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from contentcuration.changes import record_server_changes
from contentcuration.errors import Invalid
from contentcuration.models import AssessmentItem, User
from contentcuration.models.assessment import QUESTION_TYPES
from contentcuration.models.change_types import ASSESSMENTITEM
from contentcuration.publish.qti import qti_item_problem

from .content_changes import ContentChanges, content_changed
from .content_ids import link_exercise_images

WRITABLE = ("question", "type", "answers", "hints", "raw_data", "order", "source_url", "randomize", "deleted")
ENTRY_KEYS = {"answers": {"answer", "correct", "order"}, "hints": {"hint", "order"}}
# Fields whose text may reference exercise images (${CONTENTSTORAGE}/<md5>.<ext>).
IMAGE_FIELDS = frozenset({"question", "answers", "hints"})


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


def apply_question_values(item: AssessmentItem, data: Mapping[str, Any], *, creating: bool) -> list[str]:
    """Validate ``data`` (the writable fields; others are not looked at) and set it on ``item``.
    Returns the fields set. Raises Invalid naming every bad field; ``item`` may be half-set."""
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
        raise Invalid(field_errors=errors)
    return fields


@transaction.atomic
def update_question(
    *,
    user: User,
    item: AssessmentItem,
    values: Mapping[str, Any],
    channel_id: str | None,
    record_changes: bool = True,
) -> ContentChanges:
    """Set ``values`` on ``item`` (its key cannot change), link the images its text names and
    tell its node its content changed. Raises Invalid naming every bad field; nothing is saved
    then. Returns what ``content_changed`` changed (for the caller to tell watchers when it
    records nothing)."""
    if "contentnode" in values or "assessment_id" in values:
        raise Invalid(field_errors={"non_field_errors": ["The key of an assessment item cannot change."]})
    fields = apply_question_values(item, {k: v for k, v in values.items() if k in WRITABLE}, creating=False)
    if fields:
        item.save(update_fields=fields)
    if IMAGE_FIELDS & set(fields):
        link_exercise_images(item=item, user=user)
    changes = content_changed(node_ids={item.contentnode_id})
    if record_changes:
        key = [item.contentnode_id, item.assessment_id]
        entries = [dict(table=ASSESSMENTITEM, key=key, mods=dict(values), channel_id=channel_id)]
        entries += changes.entries(channel_id=channel_id)
        record_server_changes([{**entry, "created_by_id": user.pk} for entry in entries])
    return changes
