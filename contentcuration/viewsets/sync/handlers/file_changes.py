"""file writes (spec 4.5): update (attach to a node or item, preset, language, duration) and
delete. Files are created by the upload flow, never by sync."""

from __future__ import annotations

from typing import Any

from contentcuration.files.attach import attach_file, detach_file
from contentcuration.models import AssessmentItem, ContentNode, File
from contentcuration.nodes.reference import reference_data

from .apply_context import (
    NOT_FOUND,
    ApplyContext,
    ChangeError,
    Outcome,
    each_atomic,
    echo_content_changes,
    require_dict,
    require_key,
)

WRITABLE = ("language", "contentnode", "assessment_item", "preset", "duration")


# Fields that name a row of a constants table by its id (checked against nodes/reference.py).
CONSTANT_FIELDS = {"preset": lambda ref: ref.presets, "language": lambda ref: ref.languages}


def update_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        mods = require_dict(change, "mods")
        file = File.objects.editable_by(ctx.user).filter(pk=key).first()
        if file is None:
            raise ChangeError(NOT_FOUND)
        errors: dict[str, Any] = {}
        old_node = file.contentnode_id
        for name in WRITABLE:
            if name not in mods:
                continue
            value = mods[name]
            if name == "contentnode":
                if (
                    value is not None
                    and not ContentNode.objects.editable_by(ctx.user)
                    .filter(pk=value if isinstance(value, str) else "")
                    .exists()
                ):
                    errors[name] = [f'Invalid pk "{value}" - object does not exist.']
                else:
                    file.contentnode_id = value
            elif name == "assessment_item":
                item = None
                if isinstance(value, list) and len(value) == 2:
                    item = (
                        AssessmentItem.objects.editable_by(ctx.user)
                        .filter(contentnode_id=value[0], assessment_id=value[1])
                        .first()
                    )
                elif isinstance(value, int) and not isinstance(value, bool):
                    item = AssessmentItem.objects.editable_by(ctx.user).filter(pk=value).first()
                if value is not None and item is None:
                    errors[name] = [f'Invalid pk "{value}" - object does not exist.']
                else:
                    file.assessment_item = item
            elif name in CONSTANT_FIELDS:
                if value is not None and (
                    not isinstance(value, str) or value not in CONSTANT_FIELDS[name](reference_data())
                ):
                    errors[name] = [f'Invalid pk "{value}" - object does not exist.']
                else:
                    setattr(file, f"{name}_id", value)
            elif name == "duration":
                if value is not None and (
                    isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 2**31
                ):
                    errors[name] = ["Ensure this value is greater than 0."]
                else:
                    file.duration = int(value) if value is not None else None
        if errors:
            raise ChangeError(errors)
        result = attach_file(file=file, previous_node_id=old_node)
        echo_content_changes(ctx, result, channel_id=change.get("channel_id"))

    return each_atomic(changes, apply_one)


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        file = File.objects.editable_by(ctx.user).filter(pk=key).first()
        if file is None:
            return None
        echo_content_changes(ctx, detach_file(file=file), channel_id=change.get("channel_id"))

    return each_atomic(changes, apply_one)
