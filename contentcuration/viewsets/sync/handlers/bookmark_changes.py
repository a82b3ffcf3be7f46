"""The ``bookmark`` table: the requester's bookmarked channels (user changes)."""

from __future__ import annotations

from contentcuration.models import Channel

from .apply_context import ApplyContext, ChangeError, Outcome, each_atomic, require_key


def create_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        channel = Channel.objects.viewable_by(ctx.user).filter(pk=key).first()
        if channel is None:
            raise ChangeError({"channel": [f'Invalid pk "{key}" - object does not exist.']})
        channel.bookmarked_by.add(ctx.user)

    return each_atomic(changes, apply_one)


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        Channel.bookmarked_by.through.objects.filter(channel_id=require_key(change), user=ctx.user).delete()

    return each_atomic(changes, apply_one)
