"""The ordered table registry: (table, change type) -> handler.

A handler takes ``(ctx, changes)`` (consecutive changes of one table and type) and returns
one outcome per change (None = applied, else the errors to store). A pair missing here is
reported on the change as "Change type <n> not allowed on table <t>".
"""

from __future__ import annotations

from collections.abc import Callable

from contentcuration.models import change_types as c

from . import assessmentitem, channel, contentnode, file, invitation, savedsearch

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
    (c.CONTENTNODE_PREREQUISITE, c.CREATED): invitation.prerequisite_create,
    (c.CONTENTNODE_PREREQUISITE, c.DELETED): invitation.prerequisite_delete,
    (c.BOOKMARK, c.CREATED): invitation.bookmark_create,
    (c.BOOKMARK, c.DELETED): invitation.bookmark_delete,
    (c.CLIPBOARD, c.CREATED): invitation.clipboard_create,
    (c.CLIPBOARD, c.UPDATED): invitation.clipboard_update,
    (c.CLIPBOARD, c.DELETED): invitation.clipboard_delete,
    (c.CHANNELSET, c.CREATED): invitation.channelset_create,
    (c.CHANNELSET, c.UPDATED): invitation.channelset_update,
    (c.CHANNELSET, c.DELETED): invitation.channelset_delete,
    (c.SAVEDSEARCH, c.CREATED): savedsearch.create_from_changes,
    (c.SAVEDSEARCH, c.UPDATED): savedsearch.update_from_changes,
    (c.SAVEDSEARCH, c.DELETED): savedsearch.delete_from_changes,
    (c.INVITATION, c.CREATED): invitation.invitation_create,
    (c.INVITATION, c.UPDATED): invitation.invitation_update,
    (c.INVITATION, c.DELETED): invitation.invitation_delete,
    (c.EDITOR_M2M, c.CREATED): invitation.membership_create("editors"),
    (c.EDITOR_M2M, c.DELETED): invitation.membership_delete("editors"),
    (c.VIEWER_M2M, c.CREATED): invitation.membership_create("viewers"),
    (c.VIEWER_M2M, c.DELETED): invitation.membership_delete("viewers"),
}


def get_handler(table: str, change_type: int) -> Handler | None:
    return HANDLERS.get((table, change_type))
