"""Celery adapter for publishing: authorise, call ``publish_channel``, announce the outcome.

The sync engine (and the chef API) enqueue ``publish_channel_task`` through
``jobs.enqueue_job`` for a PUBLISHED or PUBLISHED_NEXT change, which is logged final
("accepted and queued") before the job runs. The task never rewrites that row: a row that
changed after watchers passed its ``server_rev`` is the "missed change" the feed must not
have (docs/decisions/0001). The outcome reaches watchers as new server changes (the
publisher's ``{publishing: false, ...}`` results, ``{__TASK_ID: null}``), and a failed or
cancelled job, with its error, appears in the sync response's ``tasks``. A job whose worker
died mid-way is found by ``jobs.recover_abandoned_jobs``, which calls ``PublishJob.abandoned``:
the same announcements, the flag released, the scratch folder removed.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task, states
from celery.exceptions import Ignore

from ..changes import record_server_change
from ..jobs import Job, JobCancelled, report_progress
from ..models import Channel, TaskMetadata, User
from ..models.change_types import CHANNEL, TASK_ID
from .failures import PublishError
from .publisher import publish_channel, release_abandoned_publish, remove_scratch

log = logging.getLogger(__name__)


class PublishJob(Job):
    abstract = True

    def abandoned(self, metadata: TaskMetadata) -> None:
        kwargs = metadata.kwargs or {}
        channel_id = kwargs.get("channel_id") or metadata.channel_id
        remove_scratch(job_id=metadata.task_id)
        if not channel_id:
            return
        if not kwargs.get("draft"):
            # Drafts never hold the flag; another live (non-draft) publish of the channel does.
            others = TaskMetadata.objects.filter(
                task_name=self.name, channel_id=channel_id, started_at__isnull=False, finished_at__isnull=True
            ).exclude(task_id=metadata.task_id)
            if not any(not (other.kwargs or {}).get("draft") for other in others):
                release_abandoned_publish(channel_id=channel_id)
        record_server_change(
            table=CHANNEL, key=channel_id, mods={TASK_ID: None}, channel_id=channel_id, unpublishable=True
        )


@shared_task(bind=True, base=PublishJob, name="contentcuration.publish.tasks.publish_channel_task")
def publish_channel_task(
    self,
    *,
    channel_id: str,
    user_id: int | None,
    version_notes: str = "",
    language: str | None = None,
    draft: bool = False,
    use_staging_tree: bool = False,
) -> dict[str, Any]:
    task_id = self.request.id
    user = User.objects.filter(pk=user_id).first() if user_id else None
    if user is None or not Channel.objects.editable_by(user).filter(pk=channel_id).exists():
        raise PublishError(f"User {user_id} may not publish channel {channel_id}.")
    record_server_change(
        table=CHANNEL, key=channel_id, mods={TASK_ID: task_id}, channel_id=channel_id, unpublishable=True
    )
    try:
        result = publish_channel(
            channel_id=channel_id,
            user=user,
            version_notes=version_notes or "",
            language=language,
            draft=draft,
            use_staging_tree=use_staging_tree,
            progress=lambda p: report_progress(task_id, p),
            job_id=task_id,
        )
    except JobCancelled:
        self.update_state(state=states.REVOKED)
        raise Ignore() from None
    except PublishError:
        raise  # the message names what is wrong; the failed job shows it in ``tasks``
    except Exception:
        log.exception("publish of channel %s failed", channel_id)
        raise
    finally:
        record_server_change(
            table=CHANNEL, key=channel_id, mods={TASK_ID: None}, channel_id=channel_id, unpublishable=True
        )
    return result.as_dict()
