"""The channel's publish-side reads and the browser app's publish request (issue 15):
``/api/channel/<id>/`` + ``unpublished_changes``, ``unpublished_changes/count``,
``versions``, ``version_diff``, ``sync_reports`` and ``publish``. docs/review-api.md has
examples.

Who may use them: the review of unpublished changes, the sync reports and publishing are
for the channel's editors (and admins); version history and differences for anyone who
may view the channel. Anyone else gets 404, as for the channel itself; anonymous 403.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from contentcuration.channels import publishing, review
from contentcuration.models import Channel, ChannelVersion, SyncReport
from contentcuration.publish import manifest
from contentcuration.publish.tasks import publish_channel_task
from contentcuration.viewsets import openapi
from contentcuration.viewsets.values_viewset import positive_int

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
DEFAULT_REPORTS = 10

PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="1-based page number (default 1)."),
    OpenApiParameter(
        "page_size", int, description=f"Entries per page (default {DEFAULT_PAGE_SIZE}, max {MAX_PAGE_SIZE})."
    ),
]


class PublishRequest(serializers.Serializer):
    version_notes = serializers.CharField(help_text="What changed in this version (required, not blank).")
    language = serializers.CharField(
        required=False, help_text="The channel's language, when it has none yet (a language id, e.g. `en`)."
    )


def _kinds_param(params, name: str, allowed: tuple[str, ...]) -> set[str]:
    raw = params.get(name)
    if not raw:
        return set(allowed)
    kinds = {k.strip() for k in raw.split(",") if k.strip()}
    unknown = sorted(kinds - set(allowed))
    if unknown:
        raise ValidationError({name: [f"Unknown kind of change {unknown[0]!r}: choose from {', '.join(allowed)}."]})
    return kinds


def _page(request, entries: list, extra: dict[str, Any]) -> Response:
    """``{..extra, page, page_size, total_pages, count, results}`` for one page of ``entries``."""
    params = request.query_params
    size = positive_int(params, "page_size", default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
    page = positive_int(params, "page", default=1)
    count = len(entries)
    total_pages = max(1, -(-count // size))
    if page > total_pages:
        raise Http404("Invalid page.")
    start = (page - 1) * size
    return Response(
        {
            **extra,
            "page": page,
            "page_size": size,
            "total_pages": total_pages,
            "count": count,
            "results": entries[start : start + size],
        }
    )


class ChannelReviewActions:
    """Mixed into ChannelViewSet (which provides ``get_edit_object``)."""

    def get_view_object(self) -> Channel:
        channel = Channel.objects.viewable_by(self.request.user).filter(pk=self.kwargs["pk"]).first()
        if channel is None:
            raise Http404
        return channel

    @extend_schema(
        parameters=[
            OpenApiParameter("change", str, description="Comma-separated kinds: added, updated, moved, deleted."),
            *PAGE_PARAMETERS,
        ],
        responses={200: OpenApiTypes.OBJECT},
        description=(
            "Every node added, updated (which fields), moved or deleted since the last published version, "
            "from the change log, one entry per node and kind of change, most recent first. Editors only."
        ),
    )
    @action(detail=True, methods=["get"])
    def unpublished_changes(self, request, pk=None):
        channel = self.get_edit_object()
        kinds = _kinds_param(request.query_params, "change", review.CHANGE_KINDS)
        listed = review.list_unpublished_changes(channel_id=channel.pk, viewer=request.user)
        counts = dict.fromkeys(review.CHANGE_KINDS, 0)
        for entry in listed.entries:
            counts[entry["change"]] += 1
        return _page(
            request,
            [e for e in listed.entries if e["change"] in kinds],
            {"since_version": listed.since_version, "counts": {"total": len(listed.entries), **counts}},
        )

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description='`{total, added, updated, moved, deleted}`: the top bar\'s "N unpublished changes". Editors only.',
    )
    @action(detail=True, methods=["get"], url_path="unpublished_changes/count")
    def unpublished_changes_count(self, request, pk=None):
        channel = self.get_edit_object()
        return Response(review.count_unpublished_changes(channel_id=channel.pk))

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description="The channel's published versions, newest first, with their notes and counts.",
    )
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        channel = self.get_view_object()
        rows = (
            ChannelVersion.objects.filter(channel=channel, version__isnull=False)
            .order_by("-version")
            .values(
                "version",
                "date_published",
                "version_notes",
                "resource_count",
                "size",
                "kind_count",
                "included_languages",
                "included_licenses",
                "included_categories",
            )
        )
        return Response(list(rows))

    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, required=True, description="The older version."),
            OpenApiParameter("to", int, required=True, description="The newer version."),
            OpenApiParameter("change", str, description="Comma-separated kinds: added, removed, changed."),
            *PAGE_PARAMETERS,
        ],
        responses={200: OpenApiTypes.OBJECT, 404: openapi.ERROR},
        description="Nodes added, removed and changed (with which fields) from one published version to another.",
    )
    @action(detail=True, methods=["get"])
    def version_diff(self, request, pk=None):
        channel = self.get_view_object()
        params = request.query_params
        old = positive_int(params, "from")
        new = positive_int(params, "to")
        kinds = _kinds_param(params, "change", manifest.DIFF_KINDS)
        entries = manifest.diff_versions(channel_id=channel.pk, old=old, new=new)
        counts = dict.fromkeys(manifest.DIFF_KINDS, 0)
        for entry in entries:
            counts[entry["change"]] += 1
        return _page(request, [e for e in entries if e["change"] in kinds], {"from": old, "to": new, "counts": counts})

    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description=f"How many (default {DEFAULT_REPORTS}).")],
        responses={200: OpenApiTypes.OBJECT},
        description="The latest reports of syncs from sources, newest first: per node, which fields changed.",
    )
    @action(detail=True, methods=["get"])
    def sync_reports(self, request, pk=None):
        channel = self.get_edit_object()
        limit = positive_int(
            request.query_params, "limit", default=DEFAULT_REPORTS, maximum=SyncReport.KEPT_PER_CHANNEL
        )
        reports = (
            SyncReport.objects.filter(channel=channel)
            .order_by("-started", "-pk")
            .values(
                "id",
                "task_id",
                "created_by_id",
                "started",
                "finished",
                "status",
                "options",
                "imported",
                "synced",
                "skipped",
                "nodes",
                "truncated",
            )[:limit]
        )
        return Response(list(reports))

    @extend_schema(
        request=PublishRequest,
        responses={202: OpenApiTypes.OBJECT, 400: openapi.FIELD_ERRORS, 404: openapi.ERROR},
        description=(
            "Publish the channel (the browser app's request): version notes are required. "
            "202 `{task_id, version}`; follow the job in the sync answer's `tasks`."
        ),
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        channel = self.get_edit_object()
        body = request.data if isinstance(request.data, dict) else {}
        task_id = publishing.request_publish(
            task=publish_channel_task,
            channel_id=channel.pk,
            user=request.user,
            version_notes=body.get("version_notes", ""),
            language=body.get("language") or None,
            require_notes=True,
        )
        return Response({"task_id": task_id, "version": channel.version + 1}, status=202)
