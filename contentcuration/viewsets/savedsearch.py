"""Saved search reads (``/api/search/saved-search``), spec 4.12: the requester's own searches,
newest first. Writes arrive through the ``savedsearch`` sync table."""

from __future__ import annotations

from contentcuration.models.saved_search import SavedSearch, parse_saved_search_id
from contentcuration.viewsets.rows import SavedSearchRow
from contentcuration.viewsets.values_viewset import ReadOnlyValuesViewset


class SavedSearchViewSet(ReadOnlyValuesViewset):
    row_type = SavedSearchRow
    queryset = SavedSearch.objects.all()
    ordering = "-created"
    ordering_fields = ("created", "modified", "name")
    values = ("id", "name", "created", "modified", "params", "saved_by_id")
    field_map = {"saved_by": "saved_by_id"}

    def get_queryset(self):
        # Admins too see only their own searches, as in Studio.
        return SavedSearch.objects.owned_by(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        # An id that is not a UUID names no search: 404 like any other unknown id.
        self.kwargs["pk"] = parse_saved_search_id(self.kwargs["pk"]) or ""
        return super().retrieve(request, *args, **kwargs)
