"""channel writes: create, update, soft delete, publish (task), draft publish (task),
deploy, sync from source channels (task). Spec 4.1."""

from __future__ import annotations

from contentcuration.channels import lifecycle, publishing
from contentcuration.channels.deploy import deploy_channel
from contentcuration.models import Channel, is_hex_id
from contentcuration.models.change_types import TASK_ID
from contentcuration.publish.tasks import publish_channel_task

from .apply_context import (
    NOT_FOUND,
    ApplyContext,
    ChangeError,
    Outcome,
    each_atomic,
    fold_mods,
    require_dict,
    require_key,
)

WRITABLE = (*lifecycle.EDITABLE_FIELDS, "deleted")


def create_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        if not is_hex_id(key):
            raise ChangeError({"id": ["Must be a 32-character hex id."]})
        if lifecycle.is_chef_channel_id(key):
            raise ChangeError(
                {"id": ["Version-5 UUIDs are reserved for channels uploaded by chefs; use a random (version 4) id."]}
            )
        obj = require_dict(change, "obj")
        if Channel.objects.filter(pk=key).exists():
            raise ChangeError({"id": ["channel with this id already exists."]})
        values = lifecycle.clean_channel_values({k: obj[k] for k in lifecycle.EDITABLE_FIELDS if k in obj})
        if not (values.get("name") or "").strip():
            # A nameless channel cannot be found in any list (issue 16: "Try it out" made one).
            raise ChangeError({"name": ["This field may not be blank."]})
        channel = lifecycle.create_channel(actor=ctx.user, id=key, **values)
        root = channel.main_tree
        ctx.echo(
            "channel",
            key,
            {
                "root_id": root.pk,
                "trash_root_id": channel.trash_tree_id,
                "created": root.created.isoformat().replace("+00:00", "Z"),
                "published": root.published,
                "content_defaults": channel.content_defaults,
            },
            channel_id=key,
            created_by_id=None,
        )

    return each_atomic(changes, apply_one)


def _editable(ctx: ApplyContext, key: str) -> Channel:
    channel = Channel.objects.editable_by(ctx.user).filter(pk=key).first()
    if channel is None:
        raise ChangeError(NOT_FOUND)
    return channel


def update_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        mods = fold_mods(require_dict(change, "mods"))
        _editable(ctx, key)
        # The client's change is the logged one (record_change=False).
        lifecycle.update_channel(channel_id=key, user=ctx.user, values=mods, record_change=False)

    return each_atomic(changes, apply_one)


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        if not Channel.objects.editable_by(ctx.user).filter(pk=key).exists():
            return None  # spec 4.1: not-found is silently ok
        lifecycle.delete_channel(channel_id=key, user=ctx.user, record_change=False)

    return each_atomic(changes, apply_one)


def _publish(ctx: ApplyContext, change: dict, *, draft: bool) -> None:
    key = require_key(change)
    _editable(ctx, key)
    # The client's change is the logged request; its task id is echoed after it.
    task_id = publishing.request_publish(
        task=publish_channel_task,
        channel_id=key,
        user=ctx.user,
        version_notes=change.get("version_notes") or "",
        language=change.get("language") or None,
        draft=draft,
        use_staging_tree=bool(change.get("use_staging_tree")),
        record_changes=False,
    )
    ctx.echo("channel", key, {TASK_ID: task_id}, channel_id=key, unpublishable=True)


def publish_from_changes(ctx: ApplyContext, changes: list[dict], *, draft: bool = False) -> list[Outcome]:
    return each_atomic(changes, lambda c: _publish(ctx, c, draft=draft))


def ctx_index(ctx: ApplyContext, change: dict, positions: dict) -> int:
    """The change's index in the whole batch (set by the dispatcher as ``__index``)."""
    return change.get("__index", positions[id(change)])


def publish_next_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    return publish_from_changes(ctx, changes, draft=True)


SYNC_FLAGS = ("titles_and_descriptions", "resource_details", "files", "assessment_items")


def _sync(ctx: ApplyContext, change: dict, index: int) -> None:
    key = require_key(change)
    errors = {
        name: ["Must be a valid boolean."] for name in SYNC_FLAGS if not isinstance(change.get(name, False), bool)
    }
    if errors:
        raise ChangeError(errors)
    channel = _editable(ctx, key)
    if channel.deleted:
        raise ChangeError(NOT_FOUND)
    from contentcuration.jobs import enqueue_job
    from contentcuration.tasks import sync_channel_task

    flags = {name: change.get(name, False) for name in SYNC_FLAGS}

    def enqueue(server_rev: int) -> None:
        # enqueue_job sends the message on commit, and answers a repeat of a queued or
        # running sync with the same flags with that job's id.
        task_id = enqueue_job(
            sync_channel_task,
            kwargs={"channel_id": key, "user_id": ctx.user.pk, **flags},
            user_id=ctx.user.pk,
            channel_id=key,
        )
        ctx.echo("channel", key, {TASK_ID: task_id}, channel_id=key, unpublishable=True)

    ctx.after_insert.append((index, enqueue))


def sync_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    """SYNCED: accepted, logged and queued as ``sync_channel_task`` (spec 4.1)."""
    positions = {id(c): i for i, c in enumerate(changes)}
    return each_atomic(changes, lambda c: _sync(ctx, c, ctx_index(ctx, c, positions)))


def deploy_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        channel = _editable(ctx, require_key(change))
        channel = deploy_channel(channel=channel)
        ctx.echo(
            "channel", channel.pk, {"root_id": channel.main_tree_id, "staging_root_id": None}, channel_id=channel.pk
        )

    return each_atomic(changes, apply_one)
