"""Clipboard reads (``/api/clipboard``), spec 4.7: nodes of the requester's own clipboard
tree only."""

from __future__ import annotations

from contentcuration.models import ContentNode
from contentcuration.viewsets.contentnode import descendants, for_topics
from contentcuration.viewsets.rows import ClipboardRow
from contentcuration.viewsets.values_viewset import HexIdFilter, ReadOnlyValuesViewset, RequiredFilterSet, SQCount


class ClipboardFilter(RequiredFilterSet):
    parent = HexIdFilter(field_name="parent_id")

    class Meta:
        model = ContentNode
        fields: list[str] = []


class ClipboardViewSet(ReadOnlyValuesViewset):
    row_type = ClipboardRow
    queryset = ContentNode.objects.all()
    filterset_class = ClipboardFilter
    ordering = "lft"
    values = (
        "id",
        "source_node_id",
        "source_channel_id",
        "extra_fields",
        "parent_id",
        "lft",
        "resource_count",
        "total_count",
    )
    field_map = {"parent": "parent_id"}

    def get_queryset(self):
        user = self.request.user
        if not user.clipboard_tree_id:
            return ContentNode.objects.none()
        return ContentNode.objects.filter(
            tree_id__in=ContentNode.objects.filter(pk=user.clipboard_tree_id).values("tree_id")
        )

    def annotate_queryset(self, queryset):
        return queryset.annotate(
            resource_count=for_topics(SQCount(descendants().exclude(kind_id="topic").values("id")), 0),
            total_count=for_topics(SQCount(descendants().values("id")), 0),
        )

    def consolidate(self, items, queryset):
        for item in items:
            item["extra_fields"] = item["extra_fields"] or {}
        return items
