"""Bookmark reads (``/api/bookmark``), spec 4.6: ``[{"channel": id}]`` for the requester."""

from __future__ import annotations

from contentcuration.models import Channel
from contentcuration.viewsets.rows import BookmarkRow
from contentcuration.viewsets.values_viewset import ReadOnlyValuesViewset

Bookmark = Channel.bookmarked_by.through


class BookmarkViewSet(ReadOnlyValuesViewset):
    row_type = BookmarkRow
    queryset = Bookmark.objects.all()
    lookup_field = "channel_id"
    lookup_url_kwarg = "pk"
    ordering = "channel"
    ordering_fields = ("channel",)
    values = ("channel_id",)
    field_map = {"channel": "channel_id"}

    def get_queryset(self):
        return Bookmark.objects.filter(user=self.request.user)
