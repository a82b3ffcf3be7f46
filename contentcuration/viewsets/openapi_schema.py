"""OpenAPI generation for values viewsets: they have no read serializer, so the response
schema comes from the viewset's ``row_type`` TypedDict (see ``rows.py``)."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type, resolve_type_hint
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

PAGE_NUMBER_NOTE = (
    "With `page_size` the response is `{page, count, total_pages, results: [rows]}`; "
    "without it, the bare array of rows."
)
CURSOR_NOTE = (
    "With `max_results` the response is `{more: <query for the next page> | null, results: [rows]}`; "
    "without it, the bare array of rows."
)


class ValuesViewsetSchema(AutoSchema):
    def _is_list_view(self, serializer=None) -> bool:
        return getattr(self.view, "action", None) == "list"

    def get_request_serializer(self):
        return None

    def get_response_serializers(self):
        action = getattr(self.view, "action", None)
        row_type = getattr(self.view, "row_type", None)
        if action in ("list", "retrieve") and row_type is not None:
            # A status-code dict: spectacular then uses the schema as given (arrays for lists).
            return {200: resolve_type_hint(row_type)}
        return {200: build_basic_type(OpenApiTypes.ANY)}

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        """A paginated list answers one of two shapes: the bare array of rows, or (with the
        pagination's parameter) the page object wrapping it; both are described."""
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        pagination = getattr(self.view, "pagination", None)
        if getattr(self.view, "action", None) == "list" and pagination is not None and str(status_code) == "200":
            for media in response.get("content", {}).values():
                rows = media["schema"]
                media["schema"] = {"oneOf": [rows, pagination.response_schema(rows)]}
        return response

    def get_description(self):
        description = super().get_description() or ""
        pagination = getattr(self.view, "pagination", None)
        if getattr(self.view, "action", None) == "list" and pagination is not None:
            note = CURSOR_NOTE if hasattr(pagination, "max_results_query_param") else PAGE_NUMBER_NOTE
            description = f"{description}\n\n{note}".strip()
        return description

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if getattr(self.view, "action", None) != "list":
            return parameters
        parameters.append(OpenApiParameter("ordering", str, description="One field, `-` prefix for descending."))
        pagination = getattr(self.view, "pagination", None)
        if hasattr(pagination, "max_results_query_param"):
            parameters.append(OpenApiParameter("max_results", int, description="Page size (at most 100)."))
        elif pagination is not None:
            parameters.append(OpenApiParameter("page_size", int, description="Page size."))
            parameters.append(OpenApiParameter("page", int, description="Page number, from 1."))
        return parameters
