"""Serialising writers of the same tree.

PostgreSQL: transaction-scoped advisory locks, one per tree id, taken in ascending id order
so that two transactions locking overlapping sets of trees cannot deadlock. Released at
commit or rollback.

SQLite: the database has a single writer. Transactions begin IMMEDIATE (see settings), so the
write lock is already held when the transaction starts and nothing more is needed here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

TREE_LOCK_CLASS = 1001  # first key of pg_advisory_xact_lock(int, int) for tree locks
TASK_LOCK_CLASS = 1002
JOB_LIVENESS_LOCK_CLASS = 1005  # session-level: held by the process running a job (job_signals)


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def lock_trees(exclusive: Iterable[int] = (), shared: Iterable[int] = ()) -> None:
    """Lock trees for the rest of the current transaction.

    ``exclusive`` trees are about to be restructured; ``shared`` trees are only read (the
    source of a copy) and may be read by others at the same time. A tree in both is locked
    exclusively. Must be called inside ``transaction.atomic``.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Tree locks are transaction-scoped: call lock_trees inside atomic().")
    exclusive_ids = {int(t) for t in exclusive}
    shared_ids = {int(t) for t in shared} - exclusive_ids
    if not is_postgresql():
        return
    with connection.cursor() as cursor:
        for tree_id in sorted(exclusive_ids | shared_ids):
            function = "pg_advisory_xact_lock" if tree_id in exclusive_ids else "pg_advisory_xact_lock_shared"
            cursor.execute(f"SELECT {function}(%s, %s)", [TREE_LOCK_CLASS, _fold(tree_id)])


def lock_key(key: int) -> None:
    """An exclusive transaction-scoped lock on an arbitrary integer key (task de-duplication)."""
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TASK_LOCK_CLASS, _fold(key)])


def _fold(key: int) -> int:
    """Advisory lock keys are signed 32-bit integers."""
    key &= 0xFFFFFFFF
    return key - (1 << 32) if key >= (1 << 31) else key


def is_deadlock(exc: BaseException) -> bool:
    cause = getattr(exc, "__cause__", None)
    return getattr(cause, "pgcode", None) == "40P01"


FEED_CHANNEL_LOCK_CLASS = 1003  # serialises appends to one channel's change feed
FEED_USER_LOCK_CLASS = 1004  # ... and to one user's


def lock_feeds(*, channel_ids: Iterable[str] = (), user_ids: Iterable[int] = ()) -> None:
    """Exclusive transaction-scoped locks on change feeds, taken in a fixed order.

    Whoever appends Change rows to a channel's (or user's) feed holds its lock until commit,
    so rows of one feed become visible in ``server_rev`` order and a poller that saw rev N
    can never later see a smaller rev appear. SQLite needs nothing (one writer at a time).
    """
    if not is_postgresql():
        return
    import zlib

    keys = sorted(
        {(FEED_CHANNEL_LOCK_CLASS, _fold(zlib.crc32(str(c).encode()))) for c in channel_ids if c}
        | {(FEED_USER_LOCK_CLASS, _fold(int(u))) for u in user_ids if u is not None}
    )
    with connection.cursor() as cursor:
        for lock_class, key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [lock_class, key])
