"""Channel sets ("collections", spec 4.8): named lists of channels that a Kolibri user imports
with one secret token.

One function per write, each one transaction. The sync ``channelset`` handler, REST
``POST /api/channelset`` (through that handler) and the Django admin call them; the adapters
decide who may edit which set, these functions own the values, the token and the change log.
The text limits are the model's ``max_length``. A set's channels are the channels of its
token; a channel the ``actor`` cannot view cannot be put in a set.

``record_changes``: the sync endpoint logs the client's own change and echoes the server's
(``secret_token``) itself, so its handler passes False; every other caller lets the function
record the same changes, in the feed of each editor of the set, so its owners' clients hear
of the write whoever made it (an operator in the admin).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from contentcuration.changes import record_server_change, record_server_changes
from contentcuration.errors import Conflict, Invalid
from contentcuration.limits import max_length
from contentcuration.models import Channel, ChannelSet, SecretToken, User, is_hex_id
from contentcuration.models.change_types import CHANNELSET, CREATED, DELETED
from contentcuration.tokens import proquint

TEXT_FIELDS = ("name", "description")


def clean_channel_set_values(data: Mapping[str, Any], *, actor: User) -> tuple[dict[str, Any], dict[str, bool]]:
    """The columns ``data`` sets (``name``, ``description``) and its ``channels`` map
    (``{channel_id: add?}``), validated; other keys are not looked at. Raises Invalid naming
    every bad field."""
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name not in data:
            continue
        value, limit = data[name], max_length(ChannelSet, name)
        if not isinstance(value, str):
            errors[name] = ["Not a valid string."]
        elif len(value) > limit:
            errors[name] = [f"Ensure this field has no more than {limit} characters."]
        else:
            values[name] = value
    channels = data.get("channels") or {}
    if not isinstance(channels, dict):
        errors["channels"] = ["Must be an object of channel ids."]
        channels = {}
    wanted = {k for k, v in channels.items() if v}
    visible = set(Channel.objects.viewable_by(actor).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - visible:
        errors["channels"] = [f'Invalid pk "{sorted(wanted - visible)[0]}" - object does not exist.']
    if errors:
        raise Invalid(field_errors=errors)
    return values, {k: bool(v) for k, v in channels.items()}


def _editors(channel_set: ChannelSet) -> list[int]:
    """A set's changes go to its editors' feeds (user changes): whoever wrote, they hear of it."""
    return list(channel_set.editors.order_by("pk").values_list("pk", flat=True))


def _channels(ids: list[str]) -> list[Channel]:
    return list(Channel.objects.filter(pk__in=ids)) if ids else []


def _unique_token() -> str:
    while True:
        value = proquint(64)[:10]
        if not SecretToken.objects.filter(token=value).exists():
            return value


@transaction.atomic
def create_channel_set(
    *, actor: User, channel_set_id: str, data: Mapping[str, Any], record_changes: bool = True
) -> ChannelSet:
    """Create a set with its own secret token, ``actor`` as its editor, from ``data``
    (``name``, ``description``, ``channels``).

    Raises Invalid (a bad id or value), Conflict (the id is taken, whoever owns it)."""
    if not is_hex_id(channel_set_id):
        raise Invalid("Must be a 32-character hex id.", field="id")
    if ChannelSet.objects.filter(pk=channel_set_id).exists():
        raise Conflict("channel set with this id already exists.", field="id")
    values, channels = clean_channel_set_values(data, actor=actor)
    token = SecretToken.objects.create(token=_unique_token())
    channel_set = ChannelSet.objects.create(id=channel_set_id, secret_token=token, **values)
    channel_set.editors.add(actor)
    token.channels.set(_channels([k for k, add in channels.items() if add]))
    if record_changes:
        record_server_change(
            table=CHANNELSET,
            key=channel_set_id,
            change_type=CREATED,
            obj=dict(data),
            user_id=actor.pk,
            created_by_id=actor.pk,
        )
        record_server_change(
            table=CHANNELSET,
            key=channel_set_id,
            mods={"secret_token": token.token},
            user_id=actor.pk,
            created_by_id=actor.pk,
        )
    return channel_set


@transaction.atomic
def update_channel_set(
    *, actor: User, channel_set: ChannelSet, data: Mapping[str, Any], record_changes: bool = True
) -> ChannelSet:
    """Set ``name`` / ``description`` and add or remove ``channels`` (``{id: add?}``) of
    ``channel_set``. Raises Invalid naming every bad field; nothing is saved then."""
    values, channels = clean_channel_set_values(data, actor=actor)
    for name, value in values.items():
        setattr(channel_set, name, value)
    if values:
        channel_set.save(update_fields=list(values))
    if channels and channel_set.secret_token_id:
        token = channel_set.secret_token
        assert token is not None
        token.channels.add(*_channels([k for k, add in channels.items() if add]))
        token.channels.remove(*_channels([k for k, add in channels.items() if not add]))
    if record_changes:
        record_server_changes(
            [
                dict(table=CHANNELSET, key=channel_set.pk, mods=_as_mods(data), user_id=editor, created_by_id=actor.pk)
                for editor in _editors(channel_set)
            ]
        )
    return channel_set


def _as_mods(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` as the mods of the UPDATED change a browser sends (``channels.<id>`` paths)."""
    mods = {name: value for name, value in data.items() if name != "channels"}
    for channel_id, add in (data.get("channels") or {}).items():
        mods[f"channels.{channel_id}"] = add
    return mods


@transaction.atomic
def delete_channel_set(*, actor: User, channel_set: ChannelSet, record_changes: bool = True) -> None:
    """Delete ``channel_set`` and its secret token (Kolibri can no longer import with it)."""
    token_id, key, editors = channel_set.secret_token_id, channel_set.pk, _editors(channel_set)
    channel_set.delete()
    if token_id is not None:
        SecretToken.objects.filter(pk=token_id).delete()
    if record_changes:
        record_server_changes(
            [
                dict(table=CHANNELSET, key=key, change_type=DELETED, user_id=editor, created_by_id=actor.pk)
                for editor in editors
            ]
        )
