"""Progress and ownership of background tasks (Celery keeps status in TaskResult)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .fields import HexIdField


class TaskMetadata(models.Model):
    """Who started a task, for which channel, how far it got. One row per Celery task id.

    ``signature`` identifies "the same job" (name + arguments) so a second request for a job
    already queued or running is answered with the existing task instead of a new one.

    The row is also the job's outbox entry and its life record (``jobs``; decision 0008):
    ``kwargs`` are what is sent, ``sent_at`` is set once the broker took the message (a row
    left unsent is sent again by a worker's sweep), ``started_at`` when a worker began the
    job, ``finished_at`` when it ended, whichever way. A row started but never finished
    whose worker no longer runs is a crashed job: the sweep reports it failed and undoes what
    it left behind.
    """

    task_id = models.CharField(max_length=255, unique=True)
    task_name = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="tasks", on_delete=models.CASCADE
    )
    channel_id = HexIdField(null=True, blank=True, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    signature = models.CharField(max_length=32, db_index=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    date_created = models.DateTimeField(default=timezone.now)
    kwargs = models.JSONField(default=dict, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "task metadata"
        indexes = [
            # The sweeps' two questions: what was never sent, what started and never ended.
            models.Index(fields=["sent_at"], name="taskmetadata_sent_at_idx"),
            models.Index(fields=["started_at", "finished_at"], name="taskmetadata_running_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id} ({self.progress}%)"
