"""The ``channelset`` table: the requester's named collections of channels, each with a
secret token. The writes are ``channels.channel_sets``'; this adapter finds the sets the
requester edits and echoes the new set's token."""

from __future__ import annotations

from contentcuration.channels import channel_sets
from contentcuration.models import ChannelSet

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


def create_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        channel_set = channel_sets.create_channel_set(
            actor=ctx.user, channel_set_id=key, data=require_dict(change, "obj"), record_changes=False
        )
        assert channel_set.secret_token is not None
        ctx.echo("channelset", key, {"secret_token": channel_set.secret_token.token}, user_id=ctx.user.pk)

    return each_atomic(changes, apply_one)


def _edited(ctx: ApplyContext, key: str) -> ChannelSet | None:
    return ChannelSet.objects.filter(pk=key, editors=ctx.user).first()


def update_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        mods = fold_mods(require_dict(change, "mods"), map_fields=frozenset({"channels"}))
        channel_set = _edited(ctx, key)
        if channel_set is None:
            raise ChangeError(NOT_FOUND)
        channel_sets.update_channel_set(actor=ctx.user, channel_set=channel_set, data=mods, record_changes=False)

    return each_atomic(changes, apply_one)


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        channel_set = _edited(ctx, require_key(change))
        if channel_set is not None:
            channel_sets.delete_channel_set(actor=ctx.user, channel_set=channel_set, record_changes=False)

    return each_atomic(changes, apply_one)
