"""Celery tasks of the sync endpoint: large copies, channel sync, and applying stragglers.

Workers receive ids and plain values, never request objects. Completion is announced to
watchers with server changes (spec 2.9: ``__COPYING_STATUS``, ``__TASK_ID``); so is the end
of a job whose worker died mid-way (``abandoned``, called by ``jobs.recover_abandoned_jobs``).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from contentcuration import jobs, tree
from contentcuration.changes import record_server_change
from contentcuration.channels.source_sync import SyncError, SyncOptions, sync_channel_from_sources
from contentcuration.models import Channel, ContentNode, TaskMetadata, User
from contentcuration.models.change_types import CHANNEL, COPYING_STATUS, TASK_ID

logger = logging.getLogger(__name__)


class CopyJob(jobs.Job):
    abstract = True

    def abandoned(self, metadata: TaskMetadata) -> None:
        # The copy was one transaction: the database rolled it back when the process died.
        kwargs = metadata.kwargs or {}
        if not kwargs.get("new_id"):
            return
        record_server_change(
            table="contentnode",
            key=kwargs["new_id"],
            mods={COPYING_STATUS: "FAILED", TASK_ID: None},
            channel_id=kwargs.get("channel_id"),
            created_by_id=kwargs.get("user_id"),
            unpublishable=True,
        )


class SyncJob(jobs.Job):
    abstract = True

    def abandoned(self, metadata: TaskMetadata) -> None:
        # Committed batches stay (as after a cancel); watchers learn the job is over.
        channel_id = (metadata.kwargs or {}).get("channel_id") or metadata.channel_id
        if channel_id:
            record_server_change(
                table=CHANNEL, key=channel_id, mods={TASK_ID: None}, channel_id=channel_id, unpublishable=True
            )


@shared_task(bind=True, base=CopyJob, name="copy_nodes_task")
def copy_nodes_task(
    self,
    *,
    user_id: int,
    channel_id: str | None,
    source_id: str,
    target_id: str,
    position: str,
    new_id: str,
    excluded_node_ids: list[str],
    mods: dict[str, Any],
    can_edit_source: bool,
) -> str:
    """Copy a large subtree (tree.copy_subtree, one transaction) and announce the outcome.

    The copy reports progress between its batches (jobs.progress_in_transaction: visible to
    watchers while the transaction runs, on PostgreSQL) and stops at the next report after a
    cancel request (jobs.request_cancel); it either lands whole or not at all. A failed or
    cancelled copy is announced as ``__COPYING_STATUS: FAILED`` and the task ends FAILURE
    (JobCancelled). Permissions are checked again here: the user may have lost access since
    the change was accepted.
    """
    task_id = self.request.id
    try:
        jobs.report_progress(task_id, 0)
        user = User.objects.get(pk=user_id)
        if not ContentNode.objects.editable_by(user).filter(pk=target_id).exists():
            raise tree.NodeNotFound("The copy target is no longer editable.")
        if not ContentNode.objects.viewable_by(user).filter(pk=source_id).exists():
            raise tree.NodeNotFound("The copy source is no longer visible.")
        with jobs.progress_in_transaction(task_id) as on_progress:
            copy = tree.copy_subtree(
                source=source_id,
                target=target_id,
                position=position,
                new_id=new_id,
                excluded_node_ids=excluded_node_ids,
                mods=mods,
                can_edit_source=can_edit_source,
                on_progress=on_progress,
            )
        # Committed: a cancel arriving now is too late, and must not report the copy FAILED.
        jobs.report_progress(task_id, 100, cancellable=False)
    except Exception:
        record_server_change(
            table="contentnode",
            key=new_id,
            mods={COPYING_STATUS: "FAILED", TASK_ID: None},
            channel_id=channel_id,
            created_by_id=user_id,
            unpublishable=True,
        )
        raise
    record_server_change(
        table="contentnode",
        key=new_id,
        mods={COPYING_STATUS: "SUCCESS", "node_id": copy.node_id, TASK_ID: None},
        channel_id=channel_id,
        created_by_id=user_id,
        unpublishable=True,
    )
    return copy.pk


@shared_task(bind=True, base=SyncJob, name="sync_channel_task")
def sync_channel_task(
    self,
    *,
    user_id: int,
    channel_id: str,
    titles_and_descriptions: bool = False,
    resource_details: bool = False,
    files: bool = False,
    assessment_items: bool = False,
) -> dict[str, Any]:
    """Pull updates from the source channels of ``channel_id``'s imported nodes
    (source_sync.sync_channel_from_sources) and announce the end of the job.

    Permissions are checked again here: the user may have lost access since the change was
    accepted. Fails (and the sync ``tasks`` list shows it) when the channel is deleted or has
    no imported content. A cancel stops it at the next batch; committed batches stay.
    """
    task_id = self.request.id
    try:
        user = User.objects.get(pk=user_id)
        if not Channel.objects.editable_by(user).filter(pk=channel_id).exists():
            raise SyncError("The channel is no longer editable.")
        result = sync_channel_from_sources(
            channel_id=channel_id,
            options=SyncOptions(
                titles_and_descriptions=titles_and_descriptions,
                resource_details=resource_details,
                files=files,
                assessment_items=assessment_items,
            ),
            actor_id=user_id,
            progress=lambda p: jobs.report_progress(task_id, p),
            task_id=task_id,
        )
    finally:
        record_server_change(
            table=CHANNEL,
            key=channel_id,
            mods={TASK_ID: None},
            channel_id=channel_id,
            unpublishable=True,
        )
    return result.as_dict()
