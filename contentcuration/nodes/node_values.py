"""Validating and setting ContentNode values as the APIs name them (``language``, not
``language_id``; label and tag maps; nested ``extra_fields``), on unsaved or loaded nodes.

The per-field rules (limits, vocabularies, reference data) are the field table's
(``field_table.py``), which the chef API applies too; this module reads the browser's shapes
(label and tag maps ``{id: add?}``, JSON merges) and collects every bad field of a node into
one ``Invalid``. Pure Python: ``node_updates.update_nodes`` and the sync create path write.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone
from le_utils.constants import modalities

from contentcuration.changes import merge_json
from contentcuration.errors import Invalid
from contentcuration.limits import extra_fields_problem, tag_name_problem, thumbnail_encoding_problem
from contentcuration.models import LABEL_FIELDS, MAX_TAG_LENGTH, MAX_TAGS_PER_NODE, ContentNode

from . import field_table
from .completeness import InvalidCompletionCriteria, validate_completion_criteria
from .reference import ReferenceData, reference_data

TRACKED = (
    "title",
    "description",
    "language_id",
    "license_id",
    "license_description",
    "copyright_holder",
    "author",
    "aggregator",
    "provider",
    "role_visibility",
    "extra_fields",
    "thumbnail_encoding",
    "suggested_duration",
    *LABEL_FIELDS,
)
WRITABLE = frozenset(
    {
        "id",
        "title",
        "description",
        "kind",
        "language",
        "license",
        "license_description",
        "copyright_holder",
        "author",
        "role_visibility",
        "aggregator",
        "provider",
        "extra_fields",
        "thumbnail_encoding",
        "parent",
        "complete",
        "changed",
        "tags",
        "suggested_duration",
        *LABEL_FIELDS,
    }
)


def _validate_extra_fields(errors: dict, value: dict, *, kind: str, complete: bool) -> dict:
    if "randomize" in value and not isinstance(value["randomize"], bool):
        errors.setdefault("extra_fields", {})["randomize"] = ["Must be a valid boolean."]
    if value.get("suggested_duration_type") not in (None, "time", "approx_time"):
        errors.setdefault("extra_fields", {})["suggested_duration_type"] = ["Invalid value."]
    inherited = value.get("inherited_metadata")
    if inherited is not None and (
        not isinstance(inherited, dict) or not all(isinstance(v, bool) for v in inherited.values())
    ):
        errors.setdefault("extra_fields", {})["inherited_metadata"] = ["Values must be booleans."]
    options = value.get("options")
    if options is None:
        return value
    if not isinstance(options, dict):
        errors.setdefault("extra_fields", {})["options"] = ["Must be an object."]
        return value
    if options.get("modality") not in (None, *modalities.MODALITIESLIST):
        errors.setdefault("extra_fields", {})["options"] = {"modality": ["Invalid modality."]}
    if "entry" in options and options["entry"] is not None and not isinstance(options["entry"], str):
        errors.setdefault("extra_fields", {})["options"] = {"entry": ["Not a valid string."]}
    if "completion_criteria" in options:
        try:
            criteria = validate_completion_criteria(options["completion_criteria"], kind=kind, complete=complete)
        except InvalidCompletionCriteria as exc:
            errors.setdefault("extra_fields", {})["options"] = {"completion_criteria": [str(exc)]}
        else:
            value = {**value, "options": {**options, "completion_criteria": criteria}}
    return value


def _label_map(errors: dict, name: str, value: Any, current: Any, *, replace: bool) -> dict | None:
    if not isinstance(value, dict):
        errors[name] = ["Must be an object of label ids."]
        return None
    result = {} if replace or not isinstance(current, dict) else dict(current)
    try:
        field_table.check_labels(name, [label for label, flag in value.items() if flag])
    except field_table.InvalidField as exc:
        errors[name] = [exc.message]
        return None
    for label, flag in value.items():
        if flag:
            result[label] = True
        else:
            result.pop(label, None)
    return result


# API name -> (model column, parser(value, reference data)), built once: the fields that are
# one value from the field table. apply_values walks the values a change carries (usually
# one or two), not the table (benchmarks/sync.py W1/W2: a lookup per table entry per node).
_Parser = Callable[[Any, ReferenceData], Any]


def _text_parser(text_field: field_table.TextField) -> _Parser:
    return lambda value, ref: text_field.parse(value)


SIMPLE_FIELDS: dict[str, tuple[str, _Parser]] = {
    **{name: (name, _text_parser(field_table.TEXT_FIELDS[name])) for name in field_table.EDITABLE_TEXT_FIELDS},
    "language": ("language_id", lambda value, ref: field_table.parse_language(value, ref=ref)),
    "license": ("license_id", lambda value, ref: field_table.parse_license_id(value, ref=ref)),
    "role_visibility": ("role_visibility", lambda value, ref: field_table.parse_role(value)),
    "suggested_duration": ("suggested_duration", lambda value, ref: field_table.parse_suggested_duration(value)),
}


def _apply_simple_fields(errors: dict, touched: set[str], node: ContentNode, data: dict, ref: ReferenceData) -> None:
    """The fields that are one value from the field table (nodes/field_table.py)."""
    for name, value in data.items():
        entry = SIMPLE_FIELDS.get(name)
        if entry is not None:
            column, parse = entry
            try:
                setattr(node, column, parse(value, ref))
            except field_table.InvalidField as exc:
                errors[exc.field] = [exc.message]
                continue
            touched.add(column)
        elif name == "complete" or name == "changed":
            if not isinstance(value, bool) and not (name == "complete" and value is None):
                errors[name] = ["Must be a valid boolean."]
            else:
                setattr(node, name, value)
                touched.add(name)


def apply_values(
    node: ContentNode,
    data: dict,
    *,
    creating: bool,
    now: datetime | None = None,
    ref: ReferenceData | None = None,
) -> tuple[set[str], dict[str, bool] | None]:
    """Validate ``data`` (API field names, already folded) and set it on ``node``.

    Returns (model fields set, tag operations ``{name: add?}`` or None). Raises Invalid
    naming every bad field (``field_errors``, DRF's shape); ``node`` may be half-set then. ``now`` (the new ``modified``) and
    ``ref`` (the reference data) let a batch read them once.
    """
    errors: dict[str, Any] = {}
    touched: set[str] = set()
    if not isinstance(data, dict):
        raise Invalid(field_errors={"non_field_errors": ["Invalid data. Expected an object."]})

    if ref is None:
        ref = reference_data()
    if creating:
        try:
            node.kind_id = field_table.parse_kind(data.get("kind"), ref=ref)
            touched.add("kind_id")
        except field_table.InvalidField as exc:
            errors[exc.field] = [exc.message]
    else:
        if "parent" in data:
            errors["parent"] = ["This field should only be changed by a move operation"]
        if "kind" in data and data["kind"] != node.kind_id:
            errors["kind"] = ["Content kind cannot be changed after creation"]
    kind = node.kind_id or "topic"
    _apply_simple_fields(errors, touched, node, data, ref)
    if "thumbnail_encoding" in data:
        value = data["thumbnail_encoding"]
        if value is None:
            node.thumbnail_encoding = value
        elif isinstance(value, (dict, str)):
            try:
                current = json.loads(node.thumbnail_encoding) if node.thumbnail_encoding and not creating else {}
            except ValueError:
                current = {}
            if isinstance(value, str):  # the JSON text itself, as stored
                try:
                    merged = json.loads(value) if value.strip() else {}
                except ValueError:
                    merged = None
            else:
                merged = merge_json(current if isinstance(current, dict) else {}, value)
            if not isinstance(merged, dict):
                errors["thumbnail_encoding"] = ["Must be an object."]
            elif problem := thumbnail_encoding_problem(merged):
                errors["thumbnail_encoding"] = [problem]
            else:
                node.thumbnail_encoding = json.dumps(merged) if merged else None
        else:
            errors["thumbnail_encoding"] = ["Must be an object."]
        touched.add("thumbnail_encoding")
    for name in LABEL_FIELDS:
        if name in data:
            if data[name] is None:
                setattr(node, name, {})
            else:
                value = _label_map(errors, name, data[name], getattr(node, name), replace=creating)
                if value is not None:
                    setattr(node, name, value)
            touched.add(name)
    if creating and not node.learning_activities and kind in field_table.DEFAULT_ACTIVITY:
        node.learning_activities = {field_table.DEFAULT_ACTIVITY[kind]: True}

    if "extra_fields" in data or creating:
        value = data.get("extra_fields")
        if value is not None and not isinstance(value, dict):
            errors["extra_fields"] = ["Must be an object."]
        else:
            merged = merge_json({} if creating else (node.extra_fields or {}), value or {})
            if creating and kind == "exercise" and "randomize" not in merged:
                errors["extra_fields"] = {"randomize": ["This field is required for exercise content."]}
            merged = _validate_extra_fields(errors, merged, kind=kind, complete=bool(node.complete))
            if problem := extra_fields_problem(merged):
                errors["extra_fields"] = [problem]
            node.extra_fields = merged
            touched.add("extra_fields")

    tags = None
    if "tags" in data:
        value = data["tags"]
        if value is None:
            value = {}
        if not isinstance(value, dict):
            errors["tags"] = ["Must be an object of tag names."]
        else:
            tags = {}
            for name, flag in value.items():
                if flag and len(name) > MAX_TAG_LENGTH:  # Studio's wording (spec 4.2)
                    errors["non_field_errors"] = [f"tag is greater than {MAX_TAG_LENGTH} characters"]
                elif flag and (problem := tag_name_problem(name)):
                    errors["tags"] = [problem]
                tags[name] = bool(flag)
            if sum(tags.values()) > MAX_TAGS_PER_NODE:
                errors["tags"] = [f"A node can have at most {MAX_TAGS_PER_NODE} tags."]
    if errors:
        raise Invalid(field_errors=errors)
    if not creating and not touched.isdisjoint(TRACKED) and "changed" not in data:
        node.changed = True
        touched.add("changed")
    node.modified = now or timezone.now()
    touched.add("modified")
    return touched, tags
