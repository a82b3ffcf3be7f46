"""The ordered table registry: (table, change type) -> handler.

A handler takes ``(ctx, changes)`` (consecutive changes of one table and type) and returns
one outcome per change (None = applied, else the errors to store). A pair missing here is
reported on the change as "Change type <n> not allowed on table <t>".
"""

from __future__ import annotations

from collections.abc import Callable

from contentcuration.models import change_types as c

from . import (
    assessmentitem_changes,
    bookmark_changes,
    channel_changes,
    channelset_changes,
    clipboard_changes,
    contentnode_changes,
    file_changes,
    invitation_changes,
    membership_changes,
    prerequisite_changes,
    savedsearch_changes,
)

Handler = Callable
HANDLERS: dict[tuple[str, int], Handler] = {
    (c.CHANNEL, c.CREATED): channel_changes.create_from_changes,
    (c.CHANNEL, c.UPDATED): channel_changes.update_from_changes,
    (c.CHANNEL, c.DELETED): channel_changes.delete_from_changes,
    (c.CHANNEL, c.PUBLISHED): channel_changes.publish_from_changes,
    (c.CHANNEL, c.PUBLISHED_NEXT): channel_changes.publish_next_from_changes,
    (c.CHANNEL, c.SYNCED): channel_changes.sync_from_changes,
    (c.CHANNEL, c.DEPLOYED): channel_changes.deploy_from_changes,
    (c.CONTENTNODE, c.CREATED): contentnode_changes.create_from_changes,
    (c.CONTENTNODE, c.UPDATED): contentnode_changes.update_from_changes,
    (c.CONTENTNODE, c.DELETED): contentnode_changes.delete_from_changes,
    (c.CONTENTNODE, c.MOVED): contentnode_changes.move_from_changes,
    (c.CONTENTNODE, c.COPIED): contentnode_changes.copy_from_changes,
    (c.CONTENTNODE, c.UPDATED_DESCENDANTS): contentnode_changes.update_descendants_from_changes,
    (c.ASSESSMENTITEM, c.CREATED): assessmentitem_changes.create_from_changes,
    (c.ASSESSMENTITEM, c.UPDATED): assessmentitem_changes.update_from_changes,
    (c.ASSESSMENTITEM, c.DELETED): assessmentitem_changes.delete_from_changes,
    (c.FILE, c.UPDATED): file_changes.update_from_changes,
    (c.FILE, c.DELETED): file_changes.delete_from_changes,
    (c.CONTENTNODE_PREREQUISITE, c.CREATED): prerequisite_changes.create_from_changes,
    (c.CONTENTNODE_PREREQUISITE, c.DELETED): prerequisite_changes.delete_from_changes,
    (c.BOOKMARK, c.CREATED): bookmark_changes.create_from_changes,
    (c.BOOKMARK, c.DELETED): bookmark_changes.delete_from_changes,
    (c.CLIPBOARD, c.CREATED): clipboard_changes.create_from_changes,
    (c.CLIPBOARD, c.UPDATED): clipboard_changes.update_from_changes,
    (c.CLIPBOARD, c.DELETED): clipboard_changes.delete_from_changes,
    (c.CHANNELSET, c.CREATED): channelset_changes.create_from_changes,
    (c.CHANNELSET, c.UPDATED): channelset_changes.update_from_changes,
    (c.CHANNELSET, c.DELETED): channelset_changes.delete_from_changes,
    (c.SAVEDSEARCH, c.CREATED): savedsearch_changes.create_from_changes,
    (c.SAVEDSEARCH, c.UPDATED): savedsearch_changes.update_from_changes,
    (c.SAVEDSEARCH, c.DELETED): savedsearch_changes.delete_from_changes,
    (c.INVITATION, c.CREATED): invitation_changes.create_from_changes,
    (c.INVITATION, c.UPDATED): invitation_changes.update_from_changes,
    (c.INVITATION, c.DELETED): invitation_changes.delete_from_changes,
    (c.EDITOR_M2M, c.CREATED): membership_changes.create_handler("editors"),
    (c.EDITOR_M2M, c.DELETED): membership_changes.delete_handler("editors"),
    (c.VIEWER_M2M, c.CREATED): membership_changes.create_handler("viewers"),
    (c.VIEWER_M2M, c.DELETED): membership_changes.delete_handler("viewers"),
}


def get_handler(table: str, change_type: int) -> Handler | None:
    return HANDLERS.get((table, change_type))
