"""The ``channelset`` table: the requester's named collections of channels, each with a
secret token."""

from __future__ import annotations

from typing import Any

from contentcuration.models import Channel, ChannelSet, SecretToken, is_hex_id
from contentcuration.tokens import proquint

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


def _channelset_values(ctx: ApplyContext, data: dict, channelset: ChannelSet | None) -> tuple[dict, dict]:
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for name, limit in (("name", 200), ("description", 400)):
        if name in data:
            if not isinstance(data[name], str):
                errors[name] = ["Not a valid string."]
            elif len(data[name]) > limit:
                errors[name] = [f"Ensure this field has no more than {limit} characters."]
            else:
                values[name] = data[name]
    channels = data.get("channels") or {}
    if not isinstance(channels, dict):
        errors["channels"] = ["Must be an object of channel ids."]
        channels = {}
    wanted = {k for k, v in channels.items() if v}
    visible = set(Channel.objects.viewable_by(ctx.user).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - visible:
        errors["channels"] = [f'Invalid pk "{sorted(wanted - visible)[0]}" - object does not exist.']
    if errors:
        raise ChangeError(errors)
    return values, channels


def create_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        if not is_hex_id(key):
            raise ChangeError({"id": ["Must be a 32-character hex id."]})
        if ChannelSet.objects.filter(pk=key).exists():
            raise ChangeError({"id": ["channel set with this id already exists."]})
        values, channels = _channelset_values(ctx, require_dict(change, "obj"), None)
        token = SecretToken.objects.create(token=_unique_token())
        channelset = ChannelSet.objects.create(id=key, secret_token=token, **values)
        channelset.editors.add(ctx.user)
        token.channels.set([k for k, v in channels.items() if v])
        ctx.echo("channelset", key, {"secret_token": token.token}, user_id=ctx.user.pk)

    return each_atomic(changes, apply_one)


def _unique_token() -> str:
    while True:
        value = proquint(64)[:10]
        if not SecretToken.objects.filter(token=value).exists():
            return value


def update_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        mods = fold_mods(require_dict(change, "mods"), map_fields=frozenset({"channels"}))
        channelset = ChannelSet.objects.filter(pk=key, editors=ctx.user).first()
        if channelset is None:
            raise ChangeError(NOT_FOUND)
        values, channels = _channelset_values(ctx, mods, channelset)
        for name, value in values.items():
            setattr(channelset, name, value)
        if values:
            channelset.save(update_fields=list(values))
        if channels and channelset.secret_token_id:
            token = channelset.secret_token
            token.channels.add(*[k for k, v in channels.items() if v])
            token.channels.remove(*[k for k, v in channels.items() if not v])

    return each_atomic(changes, apply_one)


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        channelset = ChannelSet.objects.filter(pk=require_key(change), editors=ctx.user).first()
        if channelset is not None:
            token_id = channelset.secret_token_id
            channelset.delete()
            SecretToken.objects.filter(pk=token_id).delete()

    return each_atomic(changes, apply_one)
