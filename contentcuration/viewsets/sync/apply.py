"""Applying a batch of accepted changes in the request, and logging them.

``apply_batch`` is the one write path of the sync endpoint (and of ``apply_pending_changes``
for stragglers). In ONE transaction it locks the feeds the batch touches, drops changes this
client already submitted (same rev and same content: their stored outcome stands; see
docs/decisions/0004-sync-idempotency-key.md), applies the rest group by group
(consecutive changes of one table and type go to that table's handler in one call), then
appends the batch's Change rows with their outcomes, then the server echoes. Because the
rows are written under the feed locks and only after they were applied, every row a poller
can see is final and feeds grow in ``server_rev`` order: nothing is delivered twice or
skipped (docs/decisions/0001-sync-semantics.md).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from contentcuration.changes import is_unpublishable
from contentcuration.db.bulk import insert_objects, insert_rows
from contentcuration.db.locks import is_deadlock, lock_feeds
from contentcuration.models import Change, Channel, User

from .handlers import get_handler
from .handlers.apply_context import INTERNAL_ERROR, ApplyContext, Outcome
from .scope import check_channel_ids

logger = logging.getLogger(__name__)

# Keys a client may not smuggle into a stored change (they are the server's to set).
RESERVED_KEYS = frozenset(
    {
        "type",
        "table",
        "rev",
        "channel_id",
        "user_id",
        "created_by_id",
        "session_key",
        "applied",
        "unpublishable",
        "errors",
        "server_rev",
        "errored",
    }
)
MAX_ATTEMPTS = 3


@dataclass
class Accepted:
    """One allowed change on its way to the log. ``error`` is set when its envelope was bad
    (unknown type or table, bad rev): it is logged as errored without reaching a handler."""

    change: dict[str, Any]
    table: str
    change_type: int
    rev: int | None
    channel_id: str | None
    user_id: int | None
    error: Any = None
    outcome: Outcome = None
    row: Change | None = field(default=None, repr=False)
    # payload_digest of ``change``; computed by apply_batch unless given (a re-logged row keeps its own).
    digest: str | None = None


def payload_digest(change: dict[str, Any]) -> str:
    """sha256 of a submitted change without its rev: with the client id and the rev, what
    tells a re-post (same content) from another change that reuses the rev."""
    content = {k: v for k, v in change.items() if k != "rev"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def apply_batch(
    *, user: User, client_id: str | None, session_key: str | None, accepted: list[Accepted]
) -> list[Change]:
    """Apply ``accepted`` in order and log them; returns their Change rows, in order.

    Atomic as a whole (a crash leaves nothing, and the client's retry redoes all); each
    change is atomic on its own (one failing change is stored with its errors and does not
    block the others). A change whose ``(client_id, rev, payload digest)`` is already logged
    is not applied again: its stored row is returned. The same rev with other content is a
    new change, applied like any other (two scripts sharing a token, issue 10 item 4).
    Retries on a PostgreSQL deadlock and on a race with a concurrent re-post of the same
    changes.
    """
    if client_id:
        for item in accepted:
            if item.rev is not None and item.digest is None:
                item.digest = payload_digest(item.change)
    for attempt in itertools.count(1):
        try:
            with transaction.atomic():
                return _apply_batch(user, client_id, session_key, accepted)
        except (IntegrityError, OperationalError) as exc:
            if attempt >= MAX_ATTEMPTS or (isinstance(exc, OperationalError) and not is_deadlock(exc)):
                raise
            for item in accepted:
                item.outcome, item.row = None, None
    raise AssertionError("unreachable")


def apply_one(
    *,
    user: User,
    table: str,
    change_type: int,
    key: Any,
    channel_id: str | None = None,
    user_id: int | None = None,
    **fields: Any,
) -> Outcome:
    """Apply one change on behalf of a REST write (``POST /api/channel`` ...): the same
    handler, log row and server echoes as if the user had sent it through ``/api/sync``, so
    watchers learn of it the same way. The caller has authorized it. Returns its outcome
    (None when applied, else the errors)."""
    change = {"type": change_type, "table": table, "key": key, **fields}
    item = Accepted(
        change=change, table=table, change_type=change_type, rev=None, channel_id=channel_id, user_id=user_id
    )
    apply_batch(user=user, client_id=None, session_key=None, accepted=[item])
    return item.outcome


def _apply_batch(user, client_id, session_key, accepted: list[Accepted]) -> list[Change]:
    lock_feeds(
        channel_ids=[a.channel_id for a in accepted],
        user_ids=[a.user_id for a in accepted],
    )
    # A submission is (rev, digest) of this client; rows logged before digests existed
    # (digest null) match their rev whatever the content, as they did then.
    first_of: dict[tuple[int, str | None], Accepted] = {}
    if client_id:
        revs = [a.rev for a in accepted if a.rev is not None]
        known: dict[tuple[int, str | None], Change] = {}
        if revs:
            for row in Change.objects.filter(client_id=client_id, client_rev__in=revs):
                known[(row.client_rev, row.payload_digest)] = row
        for item in accepted:
            if item.rev is None:
                continue
            row = known.get((item.rev, item.digest)) or known.get((item.rev, None))
            if row is not None:
                item.row = row
            else:
                first_of.setdefault((item.rev, item.digest), item)
    # The same submission repeated inside one batch: only its first occurrence is applied.
    repeats = [
        a for a in accepted if a.row is None and a.rev is not None and first_of.get((a.rev, a.digest), a) is not a
    ]
    repeated = {id(a) for a in repeats}
    fresh = [a for a in accepted if a.row is None and id(a) not in repeated]

    check_channel_ids(fresh, user=user)
    ctx = ApplyContext(user=user)
    _dispatch(ctx, fresh)

    existing_channels = set(
        Channel.objects.filter(pk__in={a.channel_id for a in fresh if a.channel_id}).values_list("pk", flat=True)
    )
    existing_users = set(
        User.objects.filter(pk__in={a.user_id for a in fresh if a.user_id}).values_list("pk", flat=True)
    )
    rows = []
    now = timezone.now()
    for item in fresh:
        kwargs = {k: v for k, v in item.change.items() if k not in RESERVED_KEYS}
        if item.outcome is not None:
            kwargs["errors"] = item.outcome
        item.row = Change(
            created_by_id=user.pk,  # not the lazy request.user: its proxy costs ~0.1 ms per row
            created=now,
            channel_id=item.channel_id if item.channel_id in existing_channels else None,
            user_id=item.user_id if item.user_id in existing_users else None,
            client_rev=item.rev,
            client_id=client_id,
            payload_digest=item.digest if client_id and item.rev is not None else None,
            session_id=session_key,
            table=item.table,
            change_type=item.change_type,
            kwargs=kwargs,
            applied=item.outcome is None,
            errored=item.outcome is not None,
            unpublishable=is_unpublishable(item.table, item.change_type),
        )
        rows.append(item.row)
    insert_objects(Change, rows)
    if any(r.server_rev is None for r in rows):  # backends that cannot return ids
        raise RuntimeError("The database did not return server_rev for new changes.")
    for item in repeats:
        item.row = first_of[(item.rev, item.digest)].row

    for index, callback in ctx.after_insert:
        item = fresh[index]
        try:
            with transaction.atomic():
                callback(item.row.server_rev)
        except Exception as exc:  # noqa: BLE001 - an enqueue failure fails that change only
            logger.exception("post-apply step failed for change %s", item.row.server_rev)
            item.row.applied, item.row.errored = False, True
            item.row.kwargs = {**item.row.kwargs, "errors": [str(exc) or "Internal server error"]}
            item.row.save(update_fields=["applied", "errored", "kwargs"])

    if ctx.echoes:
        lock_feeds(channel_ids=[e.channel_id for e in ctx.echoes], user_ids=[e.user_id for e in ctx.echoes])
        now = timezone.now()
        insert_rows(
            Change,
            [
                {
                    "table": e.table,
                    "change_type": 2,
                    "kwargs": {"key": e.key, "mods": e.mods},
                    "channel_id": e.channel_id
                    if e.channel_id in existing_channels or _channel_exists(e.channel_id)
                    else None,
                    "user_id": e.user_id,
                    "created_by_id": e.created_by_id,
                    "applied": True,
                    "unpublishable": e.unpublishable if e.unpublishable is not None else is_unpublishable(e.table, 2),
                    "created": now,
                }
                for e in ctx.echoes
            ],
        )
    return [a.row for a in accepted if a.row is not None]


def _channel_exists(channel_id: str | None) -> bool:
    return bool(channel_id) and Channel.objects.filter(pk=channel_id).exists()


def _dispatch(ctx: ApplyContext, items: list[Accepted]) -> None:
    """Run consecutive changes of the same table and type as one handler call."""
    for item in items:
        if item.error is not None:
            item.outcome = item.error
    valid = [(i, a) for i, a in enumerate(items) if a.error is None]
    pending = [list(g) for _, g in itertools.groupby(valid, key=lambda p: (p[1].table, p[1].change_type))]
    for group in pending:
        table, change_type = group[0][1].table, group[0][1].change_type
        handler = get_handler(table, change_type)
        if handler is None:
            for _, item in group:
                item.outcome = [f"Change type {change_type} not allowed on table {table!r}."]
            continue
        changes = []
        for index, item in group:
            change = dict(item.change)
            change["__index"] = index
            changes.append(change)
        for (_, item), outcome in zip(group, _run_handler(ctx, handler, changes), strict=True):
            item.outcome = outcome


def _run_handler(ctx: ApplyContext, handler, changes: list[dict]) -> list[Outcome]:
    """Call ``handler``; a bug in it costs one change (INTERNAL_ERROR), never the batch."""
    echoes, callbacks = len(ctx.echoes), len(ctx.after_insert)
    try:
        with transaction.atomic():
            outcomes = handler(ctx, changes)
            if len(outcomes) != len(changes):
                raise RuntimeError("handler returned the wrong number of outcomes")
            return outcomes
    except Exception:  # noqa: BLE001
        logger.exception("sync handler %s failed on a group of %d", handler.__name__, len(changes))
        del ctx.echoes[echoes:], ctx.after_insert[callbacks:]
    outcomes: list[Outcome] = []
    for change in changes:
        echoes, callbacks = len(ctx.echoes), len(ctx.after_insert)
        try:
            with transaction.atomic():
                outcomes.append(handler(ctx, [change])[0])
        except Exception:  # noqa: BLE001
            logger.exception("sync handler %s failed", handler.__name__)
            del ctx.echoes[echoes:], ctx.after_insert[callbacks:]
            outcomes.append(INTERNAL_ERROR)
    return outcomes
