"""File: one stored object (identified by its md5) attached to a node or an assessment item.

The bytes live in storage under a key derived from the checksum; ``contentcuration.storage``
is the only code that builds or reads those keys. Many File rows may share one object.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .fields import HexIdField, new_hex_id


class FileQuerySet(models.QuerySet):
    def editable_by(self, user) -> FileQuerySet:
        from .assessment import AssessmentItem
        from .node import ContentNode

        if not user or not user.is_authenticated:
            return self.none()
        if user.is_admin:
            return self
        nodes = ContentNode.objects.editable_by(user)
        return self.filter(
            models.Q(contentnode__in=nodes)
            | models.Q(assessment_item__in=AssessmentItem.objects.filter(contentnode__in=nodes))
            | models.Q(uploaded_by=user, contentnode=None, assessment_item=None)
        )

    def viewable_by(self, user) -> FileQuerySet:
        from .assessment import AssessmentItem
        from .node import ContentNode

        if user and user.is_authenticated and user.is_admin:
            return self
        nodes = ContentNode.objects.viewable_by(user)
        q = models.Q(contentnode__in=nodes) | models.Q(
            assessment_item__in=AssessmentItem.objects.filter(contentnode__in=nodes)
        )
        if user and user.is_authenticated:
            q |= models.Q(uploaded_by=user, contentnode=None, assessment_item=None)
        return self.filter(q)


class File(models.Model):
    id = HexIdField(primary_key=True, default=new_hex_id)
    checksum = models.CharField(max_length=32, blank=True)
    file_size = models.BigIntegerField(null=True, blank=True)
    file_on_disk = models.CharField(max_length=500, blank=True)
    contentnode = models.ForeignKey(
        "contentcuration.ContentNode", related_name="files", null=True, blank=True, on_delete=models.CASCADE
    )
    assessment_item = models.ForeignKey(
        "contentcuration.AssessmentItem", related_name="files", null=True, blank=True, on_delete=models.CASCADE
    )
    file_format = models.ForeignKey(
        "contentcuration.FileFormat", related_name="files", null=True, blank=True, on_delete=models.SET_NULL
    )
    preset = models.ForeignKey(
        "contentcuration.FormatPreset", related_name="files", null=True, blank=True, on_delete=models.SET_NULL
    )
    language = models.ForeignKey(
        "contentcuration.Language", related_name="files", null=True, blank=True, on_delete=models.SET_NULL
    )
    original_filename = models.CharField(max_length=255, blank=True)
    source_url = models.CharField(max_length=400, blank=True, null=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="files", null=True, blank=True, on_delete=models.SET_NULL
    )
    modified = models.DateTimeField(default=timezone.now, db_index=True)
    duration = models.IntegerField(null=True, blank=True)

    objects = FileQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["checksum", "file_size"], name="file_checksum_size_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration__isnull=True) | models.Q(duration__gt=0),
                name="file_duration_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.checksum}.{self.file_format_id}"

    @property
    def filename(self) -> str:
        """The name chefs and exercises use for the stored object: ``<md5>.<ext>``."""
        return f"{self.checksum}.{self.file_format_id}"
