"""Asking for a publish: the one rule behind the sync PUBLISHED / PUBLISHED_NEXT change and
the chef API's ``publish_channel``.

The export itself is ``contentcuration.publish`` (run by ``publish_channel_task``); this module
decides whether a request is accepted, with which language, and queues the job.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from contentcuration.changes import record_server_changes
from contentcuration.errors import Conflict, Invalid, NotFound
from contentcuration.jobs import enqueue_job, recover_abandoned_jobs
from contentcuration.models import Channel, ContentNode, Language, User
from contentcuration.models.change_types import CHANNEL, PUBLISHED, PUBLISHED_NEXT, TASK_ID


@transaction.atomic
def request_publish(
    *,
    channel_id: str,
    user: User,
    task: Any,
    version_notes: str = "",
    language: str | None = None,
    draft: bool = False,
    use_staging_tree: bool = False,
    record_changes: bool = True,
    require_notes: bool = False,
) -> str:
    """Accept a request to publish ``channel_id`` (``draft``: the PUBLISHED_NEXT draft, of the
    main or, with ``use_staging_tree``, the staging tree) and queue the job; returns its task id.

    ``task`` is the Celery task that runs the export (``publish.tasks.publish_channel_task``),
    handed in by the adapter: only adapters know task modules (docs/decisions/0011).
    ``language`` defaults to the channel's language. The caller has checked that ``user`` may
    edit the channel. ``require_notes``: blank ``version_notes`` are refused (the browser
    app's publish, ``POST /api/channel/<id>/publish``; Studio's PUBLISHED change and the chef
    API allow none, docs/review-api.md). Raises Invalid (``version_notes`` / ``language``), NotFound, Conflict
    (deleted channel, no staging tree, a publish already running: a ``publishing`` flag whose
    job died is released first). Locks the channel row; atomic; the job's message is sent on
    commit (``enqueue_job``'s outbox).

    Records the request (PUBLISHED or PUBLISHED_NEXT) and then the UPDATED ``__TASK_ID`` watchers
    follow, unless ``record_changes`` is false: the sync endpoint logs the client's own change
    and echoes the task id after it.
    """
    if not isinstance(version_notes, str):
        raise Invalid("Not a valid string.", field="version_notes")
    if require_notes and not version_notes.strip():
        raise Invalid("Version notes are required: say what changed in this version.", field="version_notes")
    if language is not None and (not isinstance(language, str) or not Language.objects.filter(pk=language).exists()):
        raise Invalid(f'Invalid pk "{language}" - object does not exist.', field="language")
    channel = Channel.objects.select_for_update().filter(pk=channel_id).first()
    if channel is None:
        raise NotFound("Not found")
    if channel.deleted:
        raise Conflict("Cannot publish a deleted channel")
    use_staging_tree = bool(use_staging_tree) and draft
    if use_staging_tree and channel.staging_tree_id is None:
        raise Conflict("Channel has no staging tree")
    if not draft and ContentNode.objects.filter(pk=channel.main_tree_id, publishing=True).exists():
        # The flag of a publish whose worker died is released here, not refused forever.
        recover_abandoned_jobs(channel_ids=[channel.pk])
        if ContentNode.objects.filter(pk=channel.main_tree_id, publishing=True).exists():
            raise Conflict("Channel is already publishing")
    language = language or channel.language_id
    task_id = enqueue_job(
        task,
        kwargs={
            "channel_id": channel.pk,
            "user_id": user.pk,
            "version_notes": version_notes,
            "language": language,
            "draft": draft,
            "use_staging_tree": use_staging_tree,
        },
        user_id=user.pk,
        channel_id=channel.pk,
    )
    if record_changes:
        request = {"version_notes": version_notes, "language": language}
        if draft:
            request["use_staging_tree"] = use_staging_tree
        record_server_changes(
            [
                # Logged final ("accepted and queued"), as the sync endpoint logs a PUBLISHED
                # change: the job's outcome is announced by new server changes.
                dict(
                    table=CHANNEL,
                    key=channel.pk,
                    change_type=PUBLISHED_NEXT if draft else PUBLISHED,
                    channel_id=channel.pk,
                    created_by_id=user.pk,
                    **request,
                ),
                dict(
                    table=CHANNEL,
                    key=channel.pk,
                    mods={TASK_ID: task_id},
                    channel_id=channel.pk,
                    created_by_id=user.pk,
                    unpublishable=True,
                ),
            ]
        )
    return task_id
