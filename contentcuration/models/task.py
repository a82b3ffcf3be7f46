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

    class Meta:
        verbose_name_plural = "task metadata"

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id} ({self.progress}%)"
