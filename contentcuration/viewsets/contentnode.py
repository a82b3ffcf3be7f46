"""Node reads (``/api/contentnode``), prerequisite edges and tree size, spec 4.2 and 4.3.

Descendant aggregates, ``total_count`` among them, are correlated subqueries on the
(tree_id, lft) index, evaluated only for nodes whose bounds leave room for descendants (a
node with ``rght = lft + 1`` has none, so ``CASE`` skips the subquery; the numbering is
sparse, so a leaf's bounds may be wider and the subqueries then find nothing);
``has_children`` is ``total_count > 0``. Tags, thumbnails, roots and channel names are
attached in ``consolidate`` with one query each.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

from django.db.models import Case, Count, Exists, F, IntegerField, Max, OuterRef, Q, Value, When
from django.http import Http404
from django_filters import rest_framework as filters
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from contentcuration.db.ancestry import ancestor_ids
from contentcuration.db.search import filter_nodes_by_keywords
from contentcuration.models import (
    LABEL_FIELDS,
    AssessmentItem,
    Channel,
    ContentNode,
    File,
    PrerequisiteContentRelationship,
)
from contentcuration.models.fields import is_hex_id
from contentcuration.nodes.completeness import incomplete_reasons
from contentcuration.storage import content_url
from contentcuration.viewsets.rows import ContentNodeRow
from contentcuration.viewsets.values_viewset import (
    BooleanParamFilter,
    CharInFilter,
    HexIdFilter,
    HexIdInFilter,
    ReadOnlyValuesViewset,
    RequiredFilterSet,
    SQCount,
    ValuesCursorPagination,
    values_of,
)


class ContentNodeFilter(RequiredFilterSet):
    id__in = HexIdInFilter(field_name="id", lookup_expr="in")
    parent = HexIdFilter(field_name="parent_id")
    parent__in = HexIdInFilter(field_name="parent_id", lookup_expr="in")
    root_id = HexIdFilter(method="filter_root_id")
    channel_id = HexIdFilter(method="filter_channel_id")
    ancestors_of = HexIdFilter(method="filter_ancestors_of")
    kind = filters.CharFilter(field_name="kind_id")
    complete = BooleanParamFilter(field_name="complete")
    _node_id_channel_id___in = CharInFilter(method="filter_node_id_channel_id")
    keywords = filters.CharFilter(method="filter_keywords")
    # The import dialog's search (issue 15): which channels, and the filters of Studio's search.
    channel_list = filters.CharFilter(method="filter_channel_list")
    kinds = CharInFilter(field_name="kind_id", lookup_expr="in")
    licenses = CharInFilter(method="filter_licenses")
    coach = BooleanParamFilter(method="filter_coach")
    resources = BooleanParamFilter(method="filter_resources")

    class Meta:
        model = ContentNode
        fields: list[str] = []

    def filter_root_id(self, queryset, name, value):
        return queryset.filter(parent_id__in=Channel.objects.filter(pk=value).values("main_tree_id"))

    def filter_channel_id(self, queryset, name, value):
        """Every node of the channel's main tree (with ``keywords``: search within a channel)."""
        return queryset.filter(tree_id__in=Channel.objects.filter(pk=value).values("main_tree__tree_id"))

    def filter_ancestors_of(self, queryset, name, value):
        # By parent pointers: the nested-set bounds read every row before the node (db/ancestry.py).
        return queryset.filter(pk__in=ancestor_ids(ContentNode, value))

    def filter_node_id_channel_id(self, queryset, name, value):
        if len(value) % 2 or not all(is_hex_id(v) for v in value):
            raise ValidationError({name: ["Expected pairs of 32-hex ids: node_id,channel_id,..."]})
        q = Q()
        for node_id, channel_id in zip(value[::2], value[1::2], strict=True):
            q |= Q(
                node_id=node_id,
                tree_id__in=Channel.objects.filter(pk=channel_id).values("main_tree__tree_id"),
            )
        return queryset.filter(q)

    def filter_keywords(self, queryset, name, value):
        return filter_nodes_by_keywords(queryset, value)

    def filter_channel_list(self, queryset, name, value):
        """Nodes of the main trees of one list of channels: ``edit`` / ``view`` (the requester's
        membership), ``bookmark`` (starred), ``public`` (what the catalog lists)."""
        channels = channels_in_list(self.request.user, value)
        if channels is None:
            raise ValidationError({name: [f"Expected one of: {', '.join(CHANNEL_LISTS)}."]})
        return queryset.filter(tree_id__in=channels.values("main_tree__tree_id"))

    def filter_licenses(self, queryset, name, value):
        try:
            ids = [int(v) for v in value]
        except ValueError:
            raise ValidationError({name: ["Enter a list of license ids (integers)."]}) from None
        return queryset.filter(license_id__in=ids)

    def filter_coach(self, queryset, name, value):
        q = Q(role_visibility="coach")
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_resources(self, queryset, name, value):
        """``resources=true``: no folders (the search's "hide folders")."""
        return queryset.exclude(kind_id="topic") if value else queryset.filter(kind_id="topic")


