"""AssessmentItem: one question of an exercise, with its answers and hints.

``answers`` and ``hints`` are JSON-encoded strings (arrays), the form clients send. The API
addresses an item by ``[contentnode_id, assessment_id]``; the integer pk is internal.
"""

from __future__ import annotations

from django.db import models
from le_utils.constants import exercises

from .fields import HexIdField, new_hex_id

# The question types an exercise may hold: le-utils' (what ricecooker sends) and Studio's
# "true_false". The sync table, the admin and the API schema offer these.
QUESTION_TYPE_CHOICES: tuple[tuple[str, str], ...] = (*exercises.question_choices, ("true_false", "True/False"))
QUESTION_TYPES = frozenset(value for value, _ in QUESTION_TYPE_CHOICES)


class AssessmentItemQuerySet(models.QuerySet):
    def editable_by(self, user) -> AssessmentItemQuerySet:
        from .node import ContentNode

        return self.filter(contentnode__in=ContentNode.objects.editable_by(user))

    def viewable_by(self, user) -> AssessmentItemQuerySet:
        from .node import ContentNode

        return self.filter(contentnode__in=ContentNode.objects.viewable_by(user))


class AssessmentItem(models.Model):
    type = models.CharField(max_length=50, default="multiple_selection")
    question = models.TextField(blank=True)
    hints = models.TextField(default="[]")
    answers = models.TextField(default="[]")
    order = models.IntegerField(default=1)
    contentnode = models.ForeignKey(
        "contentcuration.ContentNode", related_name="assessment_items", on_delete=models.CASCADE
    )
    assessment_id = HexIdField(default=new_hex_id)
    raw_data = models.TextField(blank=True)
    source_url = models.CharField(max_length=400, blank=True, null=True)
    randomize = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)

    objects = AssessmentItemQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contentnode", "assessment_id"], name="assessmentitem_node_assessment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contentnode_id}/{self.assessment_id}"
