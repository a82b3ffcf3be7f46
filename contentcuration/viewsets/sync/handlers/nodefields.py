"""Validating and applying contentnode field values (create ``obj`` or folded update ``mods``).

Shared by the contentnode handler (create, update, update-descendants) and by copies'
``mods``. Everything here is pure Python on unsaved or loaded ``ContentNode`` objects; the
caller writes in bulk.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django.utils import timezone
from le_utils.constants import modalities
from le_utils.constants.labels import (
    accessibility_categories,
    learning_activities,
    levels,
    needs,
    resource_type,
    subjects,
)

from contentcuration.nodes.completeness import InvalidCompletionCriteria, validate_completion_criteria
from contentcuration.limits import extra_fields_problem, max_length, tag_name_problem, thumbnail_encoding_problem
from contentcuration.models import (
    LABEL_FIELDS,
    MAX_TAG_LENGTH,
    MAX_TAGS_PER_NODE,
    ContentKind,
    ContentNode,
    Language,
    License,
)

from .base import ChangeError, merge

LABEL_IDS: dict[str, frozenset[str]] = {
    "grade_levels": frozenset(levels.LEVELSLIST),
    "resource_types": frozenset(resource_type.RESOURCETYPELIST),
    "learning_activities": frozenset(learning_activities.LEARNINGACTIVITIESLIST),
    "accessibility_labels": frozenset(accessibility_categories.ACCESSIBILITYCATEGORIESLIST),
    "categories": frozenset(subjects.SUBJECTSLIST),
    "learner_needs": frozenset(needs.NEEDSLIST),
}
# The learning activity a new resource gets when the client sent none (Studio does the same).
DEFAULT_ACTIVITY = {
    "video": learning_activities.WATCH,
    "audio": learning_activities.LISTEN,
    "document": learning_activities.READ,
    "exercise": learning_activities.PRACTICE,
    "html5": learning_activities.EXPLORE,
    "h5p": learning_activities.EXPLORE,
    "zim": learning_activities.EXPLORE,
    "slideshow": learning_activities.READ,
}
# The model's column limits (description's is checked here only: a text column).
TEXT_LIMITS = {
    name: max_length(ContentNode, name)
    for name in ("title", "description", "license_description", "copyright_holder", "author", "aggregator", "provider")
}
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


@lru_cache(maxsize=1)
def _kinds() -> frozenset[str]:
    return frozenset(ContentKind.objects.values_list("pk", flat=True))


@lru_cache(maxsize=1)
def _languages() -> frozenset[str]:
    return frozenset(Language.objects.values_list("pk", flat=True))


@lru_cache(maxsize=1)
def _licenses() -> frozenset[int]:
    return frozenset(License.objects.values_list("pk", flat=True))


def _text(errors: dict, name: str, value: Any, *, nullable: bool) -> Any:
    if value is None:
        return None if nullable else ""
    if not isinstance(value, str):
        errors[name] = ["Not a valid string."]
        return None
    limit = TEXT_LIMITS.get(name)
    if limit and len(value) > limit:
        errors[name] = [f"Ensure this field has no more than {limit} characters."]
    return value


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
    for label, flag in value.items():
        if flag:
            if label not in LABEL_IDS[name]:
                errors[name] = [f"{label!r} is not a valid label id."]
                continue
            result[label] = True
        else:
            result.pop(label, None)
    return result


def apply_fields(node: ContentNode, data: dict, *, creating: bool) -> tuple[set[str], dict[str, bool] | None]:
    """Validate ``data`` (API field names, already folded) and set it on ``node``.

    Returns (model fields set, tag operations ``{name: add?}`` or None). Raises ChangeError
    with a DRF-style error dict naming every bad field.
    """
    errors: dict[str, Any] = {}
    touched: set[str] = set()
    if not isinstance(data, dict):
        raise ChangeError({"non_field_errors": ["Invalid data. Expected an object."]})

    if creating:
        kind = data.get("kind")
        if kind is None:
            errors["kind"] = ["This field is required."]
        elif kind not in _kinds():
            errors["kind"] = [f'Invalid pk "{kind}" - object does not exist.']
        else:
            node.kind_id = kind
    else:
        if "parent" in data:
            errors["parent"] = ["This field should only be changed by a move operation"]
        if "kind" in data and data["kind"] != node.kind_id:
            errors["kind"] = ["Content kind cannot be changed after creation"]
    kind = node.kind_id or "topic"

    for name in ("title", "description", "license_description", "copyright_holder", "author", "aggregator", "provider"):
        if name in data:
            nullable = name in ("license_description", "copyright_holder")
            value = _text(errors, name, data[name], nullable=nullable)
            if name not in errors:
                setattr(node, name, value if value is not None or nullable else "")
                touched.add(name)
    if "language" in data:
        value = data["language"]
        if value is not None and value not in _languages():
            errors["language"] = [f'Invalid pk "{value}" - object does not exist.']
        else:
            node.language_id = value
            touched.add("language_id")
    if "license" in data:
        value = data["license"]
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
            value = int(value)
        if value is not None and (isinstance(value, bool) or value not in _licenses()):
            errors["license"] = [f'Invalid pk "{value}" - object does not exist.']
        else:
            node.license_id = value
            touched.add("license_id")
    if "role_visibility" in data:
        if data["role_visibility"] not in ("learner", "coach"):
            errors["role_visibility"] = ['"learner" or "coach" expected.']
        else:
            node.role_visibility = data["role_visibility"]
            touched.add("role_visibility")
    for name in ("complete", "changed"):
        if name in data:
            value = data[name]
            if not isinstance(value, bool) and not (name == "complete" and value is None):
                errors[name] = ["Must be a valid boolean."]
            else:
                setattr(node, name, value)
                touched.add(name)
    if "suggested_duration" in data:
        value = data["suggested_duration"]
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 2**31
        ):
            errors["suggested_duration"] = ["A valid non-negative integer is required."]
        else:
            node.suggested_duration = int(value) if value is not None else None
            touched.add("suggested_duration")
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
                merged = merge(current if isinstance(current, dict) else {}, value)
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
    if creating and not node.learning_activities and kind in DEFAULT_ACTIVITY:
        node.learning_activities = {DEFAULT_ACTIVITY[kind]: True}

    if "extra_fields" in data or creating:
        value = data.get("extra_fields")
        if value is not None and not isinstance(value, dict):
            errors["extra_fields"] = ["Must be an object."]
        else:
            merged = merge({} if creating else (node.extra_fields or {}), value or {})
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
        raise ChangeError(errors)
    if not creating and (touched & set(TRACKED)) and "changed" not in data:
        node.changed = True
        touched.add("changed")
    node.modified = timezone.now()
    touched.add("modified")
    return touched, tags
