"""What a poll returns: applied changes the client has not seen, its own outcomes, tasks.

Rows are only ever appended final (applied or errored) and under the feed locks, so a
prefix of the rows ordered by ``server_rev`` is complete: returning the first
CHANGE_RETURN_LIMIT rows of the union of everything this client should get keeps every
high-water mark the browser derives from them safe (spec 2.8's "missed change" cannot
happen; see docs/decisions/0001-sync-semantics.md). The prefix is also cut once it holds
CHANGE_RETURN_MAX_BYTES of changes (at least one row, so a client always advances): the
client's marks advance to the last row returned and its next poll continues from there,
exactly as after a 200-row answer.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db.models import Q
from django_celery_results.models import TaskResult

from contentcuration import jobs
from contentcuration.changes import serialize_change
from contentcuration.limits import json_size
from contentcuration.models import Change, TaskMetadata, User

CHANGE_RETURN_LIMIT = 200
# One viewer's poll once returned 105 MB (a 20 MB description in several changes); rows
# are read a few at a time so a cut-off answer never loads the rest.
CHANGE_RETURN_MAX_BYTES = 2 * 1024 * 1024
_ROWS_PER_READ = 20
REPORTED_TASK_STATES = ("STARTED", "FAILURE")


def collect_changes(
    *,
    user: User,
    client_id: str | None,
    channel_revs: dict[str, int],
    user_rev: int,
    own_revs: set[int],
) -> dict[str, list[dict[str, Any]]]:
    """``changes`` (others'), ``successes`` and ``errors`` (this client's), in server_rev order.

    ``channel_revs`` must already be restricted to channels the user may view. ``own_revs``
    are server_revs of this client's changes to report whatever the marks say (the
    request's ``unapplied_revs`` plus the batch just applied).
    """
    relevant = Q(applied=True)
    if client_id:
        relevant |= Q(errored=True, client_id=client_id)
    watch = Q(user_id=user.pk, server_rev__gt=user_rev)
    for channel_id, rev in channel_revs.items():
        watch |= Q(channel_id=channel_id, server_rev__gt=rev)
    query = watch & relevant
    if own_revs and client_id:
        query |= Q(client_id=client_id, server_rev__in=own_revs) & (Q(applied=True) | Q(errored=True))
    rows = Change.objects.filter(query).order_by("server_rev")[:CHANGE_RETURN_LIMIT]
    result: dict[str, list] = {"changes": [], "successes": [], "errors": []}
    size = 0
    for row in rows.iterator(chunk_size=_ROWS_PER_READ):
        mine = client_id is not None and row.client_id == client_id
        if row.errored and not mine:
            continue
        serialized = serialize_change(row)
        size += json_size(serialized)
        if size > CHANGE_RETURN_MAX_BYTES and any(result.values()):
            break  # the rows so far are a complete prefix; the next poll starts after them
        if row.errored:
            result["errors"].append(serialized)
        elif mine:
            result["successes"].append(serialized)
        else:
            result["changes"].append(serialized)
    return result


def task_message(result: TaskResult, *, user: User) -> str | None:
    """What ``user`` is told about a job's failure, in the ``traceback`` field.

    Admins get the traceback. Everyone else (viewers included) gets the message of the
    exception when it is one of ours, written for users ("The channel has no imported content
    to sync."), else only its type: a traceback shows server paths and code.
    """
    if result.status != "FAILURE" or not result.traceback or user.is_admin:
        return result.traceback
    try:
        failure = json.loads(result.result or "{}")
    except (TypeError, ValueError):
        failure = {}
    if not isinstance(failure, dict):
        failure = {}
    exc_type = str(failure.get("exc_type") or "Error")
    if str(failure.get("exc_module") or "").startswith("contentcuration"):
        message = failure.get("exc_message")
        if isinstance(message, list):
            message = " ".join(str(part) for part in message)
        if message:
            return f"{exc_type}: {message}"
    return f"The task failed ({exc_type}). An administrator can see the details."


def collect_tasks(*, channel_ids: list[str], user: User) -> list[dict[str, Any]]:
    """Running and failed background jobs of the watched channels (spec 2.8); failures
    described as ``task_message`` tells ``user``. A job shown running whose worker died is
    reported failed (``jobs.recover_abandoned_jobs``)."""
    if not channel_ids:
        return []
    if TaskMetadata.objects.filter(
        channel_id__in=channel_ids, started_at__isnull=False, finished_at__isnull=True
    ).exists():
        jobs.recover_abandoned_jobs(channel_ids=channel_ids)
    metadata = {m.task_id: m for m in TaskMetadata.objects.filter(channel_id__in=channel_ids)}
    if not metadata:
        return []
    results = TaskResult.objects.filter(task_id__in=list(metadata), status__in=REPORTED_TASK_STATES)
    tasks = []
    for result in results.order_by("date_created"):
        meta = metadata[result.task_id]
        tasks.append(
            {
                "task_id": result.task_id,
                "task_name": meta.task_name,
                "traceback": task_message(result, user=user),
                "progress": 100 if result.status == "SUCCESS" else meta.progress,
                "channel_id": str(uuid.UUID(meta.channel_id)) if meta.channel_id else None,
                "status": result.status,
            }
        )
    return tasks