CHANNEL_LISTS = ("edit", "view", "bookmark", "public")


def channels_in_list(user, name: str):
    """The non-deleted channels of the requester's list ``name`` (CHANNEL_LISTS), or None for
    an unknown name. ``public`` is what the catalog lists: public and not deleted."""
    channels = Channel.objects.filter(deleted=False)
    if name == "public":
        return channels.filter(public=True)
    through = {
        "edit": Channel.editors.through,
        "view": Channel.viewers.through,
        "bookmark": Channel.bookmarked_by.through,
    }.get(name)
    if through is None:
        return None
    return channels.filter(pk__in=through.objects.filter(user=user).values("channel_id"))


def descendants():
    """Descendants of the outer node (by nested-set bounds in the same tree).

    Bounded on ``lft`` at both ends, so the (tree_id, lft) index yields exactly the subtree:
    with ``rght < outer rght`` instead of ``lft < outer rght`` the scan ran from the node to
    the end of its tree (benchmarks/editor.py: the root's 50 folders of a 100,000-node
    channel took 4 s on SQLite)."""
    return ContentNode.objects.filter(tree_id=OuterRef("tree_id"), lft__gt=OuterRef("lft"), lft__lt=OuterRef("rght"))


def for_topics(expression, default):
    """Evaluate ``expression`` only for nodes that have descendants."""
    return Case(When(rght__gt=F("lft") + 1, then=expression), default=Value(default))


def _extra_fields(row) -> dict:
    """Legacy exercises keep ``mastery_model``/``m``/``n`` at the top level; clients read them
    from ``options.completion_criteria``."""
    extra = dict(row.get("extra_fields") or {})
    if "mastery_model" in extra and not (extra.get("options") or {}).get("completion_criteria"):
        threshold = {"mastery_model": extra.pop("mastery_model")}
        for key in ("m", "n"):
            if key in extra:
                threshold[key] = extra.pop(key)
        options = dict(extra.get("options") or {})
        options["completion_criteria"] = {"model": "mastery", "threshold": threshold}
        extra["options"] = options
    return extra


NODE_VALUES = (
    "id",
    "content_id",
    "node_id",
    "title",
    "description",
    "author",
    "provider",
    "aggregator",
    "role_visibility",
    "kind_id",
    "language_id",
    "license_id",
    "license_description",
    "copyright_holder",
    "extra_fields",
    "tree_id",
    "original_source_node_id",
    "original_channel_id",
    "original_node_id",
    "total_count",
    "topic_count",
    "error_count",
    "coach_count",
    "assessment_item_count",
    "has_updated_descendants",
    "has_new_descendants",
    "thumbnail_encoding",
    "published",
    "modified",
    "parent_id",
    "complete",
    "changed",
    "lft",
    "rght",
    *LABEL_FIELDS,
    "suggested_duration",
)


