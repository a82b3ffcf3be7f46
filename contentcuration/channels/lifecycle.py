"""Channel lifecycle: create, edit (one field table), soft-delete, restore, purge, tokens.

Creating a channel creates its main and trash tree roots (through ``tree.create_root``),
makes the creator an editor and records the history row, all in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .. import tree
from ..changes import merge_json, record_server_change
from ..errors import Conflict, Invalid, NotFound
from ..limits import max_length, thumbnail_encoding_problem, thumbnail_name_problem
from ..models import (
    TREE_FIELDS,
    Channel,
    ChannelHistory,
    ContentNode,
    Invitation,
    Language,
    License,
    User,
)
from ..models.change_types import CHANNEL

DEFAULT_CONTENT_DEFAULTS: dict[str, Any] = {
    "author": None,
    "aggregator": None,
    "provider": None,
    "copyright_holder": None,
    "license": None,
    "license_description": None,
    "auto_derive_video_thumbnail": True,
    "auto_derive_audio_thumbnail": True,
    "auto_derive_document_thumbnail": True,
    "auto_derive_html5_thumbnail": True,
}


def is_chef_channel_id(channel_id: str) -> bool:
    """Whether ``channel_id`` is in the id space chefs compute: ricecooker derives a channel's
    id as ``uuid5(uuid5(NAMESPACE_DNS, source_domain), source_id)`` (ricecooker-api.md 5.1), a
    version-5 UUID, while editors' ids are random (version 4). Only the chef API may create a
    channel with such an id, so nobody can take the id a chef will upload to by creating an
    empty channel with it first (docs/decisions/0008-access-control.md)."""
    return len(channel_id) == 32 and channel_id[12] == "5"


@transaction.atomic
def create_channel(*, actor: User, id: str | None = None, name: str = "", **fields: Any) -> Channel:
    """Create a channel owned by ``actor`` with empty main and trash trees.

    The main root takes the channel's name as title and the channel id as its
    content_id / node_id / original and source channel ids, as Kolibri expects.
    """
    channel = Channel(name=name, **fields)
    if id:
        channel.id = id
    channel.content_defaults = {**DEFAULT_CONTENT_DEFAULTS, **(channel.content_defaults or {})}
    channel.main_tree = tree.create_root(
        title=name,
        kind_id="topic",
        content_id=channel.id,
        node_id=channel.id,
        original_channel_id=channel.id,
        source_channel_id=channel.id,
        changed=True,
        complete=True,
    )
    channel.trash_tree = tree.create_root(title=name, kind_id="topic", content_id=channel.id, node_id=channel.id)
    channel.save(force_insert=True)
    channel.editors.add(actor)
    ChannelHistory.objects.create(channel=channel, actor=actor, action=ChannelHistory.CREATION)
    return channel


class ChannelNotDeleted(Conflict):
    """Only a channel already (soft) deleted can be purged."""


@transaction.atomic
def purge_channel(*, channel: Channel) -> None:
    """Remove a soft-deleted channel for good: its trees (through ``tree.delete_subtree``),
    then the channel row with its change log, versions, history and invitations (cascade).

    Stored objects stay for ``garbage_collect``. Raises ChannelNotDeleted for a live channel:
    the soft delete is what curators undo from, so purging never skips it.
    """
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    if not channel.deleted:
        raise ChannelNotDeleted(f"Channel {channel.pk} is not deleted.")
    roots = {getattr(channel, f"{name}_id") for name in TREE_FIELDS} - {None}
    for root_id in roots:
        tree.delete_subtree(node=root_id)
    channel.delete()


# --- editing a channel -------------------------------------------------------------------------

# The one field table: every text limit is the model's own max_length (limits.max_length).
# ``nullable`` texts may be cleared with None.
TEXT_FIELDS: dict[str, bool] = {
    "name": False,
    "description": False,
    "tagline": True,
    "source_domain": True,
    "source_id": True,
}
# What editors change (sync, REST, admin); ``source_id`` is the chef's id for the channel, set
# only by uploads (chef API).
EDITABLE_FIELDS = (
    "name",
    "description",
    "tagline",
    "source_domain",
    "thumbnail",
    "thumbnail_encoding",
    "language",
    "content_defaults",
)
# A change to these is a change to the main tree's root (its title, description...): republish.
ROOT_FIELDS = frozenset({"name", "description", "language", "thumbnail", "thumbnail_encoding"})


def clean_channel_values(data: dict[str, Any], *, channel: Channel | None = None, where: str = "") -> dict[str, Any]:
    """Validate channel fields as the APIs name them (``language``, not ``language_id``) into
    model attributes. Unknown keys are not looked at. JSON fields merge into the channel's
    current value (None deletes a key). Raises Invalid naming every bad field (``where``
    prefixes the names, e.g. ``channel_data.``)."""
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for name, nullable in TEXT_FIELDS.items():
        if name not in data:
            continue
        value, limit = data[name], max_length(Channel, name)
        if value is None and nullable:
            values[name] = None
        elif not isinstance(value, str):
            errors[name] = ["Not a valid string."]
        elif len(value) > limit:
            errors[name] = [f"Ensure this field has no more than {limit} characters."]
        else:
            values[name] = value
    if "thumbnail" in data:
        if problem := thumbnail_name_problem(data["thumbnail"]):
            errors["thumbnail"] = [problem]
        else:
            values["thumbnail"] = data["thumbnail"] or None
    if "language" in data:
        lang = data["language"]
        if lang is not None and not Language.objects.filter(pk=lang if isinstance(lang, str) else "").exists():
            errors["language"] = [f'Invalid pk "{lang}" - object does not exist.']
        else:
            values["language_id"] = lang
    for name in ("thumbnail_encoding", "content_defaults"):
        if name not in data:
            continue
        value = data[name]
        if value is not None and not isinstance(value, dict):
            errors[name] = ["Must be an object."]
            continue
        merged = merge_json((getattr(channel, name) if channel is not None else None) or {}, value or {})
        if name == "thumbnail_encoding" and (problem := thumbnail_encoding_problem(merged)):
            errors[name] = [problem]
            continue
        if name == "content_defaults":
            unknown = set(merged) - set(DEFAULT_CONTENT_DEFAULTS)
            if unknown:
                errors[name] = {k: ["Unknown content default."] for k in sorted(unknown)}
                continue
            license = merged.get("license")
            if license is not None and not License.objects.filter(license_name=license).exists():
                errors[name] = {"license": [f"{license!r} is not a valid license."]}
                continue
        values[name] = merged
    if errors:
        raise Invalid(field_errors={f"{where}{name}": problems for name, problems in errors.items()})
    return values


def _locked(channel_id: str) -> Channel:
    channel = Channel.objects.select_for_update().filter(pk=channel_id).first()
    if channel is None:
        raise NotFound("Not found")
    return channel


def _record(channel: Channel, user: User, mods: dict[str, Any]) -> None:
    record_server_change(table=CHANNEL, key=channel.pk, mods=mods, channel_id=channel.pk, created_by_id=user.pk)


@transaction.atomic
def update_channel(*, channel_id: str, user: User, values: dict[str, Any], record_change: bool = True) -> Channel:
    """Edit the channel's fields (``EDITABLE_FIELDS``, as the APIs name them, others are
    ignored; ``deleted`` soft-deletes or restores). The caller has checked that ``user`` may edit it.

    Raises Invalid naming every bad field (nothing is written then), NotFound. Locks the
    channel row; atomic. A change to a root field (name, description, language, thumbnail)
    marks the main tree's root changed, so the next publish is a new version. Records the
    UPDATED change with ``values`` as its mods, unless ``record_change`` is false (the sync
    endpoint logs the client's change itself).
    """
    values = {k: v for k, v in values.items() if k in EDITABLE_FIELDS or k == "deleted"}
    channel = _locked(channel_id)
    cleaned = clean_channel_values(values, channel=channel)
    if "deleted" in values:
        if not isinstance(values["deleted"], bool):
            raise Invalid("Must be a valid boolean.", field="deleted")
        _set_deleted(channel, values["deleted"], user)
        cleaned["deleted"] = values["deleted"]
    for name, value in cleaned.items():
        setattr(channel, name, value)
    if cleaned:
        channel.save(update_fields=list(cleaned))
    if ROOT_FIELDS & set(values) and channel.main_tree_id:
        root_values: dict[str, Any] = {"changed": True}
        if "name" in cleaned:
            root_values["title"] = cleaned["name"]
        ContentNode.objects.filter(pk=channel.main_tree_id).update(**root_values)
    if record_change and values:
        _record(channel, user, dict(values))
    return channel


def _set_deleted(channel: Channel, deleted: bool, actor: User) -> None:
    if channel.deleted == deleted:
        return
    ChannelHistory.objects.create(
        channel=channel, actor=actor, action=ChannelHistory.DELETION if deleted else ChannelHistory.RECOVERY
    )
    if deleted:
        Invitation.objects.filter(channel=channel, accepted=False, declined=False).delete()
    channel.deleted = deleted
    channel.save(update_fields=["deleted"])


@transaction.atomic
def delete_channel(*, channel_id: str, user: User, record_change: bool = True) -> Channel:
    """Soft-delete: the channel leaves its editors' lists and can be restored. Adds a history
    row and drops its pending invitations (once: deleting a deleted channel changes nothing).

    Raises NotFound. Locks the channel row; atomic. Records UPDATED ``{deleted: true}`` (what
    watchers of the browser's delete see) unless ``record_change`` is false.
    """
    return update_channel(channel_id=channel_id, user=user, values={"deleted": True}, record_change=record_change)


@transaction.atomic
def restore_channel(*, channel_id: str, user: User, record_change: bool = True) -> Channel:
    """Undo ``delete_channel``: a history row, and UPDATED ``{deleted: false}`` unless
    ``record_change`` is false. Raises NotFound. Locks the channel row; atomic."""
    return update_channel(channel_id=channel_id, user=user, values={"deleted": False}, record_change=record_change)
