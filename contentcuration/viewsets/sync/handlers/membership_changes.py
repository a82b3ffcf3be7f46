"""The ``editor_m2m`` and ``viewer_m2m`` tables: a channel's editors and viewers; one
handler per relation, built by ``create_handler`` / ``delete_handler``. The writes are
``channels.sharing``'s; this adapter finds the channel among those the requester edits."""

from __future__ import annotations

from contentcuration.channels import sharing
from contentcuration.channels.sharing import Relation
from contentcuration.models import Channel, User

from .apply_context import NOT_FOUND, ApplyContext, ChangeError, Outcome, each_atomic, require_key


def _membership(ctx: ApplyContext, change: dict) -> tuple[Channel, int]:
    user_id, channel_id = require_key(change, parts=2)
    channel = Channel.objects.editable_by(ctx.user).filter(pk=str(channel_id)).first()
    if channel is None or isinstance(user_id, bool) or not isinstance(user_id, int):
        raise ChangeError(NOT_FOUND)
    if not User.objects.filter(pk=user_id).exists():
        raise ChangeError(NOT_FOUND)
    return channel, user_id


def create_handler(relation: Relation):
    def handler(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
        def apply_one(change):
            channel, user_id = _membership(ctx, change)
            sharing.add_member(
                actor=ctx.user, channel=channel, user_id=user_id, relation=relation, record_changes=False
            )

        return each_atomic(changes, apply_one)

    return handler


def delete_handler(relation: Relation):
    def handler(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
        def apply_one(change):
            channel, user_id = _membership(ctx, change)
            sharing.remove_member(
                actor=ctx.user, channel=channel, user_id=user_id, relation=relation, record_changes=False
            )

        return each_atomic(changes, apply_one)

    return handler