class ContentNodeViewSet(ReadOnlyValuesViewset):
    """GET ``/api/contentnode`` (required filter; cursor pages with ``max_results``) and
    ``/api/contentnode/<id>``, plus ``requisites`` and ``size``."""

    row_type = ContentNodeRow
    queryset = ContentNode.objects.all()
    filterset_class = ContentNodeFilter
    pagination = ValuesCursorPagination()
    ordering = "lft"
    values = NODE_VALUES
    field_map = {
        "kind": "kind_id",
        "language": "language_id",
        "license": "license_id",
        "parent": "parent_id",
        "extra_fields": _extra_fields,
    }

    def get_queryset(self):
        return ContentNode.objects.viewable_by(self.request.user)

    def get_edit_queryset(self):
        return ContentNode.objects.editable_by(self.request.user)

    def annotate_queryset(self, queryset):
        non_topic = descendants().exclude(kind_id="topic")
        # The numbering is sparse (docs/decisions/0013-sparse-nested-set.md), so the width
        # rght - lft no longer gives the number of descendants: it is counted (an index-only
        # range of (tree_id, lft)). Non-topic descendants = all of them minus the topics, which
        # the partial topic index counts without visiting the subtree's resources; the
        # subtraction is done in ``consolidate`` so that the descendants are counted once.
        return queryset.annotate(
            total_count=for_topics(SQCount(descendants().values("id")), 0),
            topic_count=for_topics(SQCount(descendants().filter(kind_id="topic").values("id")), 0),
            error_count=for_topics(SQCount(descendants().filter(complete=False).values("id")), 0),
            coach_count=for_topics(SQCount(descendants().filter(role_visibility="coach").values("id")), 0),
            has_updated_descendants=for_topics(Exists(non_topic.filter(changed=True, published=True)), False),
            has_new_descendants=for_topics(Exists(non_topic.filter(changed=True, published=False)), False),
            assessment_item_count=Case(
                When(
                    kind_id="exercise",
                    then=SQCount(
                        AssessmentItem.objects.filter(contentnode_id=OuterRef("id"), deleted=False)
                        .values("assessment_id")
                        .distinct()
                    ),
                ),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )

    def consolidate(self, items, queryset):
        if not items:
            return items
        ids = queryset.values("id")
        tree_ids = values_of(items, "tree_id")
        tags: dict[str, dict] = {}
        for node_id, tag in ContentNode.tags.through.objects.filter(contentnode_id__in=ids).values_list(
            "contentnode_id", "contenttag__tag_name"
        ):
            tags.setdefault(node_id, {})[tag] = True
        thumbnails = {
            row["contentnode_id"]: row
            for row in File.objects.filter(contentnode_id__in=ids, preset__thumbnail=True)
            .order_by("contentnode_id", "-modified")
            .values("contentnode_id", "checksum", "file_format_id")
        }
        # One query for each tree's root and the channel whose main tree it is (if any).
        roots: dict[int, str] = {}
        channel_by_tree: dict[int, dict] = {}
        for row in ContentNode.objects.filter(tree_id__in=tree_ids, parent__isnull=True).values(
            "tree_id", "id", "channel_main__id", "channel_main__name"
        ):
            roots[row["tree_id"]] = row["id"]
            if row["channel_main__id"]:
                channel_by_tree[row["tree_id"]] = {"id": row["channel_main__id"], "name": row["channel_main__name"]}
        channel_names = {c["id"]: c["name"] for c in channel_by_tree.values()}
        unknown = [cid for cid in values_of(items, "original_channel_id") if cid not in channel_names]
        if unknown:
            channel_names.update(Channel.objects.filter(pk__in=unknown).values_list("id", "name"))
        source_ids = values_of(items, "original_source_node_id")
        original_parents = (
            dict(
                ContentNode.objects.filter(node_id__in=source_ids)
                .order_by("node_id", "-created")  # dict() keeps the last: the first-created wins
                .values_list("node_id", "parent_id")
            )
            if source_ids
            else {}
        )

        reasons = _incomplete_reasons([item for item in items if not item["complete"]])

        for item in items:
            item["incomplete_reasons"] = reasons.get(item["id"], [])
            tree_id = item.pop("tree_id")
            item.pop("rght")
            channel = channel_by_tree.get(tree_id)
            item["tags"] = tags.get(item["id"], {})
            item["root_id"] = roots.get(tree_id)
            item["channel_id"] = channel["id"] if channel else None
            item["original_channel_name"] = channel_names.get(item["original_channel_id"]) or (
                channel["name"] if channel else None
            )
            item["original_parent_id"] = original_parents.get(item["original_source_node_id"])
            item["resource_count"] = item["total_count"] - item.pop("topic_count")
            item["has_children"] = item["total_count"] > 0
            for label in LABEL_FIELDS:
                item[label] = item[label] or {}
            item["has_updated_descendants"] = bool(item["has_updated_descendants"])
            item["has_new_descendants"] = bool(item["has_new_descendants"])
            thumb = thumbnails.get(item["id"])
            item["thumbnail_checksum"] = thumb["checksum"] if thumb else None
            item["thumbnail_extension"] = thumb["file_format_id"] if thumb else None
            item["thumbnail_src"] = _thumbnail_src(item["thumbnail_encoding"], thumb)
        return items

    @action(detail=True, methods=["get"])
    def requisites(self, request, pk=None):
        node = self.get_object()
        edges = PrerequisiteContentRelationship.objects.filter(target_node__tree_id=node.tree_id).values(
            "target_node_id", "prerequisite_id"
        )
        return Response([{"target_node": e["target_node_id"], "prerequisite": e["prerequisite_id"]} for e in edges])

    @action(detail=True, methods=["get"])
    def size(self, request, pk=None):
        """Bytes of the distinct stored objects in a root's tree.

        Computed on request (one aggregate query), so it is never stale; Studio caches it and
        recomputes in a task.
        """
        node = self.get_object()
        if node.parent_id is not None:
            raise Http404
        per_object = (
            File.objects.filter(
                Q(contentnode__tree_id=node.tree_id) | Q(assessment_item__contentnode__tree_id=node.tree_id)
            )
            .order_by()
            .values("checksum")
            .annotate(size=Max("file_size"))
        )
        return Response({"size": sum(row["size"] or 0 for row in per_object), "stale": False})

    @action(detail=False, methods=["get"])
    def selection(self, request):
        """What importing ``ids`` would copy (the import dialog's review): the folders and
        resources of their subtrees (a node picked twice, or inside a picked folder, counts
        once) and the bytes of their distinct stored objects. Nodes the requester cannot view
        count as nothing. Three queries."""
        ids = _selected_ids(request)
        picked = list(self.get_queryset().filter(pk__in=ids).values_list("tree_id", "lft", "rght"))
        if not picked:
            return Response({"nodes": 0, "folders": 0, "resources": 0, "size": 0})
        inside = ContentNode.objects.filter(_subtrees_of(picked))
        counts = inside.aggregate(
            folders=Count("id", filter=Q(kind_id="topic")), resources=Count("id", filter=~Q(kind_id="topic"))
        )
        per_object = (
            File.objects.filter(
                Q(contentnode__in=inside.values("id")) | Q(assessment_item__contentnode__in=inside.values("id"))
            )
            .order_by()
            .values("checksum")
            .annotate(size=Max("file_size"))
        )
        return Response(
            {
                "nodes": len(picked),
                "folders": counts["folders"],
                "resources": counts["resources"],
                "size": sum(row["size"] or 0 for row in per_object),
            }
        )

    @action(detail=False, methods=["get"])
    def in_channel(self, request):
        """Which of ``ids`` are already in ``channel`` (its main tree holds a node with the same
        ``content_id``: a copy keeps it until its content changes). The import dialog marks
        them; it does not refuse them. 404 when the requester cannot view ``channel``."""
        ids = _selected_ids(request)
        channel_id = request.query_params.get("channel", "")
        if not is_hex_id(channel_id):
            raise ValidationError({"channel": ["This parameter is required: a 32-hex channel id."]})
        channel = Channel.objects.viewable_by(request.user).filter(pk=channel_id).values("main_tree__tree_id").first()
        if channel is None:
            raise Http404
        tree_id = channel["main_tree__tree_id"]
        present = ContentNode.objects.filter(tree_id=tree_id).values("content_id")
        # A node of the channel itself is in it, whatever its content.
        found = self.get_queryset().filter(Q(tree_id=tree_id) | Q(content_id__in=present), pk__in=ids)
        found = set(found.values_list("id", flat=True))
        return Response({"ids": sorted(found)})


MAX_SELECTION = 100  # the import dialog sends one page of picks at a time


def _selected_ids(request, name: str = "ids") -> list[str]:
    ids = [v for v in request.query_params.get(name, "").split(",") if v]
    if not ids:
        raise ValidationError({name: ["This parameter is required: comma-separated node ids."]})
    if len(ids) > MAX_SELECTION or not all(is_hex_id(v) for v in ids):
        raise ValidationError({name: [f"Expected at most {MAX_SELECTION} comma-separated 32-hex ids."]})
    return ids


def _subtrees_of(nodes) -> Q:
    q = Q(pk__in=[])
    for tree_id, lft, rght in nodes:
        q |= Q(tree_id=tree_id, lft__gte=lft, lft__lte=rght)
    return q


def _incomplete_reasons(rows: list[dict]) -> dict[str, list[str]]:
    """Why each incomplete row is incomplete: the same rule the writes apply (nodes/completeness.py),
    three queries for the page and none when every row is complete."""
    if not rows:
        return {}
    return incomplete_reasons(
        SimpleNamespace(
            pk=row["id"],
            kind_id=row["kind"],
            parent_id=row["parent"],
            title=row["title"],
            license_id=row["license"],
            license_description=row["license_description"],
            copyright_holder=row["copyright_holder"],
            extra_fields=row["extra_fields"],
        )
        for row in rows
    )


def _thumbnail_src(encoding: str | None, thumb: dict | None) -> str | None:
    if encoding:
        try:
            base64 = json.loads(encoding).get("base64")
        except (ValueError, AttributeError):
            base64 = None
        if base64:
            return base64
    if thumb:
        try:
            return content_url(thumb["checksum"], thumb["file_format_id"])
        except ValueError:
            return None
    return None


__all__ = ["ContentNodeViewSet", "ContentNodeFilter", "descendants", "for_topics"]
