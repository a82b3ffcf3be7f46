"""Assessment item reads (``/api/assessmentitem``), spec 4.4. Items are addressed by
``[contentnode, assessment_id]``; the integer pk is never emitted. Each row also carries
``problems``: the server's verdict on the question (``nodes.completeness.question_problems``,
e.g. "needs a correct answer"), which the exercise editor shows beside it."""

from __future__ import annotations

from django.db import models

from contentcuration.models import AssessmentItem
from contentcuration.nodes.completeness import question_problems
from contentcuration.viewsets.rows import AssessmentItemRow
from contentcuration.viewsets.values_viewset import HexIdFilter, HexIdInFilter, ReadOnlyValuesViewset, RequiredFilterSet


class AssessmentItemFilter(RequiredFilterSet):
    contentnode = HexIdFilter(field_name="contentnode_id")
    contentnode__in = HexIdInFilter(field_name="contentnode_id", lookup_expr="in")

    class Meta:
        model = AssessmentItem
        fields: list[str] = []


class AssessmentItemViewSet(ReadOnlyValuesViewset):
    row_type = AssessmentItemRow
    queryset = AssessmentItem.objects.all()
    filterset_class = AssessmentItemFilter
    ordering = "order"
    values = (
        "question",
        "type",
        "answers",
        "contentnode_id",
        "assessment_id",
        "hints",
        "raw_data",
        "order",
        "source_url",
        "randomize",
        "deleted",
    )
    field_map = {"contentnode": "contentnode_id"}

    def consolidate(self, items: list[AssessmentItemRow], queryset: models.QuerySet) -> list[AssessmentItemRow]:
        for item in items:
            item["problems"] = question_problems(item)
        return items

    def get_queryset(self):
        return AssessmentItem.objects.viewable_by(self.request.user)

    def get_edit_queryset(self):
        return AssessmentItem.objects.editable_by(self.request.user)
