"""Change: the sync log. Every edit a client submits, and every change the server makes that
clients must learn about, is one row; ``server_rev`` orders them all.

A row is written before its effect is applied; ``applied`` / ``errored`` record the outcome.
``client_id`` + ``client_rev`` + ``payload_digest`` identify a submission so that a re-post
is recognised: the same client sending the same rev with the same content
(docs/decisions/0004-sync-idempotency-key.md).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models
from django.utils import timezone


class Change(models.Model):
    server_rev = models.BigAutoField(primary_key=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="changes_by", on_delete=models.SET_NULL
    )
    channel = models.ForeignKey(
        "contentcuration.Channel", null=True, blank=True, related_name="changes", on_delete=models.CASCADE
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="changes_about", on_delete=models.CASCADE
    )
    client_rev = models.IntegerField(null=True, blank=True)
    # Who submitted it: a session key, or "token:<user id>[:<X-Client-Id>]" for token clients.
    client_id = models.CharField(max_length=64, null=True, blank=True)
    # sha256 of the submitted change without its rev; null on server changes and on rows
    # logged before it existed (those match any content, as they did then).
    payload_digest = models.CharField(max_length=64, null=True, blank=True)
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.SET_NULL)
    table = models.CharField(max_length=32)
    change_type = models.IntegerField()
    kwargs = models.JSONField(default=dict)
    applied = models.BooleanField(default=False)
    errored = models.BooleanField(default=False)
    unpublishable = models.BooleanField(null=True, blank=True, default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["channel", "server_rev"], name="change_channel_rev_idx"),
            models.Index(fields=["user", "server_rev"], name="change_user_rev_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["client_id", "client_rev", "payload_digest"],
                condition=models.Q(client_id__isnull=False, client_rev__isnull=False, payload_digest__isnull=False),
                name="change_client_rev_digest_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.server_rev}: {self.table} type {self.change_type}"
