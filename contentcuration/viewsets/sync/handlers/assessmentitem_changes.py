"""assessmentitem writes (spec 4.4): bulk create, update, delete. Key
``[contentnode_id, assessment_id]``. What a question may hold, and its edit, are
``nodes.questions``'."""

from __future__ import annotations

from contentcuration.errors import Invalid
from contentcuration.models import AssessmentItem, ContentNode, is_hex_id
from contentcuration.nodes.content_changes import content_changed
from contentcuration.nodes.content_ids import link_exercise_images
from contentcuration.nodes.questions import WRITABLE, apply_question_values, update_question

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
            try:
                apply_question_values(item, {k: v for k, v in obj.items() if k in WRITABLE}, creating=True)
            except Invalid as exc:
                raise ChangeError(exc.as_errors()) from None
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
        channel_id = change.get("channel_id")
        result = update_question(user=ctx.user, item=item, values=mods, channel_id=channel_id, record_changes=False)
        echo_content_changes(ctx, result, channel_id=channel_id)

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
