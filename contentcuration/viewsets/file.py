"""File reads (``/api/file``), spec 4.5. ``POST /api/file/upload_url`` lives with the upload
code, not here.

``assessment_item`` is emitted (and filtered) as the item's ``assessment_id``: the API never
exposes the integer pk of an assessment item (spec 0).
"""

from __future__ import annotations

from contentcuration.models import File
from contentcuration.storage import content_url
from contentcuration.viewsets.rows import FileRow
from contentcuration.viewsets.values_viewset import HexIdFilter, HexIdInFilter, ReadOnlyValuesViewset, RequiredFilterSet


class FileFilter(RequiredFilterSet):
    id = HexIdFilter(field_name="id")
    id__in = HexIdInFilter(field_name="id", lookup_expr="in")
    contentnode = HexIdFilter(field_name="contentnode_id")
    contentnode__in = HexIdInFilter(field_name="contentnode_id", lookup_expr="in")
    assessment_item = HexIdFilter(field_name="assessment_item__assessment_id")
    assessment_item__in = HexIdInFilter(field_name="assessment_item__assessment_id", lookup_expr="in")

    class Meta:
        model = File
        fields: list[str] = []


def _url(row) -> str | None:
    try:
        return content_url(row["checksum"], row["file_format"] or "")
    except ValueError:
        return None


class FileViewSet(ReadOnlyValuesViewset):
    row_type = FileRow
    queryset = File.objects.all()
    filterset_class = FileFilter
    ordering = "pk"
    values = (
        "id",
        "checksum",
        "file_size",
        "language_id",
        "file_format_id",
        "contentnode_id",
        "assessment_item__assessment_id",
        "file_on_disk",
        "preset_id",
        "original_filename",
        "uploaded_by_id",
        "duration",
    )
    field_map = {
        "language": "language_id",
        "file_format": "file_format_id",
        "contentnode": "contentnode_id",
        "assessment_item": "assessment_item__assessment_id",
        "preset": "preset_id",
        "uploaded_by": "uploaded_by_id",
        "url": _url,
    }

    def get_queryset(self):
        return File.objects.viewable_by(self.request.user)

    def get_edit_queryset(self):
        return File.objects.editable_by(self.request.user)
