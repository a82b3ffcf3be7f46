"""Celery adapter for publishing: authorise, call ``publish_channel``, record the outcome.

The sync engine enqueues ``publish_channel_task`` (through ``jobs.enqueue_job``) for a
PUBLISHED or PUBLISHED_NEXT change and passes that change's ``server_rev``; this task marks
the change applied, or errored with the reason, when the publish ends.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task, states
from celery.exceptions import Ignore

from ..changes import record_server_change
from ..jobs import JobCancelled, report_progress
from ..models import Change, Channel, User
from ..viewsets.sync.constants import CHANNEL, TASK_ID
from .errors import PublishError
from .publisher import publish_channel

log = logging.getLogger(__name__)


def _set_change_outcome(server_rev: int | None, errors: list[str] | None) -> None:
    if server_rev is None:
        return
    change = Change.objects.filter(server_rev=server_rev).first()
    if change is None:
        return
    if errors is None:
        change.applied = True
        change.save(update_fields=["applied"])
    else:
        change.errored = True
        change.kwargs = {**change.kwargs, "errors": errors}
        change.save(update_fields=["errored", "kwargs"])


@shared_task(bind=True, name="contentcuration.publish.tasks.publish_channel_task")
def publish_channel_task(
    self,
    *,
    channel_id: str,
    user_id: int | None,
    version_notes: str = "",
    language: str | None = None,
    draft: bool = False,
    use_staging_tree: bool = False,
    change_server_rev: int | None = None,
) -> dict[str, Any]:
    task_id = self.request.id
    user = User.objects.filter(pk=user_id).first() if user_id else None
    if user is None or not Channel.objects.editable_by(user).filter(pk=channel_id).exists():
        _set_change_outcome(change_server_rev, ["You do not have permission to publish this channel."])
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
        )
    except JobCancelled:
        _set_change_outcome(change_server_rev, ["The publish was cancelled."])
        self.update_state(state=states.REVOKED)
        raise Ignore() from None
    except PublishError as exc:
        _set_change_outcome(change_server_rev, [str(exc)])
        raise
    except Exception:
        log.exception("publish of channel %s failed", channel_id)
        _set_change_outcome(change_server_rev, ["Internal server error"])
        raise
    _set_change_outcome(change_server_rev, None)
    record_server_change(table=CHANNEL, key=channel_id, mods={TASK_ID: None}, channel_id=channel_id, unpublishable=True)
    return result.as_dict()
