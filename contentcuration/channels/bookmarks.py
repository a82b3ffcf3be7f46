"""Bookmarks: the channels a user keeps at hand (spec 4.1, the ``bookmark`` table).

A user may bookmark any channel they can view. ``record_changes``: the sync endpoint logs
the client's own change, so its handler passes False.
"""

from __future__ import annotations

from django.db import transaction

from contentcuration.changes import record_server_change
from contentcuration.errors import NotFound
from contentcuration.models import Channel, User
from contentcuration.models.change_types import BOOKMARK, CREATED, DELETED


@transaction.atomic
def add_bookmark(*, user: User, channel_id: str, record_changes: bool = True) -> None:
    """Bookmark ``channel_id`` for ``user``. Raises NotFound (field ``channel``) for a channel
    the user cannot view, as for one that does not exist."""
    channel = Channel.objects.viewable_by(user).filter(pk=channel_id).first()
    if channel is None:
        raise NotFound(f'Invalid pk "{channel_id}" - object does not exist.', field="channel")
    channel.bookmarked_by.add(user)
    if record_changes:
        record_server_change(
            table=BOOKMARK,
            key=channel_id,
            change_type=CREATED,
            obj={"channel": channel_id},
            user_id=user.pk,
            created_by_id=user.pk,
        )


@transaction.atomic
def remove_bookmark(*, user: User, channel_id: str, record_changes: bool = True) -> None:
    """Remove the bookmark (none is fine: the outcome is the same)."""
    Channel.bookmarked_by.through.objects.filter(channel_id=channel_id, user=user).delete()
    if record_changes:
        record_server_change(
            table=BOOKMARK, key=channel_id, change_type=DELETED, user_id=user.pk, created_by_id=user.pk
        )
