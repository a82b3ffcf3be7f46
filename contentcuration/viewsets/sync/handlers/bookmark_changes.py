"""The ``bookmark`` table: the requester's bookmarked channels (user changes); the writes
are ``channels.bookmarks``'."""

from __future__ import annotations

from contentcuration.channels import bookmarks

from .apply_context import ApplyContext, Outcome, each_atomic, require_key


def create_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        bookmarks.add_bookmark(user=ctx.user, channel_id=require_key(change), record_changes=False)

    return each_atomic(changes, apply_one)


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        bookmarks.remove_bookmark(user=ctx.user, channel_id=require_key(change), record_changes=False)

    return each_atomic(changes, apply_one)
