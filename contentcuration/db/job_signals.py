"""Job progress and cancel requests that cross a job's long transaction.

A job whose work is one transaction (``tree.copy_subtree`` of a large subtree) must show its
progress to watchers and learn of a cancel request *while* that transaction runs. Neither can
go through the job's own connection: what it writes there is invisible until commit, and
what it reads there is the same row it read before (or stale).

PostgreSQL: ``progress_channel`` opens a second connection in autocommit mode; each report is
one statement that writes ``TaskMetadata.progress`` and returns ``cancel_requested``. Cancel
requests are the ordinary column, written by the web process without waiting for anything.

SQLite: the job's transaction holds the database's only write lock, so no other connection
can write until it commits: not a second connection of the job, and not the web process
recording a cancel request (it would wait for the copy it wants to stop). A cancel request of
a running job is therefore a file in a folder next to the database file (every process using
the database can reach it, as they reach the database). Progress is not written while the
transaction runs: watchers see it jump when it commits. Reads through a second connection
would see only committed data, so they would add nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connection, connections

from .locks import JOB_LIVENESS_LOCK_CLASS, _fold, is_postgresql

# A lock held by a machine that dropped off the network is released after about
# idle + interval * count seconds (PostgreSQL's defaults follow the OS: two hours).
KEEPALIVE_SQL = "SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3"


class ProgressChannel:
    """Writes progress of one job and reads its cancel flag outside the job's transaction."""

    def __init__(self, task_id: str, *, table: str) -> None:
        self.task_id = task_id
        self.table = table  # TaskMetadata's: db/ sits below models/ and imports none
        self._connection = connections.create_connection(DEFAULT_DB_ALIAS) if is_postgresql() else None

    def report(self, progress: int) -> bool:
        """Record ``progress`` (PostgreSQL only); True when a cancel was requested."""
        if self._connection is None:
            return cancel_marker_exists(self.task_id)
        table = self._connection.ops.quote_name(self.table)
        with self._connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET progress = %s WHERE task_id = %s RETURNING cancel_requested",
                [progress, self.task_id],
            )
            row = cursor.fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


@contextlib.contextmanager
def progress_channel(task_id: str, *, table: str) -> Iterator[ProgressChannel]:
    """A ``ProgressChannel`` for ``task_id``'s row of ``table``, closed (its connection too) on exit."""
    channel = ProgressChannel(task_id, table=table)
    try:
        yield channel
    finally:
        channel.close()


def needs_cancel_marker() -> bool:
    """True where a running job may hold a write lock that a cancel request must not wait for."""
    return not is_postgresql()


def write_cancel_marker(task_id: str) -> None:
    path = _marker(task_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def cancel_marker_exists(task_id: str) -> bool:
    return needs_cancel_marker() and _marker(task_id).exists()


def remove_cancel_marker(task_id: str) -> None:
    if needs_cancel_marker():
        _marker(task_id).unlink(missing_ok=True)


def _marker(task_id: str) -> Path:
    database = Path(connection.settings_dict["NAME"])
    # Task ids are Celery's (uuid hex here); keep the file name inside the folder regardless.
    return database.with_name(f"{database.name}-cancelled-jobs") / Path(str(task_id)).name


# --- liveness ------------------------------------------------------------------------------


@contextlib.contextmanager
def hold_liveness(task_id: str) -> Iterator[bool]:
    """Hold ``task_id``'s liveness lock while the block runs; yields False (and holds nothing)
    when another process holds it already (the same job delivered twice, or a sweep
    recovering it)."""
    if is_postgresql():
        holder = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with holder.cursor() as cursor:
                cursor.execute(KEEPALIVE_SQL)
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [JOB_LIVENESS_LOCK_CLASS, _liveness_key(task_id)])
                held = bool(cursor.fetchone()[0])
            yield held
        finally:
            holder.close()  # ends the session: the lock goes with it
        return
    path = _liveness_file(task_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    with _flocked(fd, path) as held:
        yield held


@contextlib.contextmanager
def claim_if_abandoned(task_id: str) -> Iterator[bool]:
    """Yields True, holding the job's liveness lock for the block, when no live process
    holds it (the job's process died, or the job ended); False while the job runs.

    The caller must check again under the lock that the job did not end meanwhile.
    """
    if is_postgresql():
        key = [JOB_LIVENESS_LOCK_CLASS, _liveness_key(task_id)]
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
            claimed = bool(cursor.fetchone()[0])
        try:
            yield claimed
        finally:
            if claimed:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
        return
    path = _liveness_file(task_id)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:  # the job ended (it removes the file), or this disk was wiped
        yield True
        return
    with _flocked(fd, path) as held:
        yield held


@contextlib.contextmanager
def _flocked(fd: int, path: Path) -> Iterator[bool]:
    """SQLite's liveness lock on the open file ``fd``: yields True holding an exclusive flock
    (the file is removed when the block ends), False when another process holds it. Closes
    ``fd``."""
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            path.unlink(missing_ok=True)
    finally:
        os.close(fd)


def _liveness_key(task_id: str) -> int:
    return _fold(zlib.crc32(str(task_id).encode()))


def _liveness_file(task_id: str) -> Path:
    database = Path(connection.settings_dict["NAME"])
    return database.with_name(f"{database.name}-running-jobs") / Path(str(task_id)).name
