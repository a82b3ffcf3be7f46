"""file writes (spec 4.5): update (attach to a node or item, preset, language, duration) and
delete. Files are created by the upload flow, never by sync."""

from __future__ import annotations

from typing import Any

from contentcuration.files.attach import attach_file, attach_files, detach_file
from contentcuration.models import AssessmentItem, ContentNode, File
from contentcuration.nodes.reference import reference_data

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

    if (
        len(changes) > 1
        and all(_attaches_only(c) for c in changes)
        and len({c["key"] for c in changes}) == len(changes)
    ):
        return _attach_many(ctx, changes, apply_one)
    return each_atomic(changes, apply_one)


def _attaches_only(change: dict) -> bool:
    """A change that only attaches a file to a node (``mods: {contentnode: id}``): what the
    upload queue sends for each new resource."""
    mods = change.get("mods")
    return (
        isinstance(change.get("key"), str)
        and bool(change["key"])
        and isinstance(mods, dict)
        and set(mods) == {"contentnode"}
        and isinstance(mods["contentnode"], str)
    )


def _attach_many(ctx: ApplyContext, changes: list[dict], apply_one) -> list[Outcome]:
    """Attach files to nodes in one go: the outcomes ``apply_one`` gives each change (the file
    editable by the user or Not found, the node editable or invalid), two queries to check
    them all and one ``attach_files`` per channel; one savepoint per change if the database
    refuses the bulk write."""
    outcomes: list[Outcome] = [None] * len(changes)
    files = {
        f.pk: f
        for f in File.objects.editable_by(ctx.user).filter(pk__in=[c["key"] for c in changes]).select_related("preset")
    }
    wanted = {c["mods"]["contentnode"] for c in changes}
    nodes = set(ContentNode.objects.editable_by(ctx.user).filter(pk__in=wanted).values_list("pk", flat=True))
    ready: list[tuple[int, dict, File, str | None]] = []
    for index, change in enumerate(changes):
        file, node_id = files.get(change["key"]), change["mods"]["contentnode"]
        if file is None:
            outcomes[index] = NOT_FOUND
        elif node_id not in nodes:
            outcomes[index] = {"contentnode": [f'Invalid pk "{node_id}" - object does not exist.']}
        else:
            ready.append((index, change, file, file.contentnode_id))

    def bulk(_changes: list[dict]) -> list[Outcome]:
        by_channel: dict[Any, list[tuple[File, str | None]]] = {}
        for _, change, file, before in ready:
            file.contentnode_id = change["mods"]["contentnode"]
            by_channel.setdefault(change.get("channel_id"), []).append((file, before))
        for channel_id, attached in by_channel.items():
            echo_content_changes(ctx, attach_files(files=attached), channel_id=channel_id)
        return [None] * len(ready)

    results = bulk_or_each([change for _, change, _, _ in ready], bulk, apply_one)
    for (index, _, _, _), result in zip(ready, results, strict=True):
        outcomes[index] = result
    return outcomes


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        file = File.objects.editable_by(ctx.user).filter(pk=key).first()
        if file is None:
            return None
        echo_content_changes(ctx, detach_file(file=file), channel_id=change.get("channel_id"))

    return each_atomic(changes, apply_one)
