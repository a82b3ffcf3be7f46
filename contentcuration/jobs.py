"""Background jobs: enqueue (de-duplicated), report progress, cancel.

Adapters enqueue through ``enqueue_job`` only; it records a ``TaskMetadata`` row and sends
the Celery message on commit, so a worker never sees a job whose triggering transaction
rolled back. Workers receive ids (plain JSON kwargs), never request objects, and call
``report_progress`` as they go; it raises ``JobCancelled`` once a cancel was requested, so a
long job stops at its next progress report and its transaction rolls back. Work that runs
inside ONE long transaction reports through ``progress_in_transaction`` instead, whose
writes and reads bypass that transaction (``db.job_signals``; decision 0003).

On SQLite a cancel request of a running job is a marker file (the running job may hold the
write lock); when the job ends it becomes the ``cancel_requested`` column (``task_postrun``
below).

Status comes from django-celery-results' ``TaskResult`` (STARTED, SUCCESS, FAILURE, REVOKED);
a job with metadata but no result yet is queued.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from celery import states
from celery.signals import task_postrun
from django.db import transaction
from django_celery_results.models import TaskResult

from .db import job_signals
from .db.locks import lock_key
from .models import TaskMetadata

FINISHED_STATES = frozenset({states.SUCCESS, states.FAILURE, states.REVOKED})


class JobCancelled(Exception):
    """Raised inside a job when its cancellation was requested."""


def job_signature(name: str, kwargs: dict[str, Any], channel_id: str | None) -> str:
    payload = json.dumps({"name": name, "kwargs": kwargs, "channel": channel_id}, sort_keys=True, default=str)
    return hashlib.md5(payload.encode()).hexdigest()


def enqueue_job(task, *, kwargs: dict[str, Any], user_id: int | None, channel_id: str | None = None) -> str:
    """Queue ``task`` with ``kwargs`` unless the same job is already queued or running.

    Returns the task id (the existing one for a duplicate). The Celery message is sent when
    the surrounding transaction commits.
    """
    signature = job_signature(task.name, kwargs, channel_id)
    with transaction.atomic():
        lock_key(zlib.crc32(signature.encode()))
        for existing in TaskMetadata.objects.filter(signature=signature).order_by("-date_created"):
            status = TaskResult.objects.filter(task_id=existing.task_id).values_list("status", flat=True).first()
            if status not in FINISHED_STATES and not is_cancel_requested(existing):
                return existing.task_id
        task_id = uuid.uuid4().hex
        TaskMetadata.objects.create(
            task_id=task_id, task_name=task.name, user_id=user_id, channel_id=channel_id, signature=signature
        )
        transaction.on_commit(lambda: task.apply_async(kwargs=kwargs, task_id=task_id))
    return task_id


def report_progress(task_id: str | None, progress: float, *, cancellable: bool = True) -> None:
    """Record ``progress`` (0-100) of a running job; raise JobCancelled if it was cancelled
    (unless ``cancellable`` is False: the job is past the point where stopping helps).

    Writes in its own autocommit statement when called outside a transaction, so watchers
    see it at once. ``task_id`` None (a job run inline, e.g. from a management command) only
    skips the bookkeeping.
    """
    if not task_id:
        return
    TaskMetadata.objects.filter(task_id=task_id).update(progress=_percent(progress))
    if cancellable and (
        TaskMetadata.objects.filter(task_id=task_id, cancel_requested=True).exists()
        or job_signals.cancel_marker_exists(task_id)
    ):
        raise JobCancelled(f"Task {task_id} was cancelled.")


@contextmanager
def progress_in_transaction(task_id: str | None) -> Iterator[Callable[[float], None]]:
    """A progress callback for work that runs inside one long transaction
    (``tree.copy_subtree(on_progress=...)``).

    Each call records the progress where watchers see it at once and raises JobCancelled
    when a cancel was requested, without going through the job's connection (whose writes
    are invisible until commit): a second, autocommit connection on PostgreSQL; on SQLite,
    which has one writer, only the cancel marker is read and progress is not recorded until
    the transaction ends. The second connection is closed on exit.
    """
    if not task_id:
        yield lambda progress: None
        return
    with job_signals.progress_channel(task_id) as channel:

        def on_progress(progress: float) -> None:
            if channel.report(_percent(progress)):
                raise JobCancelled(f"Task {task_id} was cancelled.")

        yield on_progress


def request_cancel(task_id: str) -> bool:
    """Ask a job to stop. A queued job is revoked; a running one stops at its next progress
    report. Returns False when there is no such job or it already finished.

    Never waits for the job: on SQLite a running job may hold the write lock for the whole
    of its transaction, so its cancel request is a marker file, not a row update.
    """
    from .celery import app

    metadata = TaskMetadata.objects.filter(task_id=task_id).first()
    if metadata is None:
        return False
    status = TaskResult.objects.filter(task_id=task_id).values_list("status", flat=True).first()
    if status in FINISHED_STATES:
        return False
    if status is not None and job_signals.needs_cancel_marker():
        job_signals.write_cancel_marker(task_id)
        return True
    TaskMetadata.objects.filter(task_id=task_id).update(cancel_requested=True)
    if status is None:
        app.control.revoke(task_id)
    return True


def is_cancel_requested(metadata: TaskMetadata) -> bool:
    """Whether the job was asked to stop (the column, or on SQLite a marker not yet folded in)."""
    return metadata.cancel_requested or job_signals.cancel_marker_exists(metadata.task_id)


def job_status(task_id: str) -> str:
    """PENDING (queued), STARTED, SUCCESS, FAILURE or REVOKED."""
    status = TaskResult.objects.filter(task_id=task_id).values_list("status", flat=True).first()
    return status or states.PENDING


def _percent(progress: float) -> int:
    return max(0, min(100, int(progress)))


@task_postrun.connect
def _fold_in_cancel_marker(task_id: str | None = None, **kwargs: Any) -> None:
    """When a job ends (its transaction over), turn its SQLite cancel marker into the column."""
    if task_id and job_signals.cancel_marker_exists(task_id):
        TaskMetadata.objects.filter(task_id=task_id).update(cancel_requested=True)
        job_signals.remove_cancel_marker(task_id)
