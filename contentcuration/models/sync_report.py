"""SyncReport: what one sync from sources changed, kept for curators to read later.

Studio's sync tells nobody what it changed (studio#3114). Each run of
``channels.source_sync.sync_channel_from_sources`` stores one report: the options it ran
with, its counts and, per node it changed, which fields (``nodes``). Only the latest
``KEPT_PER_CHANNEL`` reports of a channel are kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .fields import HexIdField, new_hex_id


class SyncReport(models.Model):
    """One sync run of a channel. ``nodes`` lists ``{id, node_id, title, kind, parent,
    fields}`` per changed node, in tree order, at most ``MAX_NODES`` of them (``truncated``
    says when more changed; ``synced`` has the full count). ``status`` is ``finished``,
    ``cancelled`` or ``failed``: batches committed before a stop stay, and so does their
    report."""

    KEPT_PER_CHANNEL = 20
    MAX_NODES = 5000  # ~1 MB of JSON; a bigger sync still reports its counts
    FINISHED, CANCELLED, FAILED = "finished", "cancelled", "failed"

    id = HexIdField(primary_key=True, default=new_hex_id)
    channel = models.ForeignKey("contentcuration.Channel", related_name="sync_reports", on_delete=models.CASCADE)
    task_id = models.CharField(max_length=255, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="sync_reports", on_delete=models.SET_NULL
    )
    started = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, default=FINISHED)
    options = models.JSONField(default=dict, blank=True)
    imported = models.IntegerField(default=0)
    synced = models.IntegerField(default=0)
    skipped = models.IntegerField(default=0)
    nodes = models.JSONField(default=list, blank=True)
    truncated = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["channel", "-started"], name="syncreport_channel_started_idx")]

    def __str__(self) -> str:
        return f"sync of {self.channel_id} at {self.started:%Y-%m-%d %H:%M}"
