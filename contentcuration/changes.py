"""Recording and serialising sync ``Change`` rows.

Every server-side effect that clients must learn about (spec 2.9: echoes after creates,
task start/end, publish results, ...) is recorded with ``record_server_change``; the sync
endpoint delivers it to every watcher of the channel (or user) in ``server_rev`` order.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from .db.bulk import insert_objects
from .db.locks import lock_feeds
from .models import Change
from .models.change_types import PUBLISHABLE_CHANGE_TABLES, PUBLISHED, UPDATED


def is_unpublishable(table: str, change_type: int) -> bool:
    return table not in PUBLISHABLE_CHANGE_TABLES or change_type == PUBLISHED


def record_server_change(
    *,
    table: str,
    key: Any,
    mods: dict[str, Any] | None = None,
    change_type: int = UPDATED,
    channel_id: str | None = None,
    user_id: int | None = None,
    created_by_id: int | None = None,
    applied: bool = True,
    unpublishable: bool | None = None,
    **kwargs: Any,
) -> Change:
    """Store a change the server made itself (applied at once unless ``applied=False``).

    ``mods`` is the UPDATED payload; other type-specific fields go in ``kwargs``.
    """
    return record_server_changes(
        [
            dict(
                table=table,
                key=key,
                mods=mods,
                change_type=change_type,
                channel_id=channel_id,
                user_id=user_id,
                created_by_id=created_by_id,
                applied=applied,
                unpublishable=unpublishable,
                **kwargs,
            )
        ]
    )[0]


def record_server_changes(entries: Sequence[dict[str, Any]]) -> list[Change]:
    """``record_server_change`` for many changes at once: one feed lock, one INSERT.

    Each entry takes ``record_server_change``'s keyword arguments; the changes get
    ``server_rev`` in the order given.
    """
    rows = []
    for entry in entries:
        entry = dict(entry)
        table = entry.pop("table")
        change_type = entry.pop("change_type", UPDATED)
        mods = entry.pop("mods", None)
        unpublishable = entry.pop("unpublishable", None)
        channel_id = entry.pop("channel_id", None)
        user_id = entry.pop("user_id", None)
        created_by_id = entry.pop("created_by_id", None)
        applied = entry.pop("applied", True)
        payload: dict[str, Any] = {"key": entry.pop("key"), **entry}
        if mods is not None:
            payload["mods"] = mods
        rows.append(
            Change(
                table=table,
                change_type=change_type,
                kwargs=payload,
                channel_id=channel_id,
                user_id=user_id,
                created_by_id=created_by_id,
                applied=applied,
                unpublishable=is_unpublishable(table, change_type) if unpublishable is None else unpublishable,
            )
        )
    if not rows:
        return rows
    with transaction.atomic():
        # Appending under the feed lock keeps each feed in server_rev order for pollers
        # (see db.locks.lock_feeds). Inside a longer transaction the lock is held until that
        # commits: record server changes at the end of a long job, not at its start.
        lock_feeds(channel_ids=[r.channel_id for r in rows], user_ids=[r.user_id for r in rows])
        insert_objects(Change, rows)
    return rows


def serialize_change(change: Change) -> dict[str, Any]:
    """The wire shape of a stored change (spec 2.6): kwargs flattened plus the routing keys."""
    data = dict(change.kwargs)
    data.update(
        server_rev=change.server_rev,
        table=change.table,
        type=change.change_type,
        channel_id=change.channel_id,
        user_id=change.user_id,
        created_by_id=change.created_by_id,
        unpublishable=change.unpublishable,
    )
    return data


def merge_json(current: Any, update: Any) -> Any:
    """Deep-merge ``update`` into a copy of ``current``: dicts merge, ``None`` deletes a key.

    The meaning of a change's JSON values (spec 2.5), for the sync handlers and the domain
    functions alike."""
    if not isinstance(update, dict):
        return copy.deepcopy(update)
    result = copy.deepcopy(current) if isinstance(current, dict) else {}
    for key, value in update.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            result[key] = merge_json(result.get(key), value)
        else:
            result[key] = copy.deepcopy(value)
    return result
