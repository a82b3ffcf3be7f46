"""The ordered table registry: (table, change type) -> handler.

A handler takes ``(ctx, changes)`` (consecutive changes of one table and type) and returns
one outcome per change (None = applied, else the errors to store). A pair missing here is
reported on the change as "Change type <n> not allowed on table <t>".
"""

from __future__ import annotations

from collections.abc import Callable

from contentcuration.models import change_types as c

from . import (
    assessmentitem,
    bookmark,
    channel,
    channelset,
    clipboard,
    contentnode,
    file,
    invitation,
    membership,
    prerequisite,
    savedsearch,
)

Handler = Callable
HANDLERS: dict[tuple[str, int], Handler] = {
    (c.CHANNEL, c.CREATED): channel.create_from_changes,
    (c.CHANNEL, c.UPDATED): channel.update_from_changes,
    (c.CHANNEL, c.DELETED): channel.delete_from_changes,
    (c.CHANNEL, c.PUBLISHED): channel.publish_from_changes,
    (c.CHANNEL, c.PUBLISHED_NEXT): channel.publish_next_from_changes,
    (c.CHANNEL, c.SYNCED): channel.sync_from_changes,
    (c.CHANNEL, c.DEPLOYED): channel.deploy_from_changes,
    (c.CONTENTNODE, c.CREATED): contentnode.create_from_changes,
    (c.CONTENTNODE, c.UPDATED): contentnode.update_from_changes,
    (c.CONTENTNODE, c.DELETED): contentnode.delete_from_changes,
    (c.CONTENTNODE, c.MOVED): contentnode.move_from_changes,
    (c.CONTENTNODE, c.COPIED): contentnode.copy_from_changes,
    (c.CONTENTNODE, c.UPDATED_DESCENDANTS): contentnode.update_descendants_from_changes,
    (c.ASSESSMENTITEM, c.CREATED): assessmentitem.create_from_changes,
    (c.ASSESSMENTITEM, c.UPDATED): assessmentitem.update_from_changes,
    (c.ASSESSMENTITEM, c.DELETED): assessmentitem.delete_from_changes,
    (c.FILE, c.UPDATED): file.update_from_changes,
    (c.FILE, c.DELETED): file.delete_from_changes,
    (c.CONTENTNODE_PREREQUISITE, c.CREATED): prerequisite.create_from_changes,
    (c.CONTENTNODE_PREREQUISITE, c.DELETED): prerequisite.delete_from_changes,
    (c.BOOKMARK, c.CREATED): bookmark.create_from_changes,
    (c.BOOKMARK, c.DELETED): bookmark.delete_from_changes,
    (c.CLIPBOARD, c.CREATED): clipboard.create_from_changes,
    (c.CLIPBOARD, c.UPDATED): clipboard.update_from_changes,
    (c.CLIPBOARD, c.DELETED): clipboard.delete_from_changes,
    (c.CHANNELSET, c.CREATED): channelset.create_from_changes,
    (c.CHANNELSET, c.UPDATED): channelset.update_from_changes,
    (c.CHANNELSET, c.DELETED): channelset.delete_from_changes,
    (c.SAVEDSEARCH, c.CREATED): savedsearch.create_from_changes,
    (c.SAVEDSEARCH, c.UPDATED): savedsearch.update_from_changes,
    (c.SAVEDSEARCH, c.DELETED): savedsearch.delete_from_changes,
    (c.INVITATION, c.CREATED): invitation.create_from_changes,
    (c.INVITATION, c.UPDATED): invitation.update_from_changes,
    (c.INVITATION, c.DELETED): invitation.delete_from_changes,
    (c.EDITOR_M2M, c.CREATED): membership.create_handler("editors"),
    (c.EDITOR_M2M, c.DELETED): membership.delete_handler("editors"),
    (c.VIEWER_M2M, c.CREATED): membership.create_handler("viewers"),
    (c.VIEWER_M2M, c.DELETED): membership.delete_handler("viewers"),
}


def get_handler(table: str, change_type: int) -> Handler | None:
    return HANDLERS.get((table, change_type))
