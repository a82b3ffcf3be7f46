"""Channel lifecycle: create, soft-delete and restore, tokens.

Creating a channel creates its main and trash tree roots (through ``tree.create_root``),
makes the creator an editor and records the history row, all in one transaction.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction

from .. import tree
from ..errors import Conflict
from ..models import TREE_FIELDS, Channel, ChannelHistory, SecretToken, User

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

_CONSONANTS = "bdfghjklmnprstvz"
_VOWELS = "aiou"


def proquint(bits: int = 32) -> str:
    """A pronounceable random token: 16 bits -> consonant-vowel-consonant-vowel-consonant."""
    words = []
    for _ in range(bits // 16):
        n = secrets.randbits(16)
        words.append(
            _CONSONANTS[(n >> 12) & 0xF]
            + _VOWELS[(n >> 10) & 0x3]
            + _CONSONANTS[(n >> 6) & 0xF]
            + _VOWELS[(n >> 4) & 0x3]
            + _CONSONANTS[n & 0xF]
        )
    return "".join(words)


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


@transaction.atomic
def ensure_channel_tokens(channel: Channel) -> list[SecretToken]:
    """Give ``channel`` its primary (proquint) token and the token equal to its id."""
    tokens = list(channel.secret_tokens.all())
    if not any(t.is_primary for t in tokens):
        while True:
            value = proquint(64)[:10]
            if not SecretToken.objects.filter(token=value).exists():
                break
        tokens.append(SecretToken.objects.create(token=value, is_primary=True))
    if not any(t.token == channel.id for t in tokens):
        tokens.append(SecretToken.objects.get_or_create(token=channel.id)[0])
    channel.secret_tokens.set(tokens)
    return tokens


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
