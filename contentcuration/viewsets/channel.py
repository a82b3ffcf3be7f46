"""Channel reads (``/api/channel``) and the public catalog (``/api/catalog``), spec 4.1."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponseNotFound
from django_filters import rest_framework as filters
from drf_spectacular.plumbing import resolve_type_hint
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from contentcuration.channels import lifecycle
from contentcuration.db.search import filter_channels_by_keywords
from contentcuration.models import (
    Change,
    Channel,
    ChannelSet,
    ChannelVersion,
    ContentNode,
    File,
)
from contentcuration.models.change_types import CHANNEL, PUBLISHED
from contentcuration.storage import content_url
from contentcuration.viewsets import openapi
from contentcuration.viewsets.channel_review import ChannelReviewActions
from contentcuration.viewsets.editor_screen import read_editor_screen
from contentcuration.viewsets.rows import ChannelRow, EditorScreenRow
from contentcuration.viewsets.values_viewset import (
    BooleanParamFilter,
    CharInFilter,
    HexIdFilter,
    HexIdInFilter,
    ReadOnlyValuesViewset,
    RequiredFilterSet,
    SQCount,
    SyncBackedCreateMixin,
    ValuesPageNumberPagination,
)


def _in_main_tree(nodes) -> Q:
    """Channels whose main tree holds one of ``nodes``."""
    return Q(main_tree__tree_id__in=nodes.values("tree_id"))


class ChannelFilter(RequiredFilterSet):
    keywords = filters.CharFilter(method="filter_keywords")
    published = BooleanParamFilter(field_name="main_tree__published")
    languages = CharInFilter(method="filter_languages")
    licenses = CharInFilter(method="filter_licenses")
    kinds = CharInFilter(method="filter_kinds")
    coach = BooleanParamFilter(method="filter_coach")
    assessments = BooleanParamFilter(method="filter_assessments")
    subtitles = BooleanParamFilter(method="filter_subtitles")
    public = BooleanParamFilter(field_name="public")
    id__in = HexIdInFilter(field_name="id", lookup_expr="in")
    collection = HexIdFilter(method="filter_collection")
    deleted = BooleanParamFilter(field_name="deleted")
    staged = BooleanParamFilter(field_name="staging_tree", lookup_expr="isnull", exclude=True)
    cheffed = BooleanParamFilter(method="filter_cheffed")
    exclude = HexIdFilter(field_name="id", exclude=True)
    edit = BooleanParamFilter(method="filter_edit")
    view = BooleanParamFilter(method="filter_view")
    bookmark = BooleanParamFilter(method="filter_bookmark")

    class Meta:
        model = Channel
        fields: list[str] = []

    def filter_keywords(self, queryset, name, value):
        return filter_channels_by_keywords(queryset, value)

    def filter_languages(self, queryset, name, value):
        nodes = ContentNode.objects.filter(language_id__in=value)
        return queryset.filter(Q(language_id__in=value) | _in_main_tree(nodes))

    def filter_licenses(self, queryset, name, value):
        try:
            ids = [int(v) for v in value]
        except ValueError:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"licenses": ["Enter a list of license ids (integers)."]}) from None
        return queryset.filter(_in_main_tree(ContentNode.objects.filter(license_id__in=ids)))

    def filter_kinds(self, queryset, name, value):
        return queryset.filter(_in_main_tree(ContentNode.objects.filter(kind_id__in=value)))

    def _has(self, queryset, nodes, value):
        q = _in_main_tree(nodes)
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_coach(self, queryset, name, value):
        return self._has(queryset, ContentNode.objects.filter(role_visibility="coach"), value)

    def filter_assessments(self, queryset, name, value):
        return self._has(queryset, ContentNode.objects.filter(kind_id="exercise"), value)

    def filter_subtitles(self, queryset, name, value):
        subtitled = File.objects.filter(preset__subtitle=True).values("contentnode_id")
        return self._has(queryset, ContentNode.objects.filter(pk__in=subtitled), value)

    def filter_collection(self, queryset, name, value):
        tokens = ChannelSet.objects.filter(pk=value).values("secret_token_id")
        return queryset.filter(
            pk__in=Channel.secret_tokens.through.objects.filter(secrettoken_id__in=tokens).values("channel_id")
        )

    def filter_cheffed(self, queryset, name, value):
        q = Q(ricecooker_version__isnull=False) & ~Q(ricecooker_version="")
        return queryset.filter(q) if value else queryset.exclude(q)

    def _member(self, queryset, through, value):
        user = self.request.user
        if not user.is_authenticated:
            return queryset.none() if value else queryset
        q = Q(pk__in=through.objects.filter(user=user).values("channel_id"))
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_edit(self, queryset, name, value):
        return self._member(queryset, Channel.editors.through, value)

    def filter_view(self, queryset, name, value):
        return self._member(queryset, Channel.viewers.through, value)

    def filter_bookmark(self, queryset, name, value):
        return self._member(queryset, Channel.bookmarked_by.through, value)


def _url_with_scheme(url: str | None) -> str:
    if not url:
        return ""
    return url if url.startswith("http") else f"//{url}"


def _thumbnail_url(row) -> str | None:
    # The channel thumbnail is stored as "<md5>.<ext>", the name uploads return.
    name = row.get("thumbnail")
    if not name or "." not in name:
        return None
    checksum, ext = name.rsplit(".", 1)
    try:
        return content_url(checksum, ext)
    except ValueError:
        return None


class ChannelPagination(ValuesPageNumberPagination):
    max_page_size = 1000


class ChannelViewSet(ChannelReviewActions, SyncBackedCreateMixin, ReadOnlyValuesViewset):
    """GET ``/api/channel`` (required filter) and ``/api/channel/<id>``; POST creates a
    channel (applied as the sync CREATED change it stands for) and DELETE soft-deletes one
    (``channels.lifecycle.delete_channel``, which records UPDATED ``{deleted: true}``), so
    watchers hear of them as of any edit (spec 4.1). PATCH / PUT stay 405: edits go through ``/api/sync``.
    """

    http_method_names = ["get", "post", "delete", "head", "options"]
    sync_table = CHANNEL

    row_type = ChannelRow
    queryset = Channel.objects.all()
    filterset_class = ChannelFilter
    pagination = ChannelPagination()
    ordering_fields = ("modified", "name")
    ordering = "-modified"
    values = (
        "id",
        "name",
        "description",
        "thumbnail",
        "thumbnail_encoding",
        "language_id",
        "modified",
        "count",
        "public",
        "version",
        "main_tree__created",
        "main_tree__published",
        "main_tree__publishing",
        "last_published",
        "ricecooker_version",
        "main_tree_id",
        "trash_tree_id",
        "staging_tree_id",
        "content_defaults",
        "deleted",
        "source_url",
        "demo_server_url",
        "edit",
        "view",
        "unpublished_changes",
        "primary_token",
        "draft_token",
    )
    field_map = {
        "language": "language_id",
        "created": "main_tree__created",
        "published": "main_tree__published",
        "publishing": "main_tree__publishing",
        "root_id": "main_tree_id",
        "trash_root_id": "trash_tree_id",
        "staging_root_id": "staging_tree_id",
        "thumbnail_url": _thumbnail_url,
        "source_url": lambda row: _url_with_scheme(row["source_url"]),
        "demo_server_url": lambda row: _url_with_scheme(row["demo_server_url"]),
    }

    def get_queryset(self):
        return Channel.objects.viewable_by(self.request.user)

    def get_edit_queryset(self):
        return Channel.objects.editable_by(self.request.user)

    def annotate_queryset(self, queryset):
        user = self.request.user
        main_nodes = ContentNode.objects.filter(tree_id=OuterRef("main_tree__tree_id"))
        last_publish = (
            Change.objects.filter(channel_id=OuterRef(OuterRef("id")), change_type=PUBLISHED, errored=False)
            .order_by("-server_rev")
            .values("server_rev")[:1]
        )
        unpublished = Change.objects.filter(
            channel_id=OuterRef("id"),
            server_rev__gt=Coalesce(Subquery(last_publish), Value(0)),
            created_by__isnull=False,
            user__isnull=True,
        ).exclude(unpublishable=True)
        if user.is_authenticated:
            edit = Exists(Channel.editors.through.objects.filter(channel_id=OuterRef("id"), user_id=user.pk))
            view = Exists(Channel.viewers.through.objects.filter(channel_id=OuterRef("id"), user_id=user.pk))
        else:
            edit = view = Value(False)
        # The tokens are columns of the one query (not a query each in consolidate): the editor's
        # first screen reads the channel row and every query of it counts (benchmarks/editor.py).
        primary_token = Channel.secret_tokens.through.objects.filter(
            channel_id=OuterRef("id"), secrettoken__is_primary=True
        ).values("secrettoken__token")[:1]
        draft_token = ChannelVersion.objects.filter(channel_id=OuterRef("id"), version__isnull=True).values(
            "secret_token__token"
        )[:1]
        return queryset.annotate(
            primary_token=Subquery(primary_token),
            draft_token=Subquery(draft_token),
            modified=Subquery(main_nodes.order_by("-modified").values("modified")[:1]),
            # order_by(): the tree ordering (lft) would join the DISTINCT and count copies twice.
            count=SQCount(main_nodes.exclude(kind_id="topic").order_by().values("content_id").distinct()),
            edit=edit,
            view=view,
            unpublished_changes=Exists(unpublished),
        )

    def consolidate(self, items, queryset):
        for item in items:
            item["thumbnail_encoding"] = item["thumbnail_encoding"] or {}
            item["content_defaults"] = item["content_defaults"] or {}
        return items

    @extend_schema(
        parameters=[
            OpenApiParameter("folder", str, description="The open folder (default: the channel's root)."),
            OpenApiParameter("max_results", int, description="Children in the first page (at most 100; default 100)."),
        ],
        responses={200: resolve_type_hint(EditorScreenRow)},
        description=(
            "The channel editor's first screen in one read (docs/editor-api.md): the channel row, the folder's "
            "ancestors, the folders under each of them, the first page of the folder's children."
        ),
    )
    @action(detail=True, methods=["get"])
    def editor(self, request, pk=None):
        channel = self.get_object_row()
        return Response({"channel": channel, **read_editor_screen(request, channel)})

    @action(detail=True, methods=["get"])
    def language_exists(self, request, pk=None):
        # Only to those who may see the channel: anyone else learns nothing, not even that it exists.
        channel = (
            Channel.objects.viewable_by(request.user).filter(pk=pk).values("language_id", "main_tree__tree_id").first()
        )
        if channel is None:
            return HttpResponseNotFound("Channel not found", content_type="text/plain")
        exists = (
            bool(channel["language_id"])
            and ContentNode.objects.filter(
                tree_id=channel["main_tree__tree_id"], language_id=channel["language_id"]
            ).exists()
        )
        return Response({"exists": exists})

    @action(detail=True, methods=["get"])
    def languages(self, request, pk=None):
        channel = self.get_object()
        tree_id = ContentNode.objects.filter(pk=channel.main_tree_id).values("tree_id")
        languages = (
            ContentNode.objects.filter(tree_id__in=tree_id, parent__isnull=False, language__isnull=False)
            .order_by("language_id")
            .values_list("language_id", flat=True)
            .distinct()
        )
        return Response({"languages": list(languages)})

    @action(detail=True, methods=["get"])
    def version_detail(self, request, pk=None):
        channel = self.get_edit_object()
        version = (
            ChannelVersion.objects.filter(channel=channel, version=channel.version)
            .values(
                "id",
                "version",
                "resource_count",
                "kind_count",
                "size",
                "date_published",
                "version_notes",
                "included_languages",
                "included_licenses",
                "included_categories",
                "non_distributable_licenses_included",
            )
            .first()
        )
        if version:
            # Nodes the publish left out, each with its reason (issue 16).
            published = (channel.published_data or {}).get(str(channel.version)) or {}
            version["skipped"] = published.get("skipped", [])
        return Response(version or {})

    def sync_scope(self, request, key):
        return {"channel_id": key if isinstance(key, str) else None}

    @extend_schema(
        request=openapi.ChannelCreate,
        responses={201: resolve_type_hint(ChannelRow), 400: openapi.FIELD_ERRORS, 409: openapi.CHANNEL_CONFLICT},
        examples=[openapi.CHANNEL_CREATE_EXAMPLE],
        description="Create a channel (as the sync CREATED `channel` change would); 201 with the channel's row.",
    )
    def create(self, request, *args, **kwargs):
        key = request.data.get("id") if isinstance(request.data, dict) else None
        if isinstance(key, str) and Channel.objects.filter(pk=key).exists():
            # Refused before anything is logged: the id may be someone else's channel.
            return self.creation_failed({"id": ["channel with this id already exists."]})
        return super().create(request, *args, **kwargs)

    def creation_failed(self, outcome):
        if isinstance(outcome, dict) and "already exists" in str(outcome.get("id", "")):
            return Response({"error": "Channel could not be created"}, status=409)
        return super().creation_failed(outcome)

    def destroy(self, request, *args, **kwargs):
        """Soft delete: editors (and admins) only, 404 for anyone else; 204."""
        channel = self.get_edit_object()
        lifecycle.delete_channel(channel_id=channel.pk, user=request.user)
        return Response(status=204)

    def get_edit_object(self) -> Channel:
        from django.http import Http404

        try:
            return self.get_edit_queryset().get(pk=self.kwargs["pk"])
        except Channel.DoesNotExist:
            raise Http404 from None


class CatalogViewSet(ChannelViewSet):
    """GET ``/api/catalog``: public, non-deleted channels, anonymous allowed, same row shape.

    Ordered ``-priority, name``. Studio caches this list for 300 s; this implementation does
    not cache (each page is a fixed number of queries).
    """

    permission_classes = (AllowAny,)
    http_method_names = ["get", "head", "options"]
    ordering = "-priority"

    def get_queryset(self):
        return Channel.objects.filter(public=True, deleted=False)

    def order_queryset(self, queryset):
        if self.request.query_params.get("ordering"):
            return super().order_queryset(queryset)
        return queryset.order_by("-priority", "name", "pk")

    def ordering_field(self):
        if self.request.query_params.get("ordering"):
            return super().ordering_field()
        return "priority", True

    language_exists = None
    languages = None
    version_detail = None
    unpublished_changes = None
    unpublished_changes_count = None
    versions = None
    version_diff = None
    sync_reports = None
    publish = None
