"""Stragglers: Change rows logged with ``applied=false`` by code other than the sync
endpoint (the endpoint itself only ever commits final rows).

Each is applied through the same handlers as its submitter, then re-logged at the end of
its feed (deleted and re-inserted with a fresh server_rev) so pollers that are already past
its old rev still receive it exactly once.
"""

from __future__ import annotations

from django.db import transaction

from contentcuration.db.locks import lock_feeds
from contentcuration.models import Change

from .apply import Accepted, apply_batch


def apply_pending_changes(*, limit: int = 1000) -> int:
    """Apply up to ``limit`` pending rows in server_rev order; returns how many were handled."""
    handled = 0
    pending = list(Change.objects.filter(applied=False, errored=False).order_by("server_rev")[:limit])
    for row in pending:
        with transaction.atomic():
            lock_feeds(channel_ids=[row.channel_id], user_ids=[row.user_id])
            row = Change.objects.filter(pk=row.pk, applied=False, errored=False).first()
            if row is None:
                continue
            if row.created_by is None:
                Change.objects.filter(pk=row.pk).update(
                    errored=True, kwargs={**row.kwargs, "errors": ["No acting user for this change."]}
                )
                handled += 1
                continue
            change = {
                **row.kwargs,
                "type": row.change_type,
                "table": row.table,
                "channel_id": row.channel_id,
                "user_id": row.user_id,
            }
            client_id, client_rev, digest = row.client_id, row.client_rev, row.payload_digest
            row.delete()
            accepted = Accepted(
                change=change,
                table=row.table,
                change_type=row.change_type,
                rev=client_rev,
                channel_id=row.channel_id,
                user_id=row.user_id,
                digest=digest,
            )
            apply_batch(user=row.created_by, client_id=client_id, session_key=row.session_id, accepted=[accepted])
            handled += 1
    return handled
