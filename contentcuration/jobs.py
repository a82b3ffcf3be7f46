"""Background jobs: enqueue (de-duplicated), report progress, cancel, recover from crashes.

Adapters enqueue through ``enqueue_job`` only; it records a ``TaskMetadata`` row and sends
the Celery message on commit, so a worker never sees a job whose triggering transaction
rolled back. The row is an outbox entry (decision 0008): when the broker cannot take the
message, the request that queued the job still succeeds and ``send_unsent_jobs`` (run by
every worker at start-up and every ``JOB_SWEEP_SECONDS``) sends it later. A message can
thus arrive twice; ``Job`` runs it once.

Every long job's task has ``base=Job``: while it runs, its process holds the job's liveness
lock (``db.job_signals``), released by the OS or the database when that process dies.
``recover_abandoned_jobs`` finds jobs started and never finished whose lock is free, marks
them FAILURE and calls the task's ``abandoned`` to undo what they left (a publish's flag
and scratch files, a copy's placeholder status) and tell watchers, as the task's own
failure path would have. It runs at worker start-up, on every sweep, and wherever a live
job matters: the sync ``tasks`` list, a new request for the same job, a refused publish.

Workers receive ids (plain JSON kwargs), never request objects, and call
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
import logging
import threading
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from celery import Task, states
from celery.exceptions import Ignore
from celery.signals import task_postrun, worker_ready, worker_shutdown
from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone
from django_celery_results.models import TaskResult

from .db import job_signals
from .db.locks import lock_key
from .models import TaskMetadata

log = logging.getLogger(__name__)

FINISHED_STATES = frozenset({states.SUCCESS, states.FAILURE, states.REVOKED})
# A job queued less than this long ago may still be on its way (its on-commit send has not
# run yet): the sweep leaves it alone, so a duplicate message is the exception.
UNSENT_GRACE = timedelta(seconds=10)
ABANDONED_MESSAGE = (
    "The worker running this job stopped before the job finished (the process was killed or "
    "crashed). Nothing it did was kept; start it again."
)


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
        # A "running" duplicate whose worker died must not be reused: recover it first.
        if TaskMetadata.objects.filter(
            signature=signature, started_at__isnull=False, finished_at__isnull=True
        ).exists():
            recover_abandoned_jobs(channel_ids=[channel_id] if channel_id else None)
        for existing in TaskMetadata.objects.filter(signature=signature).order_by("-date_created"):
            status = TaskResult.objects.filter(task_id=existing.task_id).values_list("status", flat=True).first()
            if status not in FINISHED_STATES and not is_cancel_requested(existing):
                return existing.task_id
        task_id = uuid.uuid4().hex
        TaskMetadata.objects.create(
            task_id=task_id,
            task_name=task.name,
            user_id=user_id,
            channel_id=channel_id,
            signature=signature,
            kwargs=kwargs,
        )
        transaction.on_commit(lambda: _send(task, task_id=task_id, kwargs=kwargs))
    return task_id


def _send(task, *, task_id: str, kwargs: dict[str, Any]) -> bool:
    """Hand the message to the broker and record it sent; False (logged, never raised) when
    the broker is unreachable: the row stays unsent and ``send_unsent_jobs`` retries."""
    try:
        task.apply_async(kwargs=kwargs, task_id=task_id)
    except Exception:  # noqa: BLE001 - kombu OperationalError, a timeout, a refused connection
        log.warning("job %s (%s) could not be sent; a worker's sweep will send it", task_id, task.name, exc_info=True)
        return False
    TaskMetadata.objects.filter(task_id=task_id, sent_at__isnull=True).update(sent_at=timezone.now())
    return True


def send_unsent_jobs(*, older_than: timedelta = UNSENT_GRACE) -> list[str]:
    """Send the jobs whose message the broker never took (queued at least ``older_than``
    ago, not cancelled, not started); returns their ids. Stops at the first failure: the
    broker is still down and the next sweep tries again."""
    from .celery import app

    app.loader.import_default_modules()
    sent = []
    unsent = TaskMetadata.objects.filter(
        sent_at__isnull=True,
        started_at__isnull=True,
        finished_at__isnull=True,
        cancel_requested=False,
        date_created__lte=timezone.now() - older_than,
    ).order_by("date_created")
    for metadata in unsent:
        task = app.tasks.get(metadata.task_name)
        if task is None:
            log.error("job %s: unknown task %s, not sent", metadata.task_id, metadata.task_name)
            continue
        if not _send(task, task_id=metadata.task_id, kwargs=metadata.kwargs):
            break
        sent.append(metadata.task_id)
    return sent


class Job(Task):
    """Base class of every long job (``@shared_task(base=Job, ...)``).

    A run of a job queued through ``enqueue_job`` holds the job's liveness lock and stamps
    ``started_at`` / ``finished_at``. A second delivery of the same message (the outbox
    sends at least once, Redis re-delivers after a crash) is dropped: the job already ran,
    runs, or was given up as crashed. Subclasses override ``abandoned``.
    """

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        task_id = self.request.id
        if not task_id or not TaskMetadata.objects.filter(task_id=task_id).exists():
            return super().__call__(*args, **kwargs)  # not queued through enqueue_job
        with job_signals.hold_liveness(task_id) as held:
            started = held and TaskMetadata.objects.filter(
                task_id=task_id, started_at__isnull=True, finished_at__isnull=True
            ).update(started_at=timezone.now())
            if not started:
                log.warning("job %s was delivered again after it started; this delivery is dropped", task_id)
                raise Ignore()
            try:
                return super().__call__(*args, **kwargs)
            finally:
                TaskMetadata.objects.filter(task_id=task_id).update(finished_at=timezone.now())

    def abandoned(self, metadata: TaskMetadata) -> None:
        """Undo what a run that died mid-way left behind and tell watchers, as the task's own
        failure path would have. Runs in whichever process detected the crash."""


def recover_abandoned_jobs(*, channel_ids: Iterable[str] | None = None) -> list[str]:
    """Find jobs that started and never finished whose process is gone (of ``channel_ids``
    only, when given); mark each FAILURE and call its task's ``abandoned``. Returns their ids.

    Safe to run anywhere, any number of times at once: each job is handled under its
    liveness lock and only by the caller that stamps its ``finished_at``.
    """
    from .celery import app

    running = TaskMetadata.objects.filter(started_at__isnull=False, finished_at__isnull=True)
    if channel_ids is not None:
        running = running.filter(channel_id__in=list(channel_ids))
    recovered = []
    for task_id in list(running.values_list("task_id", flat=True)):
        with job_signals.claim_if_abandoned(task_id) as abandoned:
            if not abandoned:
                continue
            with transaction.atomic():
                if not TaskMetadata.objects.filter(task_id=task_id, finished_at__isnull=True).update(
                    finished_at=timezone.now()
                ):
                    continue  # it ended normally meanwhile, or another sweep took it
                metadata = TaskMetadata.objects.get(task_id=task_id)
                log.error("job %s (%s) was abandoned by its worker; reporting it failed", task_id, metadata.task_name)
                _store_failure(app, task_id, ABANDONED_MESSAGE)
                app.loader.import_default_modules()
                task = app.tasks.get(metadata.task_name)
                if isinstance(task, Job):
                    task.abandoned(metadata)
            job_signals.remove_cancel_marker(task_id)
            recovered.append(task_id)
    return recovered


class WorkerLost(Exception):
    """A job's worker died before the job finished (``kill -9``, a crash, a reboot). Ours, not
    Celery's WorkerLostError, so the message reaches every watcher (feed.task_message shows
    the messages of our own errors to non-admins)."""


def _store_failure(app, task_id: str, message: str) -> None:
    """Record the job FAILURE as the worker would have (keeping what the row says of it)."""
    content_type, content_encoding, result = app.backend.encode_content(
        app.backend.prepare_exception(WorkerLost(message))
    )
    TaskResult.objects.update_or_create(
        task_id=task_id,
        defaults={
            "status": states.FAILURE,
            "result": result,
            "content_type": content_type,
            "content_encoding": content_encoding,
            "traceback": message,
            "date_done": timezone.now(),
        },
    )


def sweep_jobs() -> None:
    """Recover crashed jobs and send unsent ones; errors are logged (the next sweep retries)."""
    close_old_connections()
    try:
        recover_abandoned_jobs()
        send_unsent_jobs()
    except Exception:  # noqa: BLE001 - a sweep must not take the worker down
        log.exception("job sweep failed")
    finally:
        close_old_connections()


_sweeper_stop = threading.Event()
_sweeper: threading.Thread | None = None


@worker_ready.connect
def _sweep_on_worker_start(**kwargs: Any) -> None:
    """A starting worker runs nothing yet: any job left started belongs to a dead process
    (this worker's previous life, or another's); then sweep every JOB_SWEEP_SECONDS."""
    global _sweeper
    sweep_jobs()
    interval = settings.JOB_SWEEP_SECONDS
    if interval <= 0 or (_sweeper is not None and _sweeper.is_alive()):
        return
    _sweeper_stop.clear()

    def sweep_forever() -> None:
        while not _sweeper_stop.wait(interval):
            sweep_jobs()

    _sweeper = threading.Thread(target=sweep_forever, name="job-sweeper", daemon=True)
    _sweeper.start()


@worker_shutdown.connect
def _stop_sweeping(**kwargs: Any) -> None:
    _sweeper_stop.set()


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
    with job_signals.progress_channel(task_id, table=TaskMetadata._meta.db_table) as channel:

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
    if metadata.cancel_requested or job_signals.cancel_marker_exists(metadata.task_id):
        return True
    # The marker may have been folded in after ``metadata`` was read (the column is set
    # before the marker goes): read the column again.
    return job_signals.needs_cancel_marker() and (
        TaskMetadata.objects.filter(pk=metadata.pk, cancel_requested=True).exists()
    )


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
