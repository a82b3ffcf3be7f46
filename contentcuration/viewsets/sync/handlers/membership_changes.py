"""The ``editor_m2m`` and ``viewer_m2m`` tables: a channel's editors and viewers; one
handler per relation, built by ``create_handler`` / ``delete_handler``."""

from __future__ import annotations

from contentcuration.models import Channel, User

from .apply_context import INTERNAL_ERROR, NOT_FOUND, ApplyContext, ChangeError, Outcome, each_atomic, require_key


def _membership(ctx: ApplyContext, change: dict, relation: str):
    user_id, channel_id = require_key(change, parts=2)
    channel = Channel.objects.editable_by(ctx.user).filter(pk=str(channel_id)).first()
    if channel is None or isinstance(user_id, bool) or not isinstance(user_id, int):
        raise ChangeError(NOT_FOUND)
    if not User.objects.filter(pk=user_id).exists():
        raise ChangeError(NOT_FOUND)
    return getattr(channel, relation), user_id


def create_handler(relation: str):
    def handler(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
        def apply_one(change):
            members, user_id = _membership(ctx, change, relation)
            if members.filter(pk=user_id).exists():
                raise ChangeError(INTERNAL_ERROR)
            members.add(user_id)

        return each_atomic(changes, apply_one)

    return handler


def delete_handler(relation: str):
    def handler(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
        def apply_one(change):
            members, user_id = _membership(ctx, change, relation)
            members.remove(user_id)

        return each_atomic(changes, apply_one)

    return handler
