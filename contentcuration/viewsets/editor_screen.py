"""The channel editor's first screen in one read (ours, not Studio's):
``GET /api/channel/<channel_id>/editor?folder=<node_id>&max_results=100``.

Opening a folder takes four of Studio's reads: the channel, the folder's ancestors (the
breadcrumbs), the folders of the sidebar and the first page of the folder's children, at 22
queries in all, 8 of them the session and user lookups each request repeats
(benchmarks/editor.py). This answers the same rows in one request: the channel row, then every
node row (ancestors, sidebar folders, children) read in two queries and consolidated together,
so the whole screen costs 7 to 10 queries whatever the folder's size or depth
(tests/test_editor_reads.py). The rows are exactly those of ``/api/channel/<id>`` and
``/api/contentnode``; ``children.more`` continues on ``/api/contentnode``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from contentcuration.db.ancestry import ancestor_ids
from contentcuration.models import ContentNode
from contentcuration.viewsets.contentnode import ContentNodeViewSet
from contentcuration.viewsets.values_viewset import HexIdFormField, Row, positive_int


def read_editor_screen(request: Request, channel: Row) -> dict:
    """The node rows of the screen for ``channel`` (a row the requester may view): the
    ancestors of ``?folder`` (default: the root) from the root down to it, the folders
    (topics) under each of them, and the first ``?max_results`` (at most 100, default 100)
    children of the folder. 404 when the folder is not in the channel's main tree."""
    params = request.query_params
    try:
        folder_id = HexIdFormField(required=False).clean(params.get("folder")) or channel["root_id"]
    except DjangoValidationError as exc:
        raise ValidationError({"folder": exc.messages}) from None
    largest = ContentNodeViewSet.pagination.max_page_size  # the children pages' own cap
    size = positive_int(params, "max_results", default=largest, maximum=largest)

    nodes = ContentNodeViewSet(request=request, format_kwarg=None, kwargs={})
    visible = nodes.get_queryset().filter(
        tree_id__in=ContentNode.objects.filter(pk=channel["root_id"]).values("tree_id")
    )
    path = ContentNode.objects.filter(pk__in=ancestor_ids(ContentNode, folder_id)).order_by().values("id")
    sidebar = ContentNode.objects.filter(kind_id="topic", parent_id__in=path).order_by().values("id")
    # One UNION of two id sets, each found on an index (the ancestors by their parent pointers);
    # an OR of the two conditions made PostgreSQL read the whole tree.
    tree_rows = [
        nodes.map_row(row)
        for row in nodes.prepare(visible.filter(pk__in=path.union(sidebar))).order_by("lft").values(*nodes.values)
    ]
    target = next((row for row in tree_rows if row["id"] == folder_id), None)
    if target is None:
        raise Http404("No such folder in this channel.")
    on_path = {row["id"] for row in tree_rows if row["lft"] <= target["lft"] and row["rght"] >= target["rght"]}
    children = [
        nodes.map_row(row)
        for row in nodes.prepare(visible.filter(parent_id=folder_id))
        .order_by("lft", "pk")[: size + 1]
        .values(*nodes.values)
    ]
    more = None
    if len(children) > size:
        children = children[:size]
        more = {"parent": folder_id, "max_results": str(size), "lft__gt": children[-1]["lft"]}
    rows = nodes.consolidate(
        tree_rows + children, ContentNode.objects.filter(pk__in=[r["id"] for r in tree_rows + children])
    )
    tree_part, page = rows[: len(tree_rows)], rows[len(tree_rows) :]
    return {
        "ancestors": [row for row in tree_part if row["id"] in on_path],
        "folders": [row for row in tree_part if row["id"] not in on_path],
        "children": {"more": more, "results": page},
    }
