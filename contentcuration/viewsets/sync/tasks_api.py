"""Enqueueing the sync endpoint's background jobs (adapters only enqueue; see jobs.py)."""

from __future__ import annotations

from typing import Any

from contentcuration import jobs
from contentcuration.models import User


def enqueue_copy(user: User, *, channel_id: str | None, **args: Any) -> str:
    """Queue a large copy (tasks.copy_nodes_task); the message is sent on commit."""
    from contentcuration.tasks import copy_nodes_task

    return jobs.enqueue_job(
        copy_nodes_task,
        kwargs={"user_id": user.pk, "channel_id": channel_id, **args},
        user_id=user.pk,
        channel_id=channel_id,
    )
