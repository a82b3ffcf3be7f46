"""Copying a subtree (``tree.copy_subtree``): the rows, the related rows, progress.
Private to ``contentcuration.tree``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ..db.bulk import insert_rows
from ..models import (
    LABEL_FIELDS,
    TREE_FIELDS,
    AssessmentItem,
    Channel,
    ContentNode,
    File,
    PrerequisiteContentRelationship,
    new_hex_id,
)
from .nested_sets import BULK_BATCH_SIZE, TreeError, _gap, _mark_changed, _open_gap

# Fields a copy takes over from its source (besides tree columns, ids and provenance).
COPIED_FIELDS = (
    "content_id",
    "title",
    "description",
    "kind_id",
    "license_id",
    "license_description",
    "copyright_holder",
    "language_id",
    "thumbnail_encoding",
    "extra_fields",
    "author",
    "aggregator",
    "provider",
    "role_visibility",
    *LABEL_FIELDS,
    "suggested_duration",
    "complete",
    "source_id",
    "source_domain",
    "freeze_authoring_data",
)
FILE_COLUMNS = tuple(f.attname for f in File._meta.concrete_fields)
ITEM_COLUMNS = tuple(f.attname for f in AssessmentItem._meta.concrete_fields)

# Top-level ``mods`` a COPIED change may override; the second set only when the copier may
# edit the source (authoring data of someone else's channel stays as authored).
COPY_MODS_ALWAYS = frozenset(
    {
        "node_id",
        "title",
        "description",
        "aggregator",
        "provider",
        "language_id",
        *LABEL_FIELDS,
        "extra_fields",
        "suggested_duration",
    }
)
COPY_MODS_IF_EDITABLE = frozenset({"license_id", "license_description", "copyright_holder", "author"})


# --- copy -----------------------------------------------------------------------------------


def channel_id_for_tree(tree_id: int) -> str | None:
    """The channel owning the tree ``tree_id`` (through any of its five tree fields)."""
    roots = ContentNode.objects.filter(tree_id=tree_id, parent=None).values("pk")
    in_any = Q()
    for tree_field in TREE_FIELDS:
        in_any |= Q(**{f"{tree_field}__in": roots})
    return Channel.objects.filter(in_any).values_list("pk", flat=True).first()


def _no_progress(percent: float) -> None:
    pass


# Progress at the end of each phase. Measured on a 5,050-node copy: PostgreSQL spends ~5 % of
# its time reading, ~45 % building the rows in Python, ~25 % inserting nodes, ~13 % on tags,
# files and items, the rest on prerequisites and commit; SQLite ~4 / 15 / 65 / 12 %.
_PROGRESS_READ, _PROGRESS_BUILT, _PROGRESS_NODES, _PROGRESS_RELATED = 5, 40, 75, 90


def _copy(top, anchor, position, new_id, excluded, mods, can_edit_source, on_progress) -> ContentNode:
    rows = list(
        ContentNode.objects.filter(tree_id=top.tree_id, lft__gte=top.lft, lft__lte=top.rght)
        .order_by("lft")
        .values(
            "id",
            "node_id",
            "parent_id",
            "lft",
            "rght",
            "level",
            "original_channel_id",
            "original_source_node_id",
            *COPIED_FIELDS,
        )
    )
    if rows[0]["node_id"] in excluded:
        raise TreeError("The node to copy is itself excluded.")
    rows = _without_excluded(rows, excluded)
    on_progress(_PROGRESS_READ)
    source_channel_id = channel_id_for_tree(top.tree_id)
    parent_id, at, level = _gap(anchor, position)

    # Renumber depth-first: excluded subtrees leave holes in the source numbering. Copies are
    # plain ``{attname: value}`` rows, not model instances (ContentNode.__init__, with mptt's
    # bookkeeping, was a third of a 5,000-node copy).
    new_ids = {row["id"]: new_hex_id() for row in rows}
    if new_id:
        new_ids[top.pk] = new_id
    now = timezone.now()
    base = _row_defaults(ContentNode)
    base.update(
        tree_id=anchor.tree_id,
        source_channel_id=source_channel_id,
        changed=True,
        published=False,
        created=now,
        modified=now,
    )
    open_nodes: list[tuple[int, dict]] = []
    counter = at
    copies: list[dict] = []
    for row in rows:
        while open_nodes and open_nodes[-1][0] < row["lft"]:
            open_nodes.pop()[1]["rght"] = counter
            counter += 1
        copy = dict(base)
        for name in COPIED_FIELDS:
            copy[name] = row[name]
        copy["id"] = new_ids[row["id"]]
        copy["node_id"] = new_hex_id()
        copy["parent_id"] = new_ids.get(row["parent_id"], parent_id) if row["id"] != top.pk else parent_id
        copy["lft"] = counter
        copy["level"] = level + row["level"] - top.level
        copy["source_node_id"] = row["node_id"]
        copy["original_channel_id"] = row["original_channel_id"] or source_channel_id
        copy["original_source_node_id"] = row["original_source_node_id"] or row["node_id"]
        copy["cloned_source_id"] = row["id"]
        copy["freeze_authoring_data"] = (not can_edit_source) or bool(row["freeze_authoring_data"])
        counter += 1
        open_nodes.append((row["rght"], copy))
        copies.append(copy)
    while open_nodes:
        open_nodes.pop()[1]["rght"] = counter
        counter += 1

    allowed_mods = COPY_MODS_ALWAYS | (COPY_MODS_IF_EDITABLE if can_edit_source else frozenset())
    for name, value in mods.items():
        if name in allowed_mods:
            copies[0][name] = value

    on_progress(_PROGRESS_BUILT)
    _open_gap(anchor.tree_id, at, counter - at)
    # In batches, with a progress report between (on PostgreSQL one COPY per batch instead of
    # one in all; benchmarks/tree.py shows no difference).
    for start in range(0, len(copies), BULK_BATCH_SIZE):
        insert_rows(ContentNode, copies[start : start + BULK_BATCH_SIZE])
        done = min(start + BULK_BATCH_SIZE, len(copies)) / len(copies)
        on_progress(_PROGRESS_BUILT + (_PROGRESS_NODES - _PROGRESS_BUILT) * done)
    _copy_related(new_ids, on_progress)
    _mark_changed([parent_id])
    return ContentNode.objects.get(pk=copies[0]["id"])


def _row_defaults(model) -> dict[str, Any]:
    """Every concrete field's default, computed once (callable defaults such as ids and
    timestamps are overwritten per row by the caller)."""
    return {f.attname: f.get_default() for f in model._meta.concrete_fields}


def _without_excluded(rows: list[dict], excluded: set[str]) -> list[dict]:
    if not excluded:
        return rows
    kept, skip_until = [], -1
    for row in rows:
        if row["lft"] <= skip_until:
            continue
        if row["node_id"] in excluded:
            skip_until = row["rght"]
            continue
        kept.append(row)
    return kept


def _copy_related(new_ids: dict[str, str], on_progress: Callable[[float], None]) -> None:
    """Copy tags links, files, assessment items (with their files) and inner prerequisites."""
    old_ids = list(new_ids)
    through = ContentNode.tags.through
    chunks = list(_chunks(old_ids))
    for number, chunk in enumerate(chunks, 1):
        through.objects.bulk_create(
            [
                through(contentnode_id=new_ids[node_id], contenttag_id=tag_id)
                for node_id, tag_id in through.objects.filter(contentnode_id__in=chunk).values_list(
                    "contentnode_id", "contenttag_id"
                )
            ],
            batch_size=BULK_BATCH_SIZE,
        )

        insert_rows(
            File,
            [
                {**f, "id": new_hex_id(), "contentnode_id": new_ids[f["contentnode_id"]]}
                for f in File.objects.filter(contentnode_id__in=chunk).values(*FILE_COLUMNS)
            ],
        )

        items = list(AssessmentItem.objects.filter(contentnode_id__in=chunk).values(*ITEM_COLUMNS))
        if items:
            old_item_ids = [item.pop("id") for item in items]
            for item in items:
                item["contentnode_id"] = new_ids[item["contentnode_id"]]
            new_item_ids = dict(zip(old_item_ids, insert_rows(AssessmentItem, items), strict=True))
            insert_rows(
                File,
                [
                    {**f, "id": new_hex_id(), "assessment_item_id": new_item_ids[f["assessment_item_id"]]}
                    for f in File.objects.filter(assessment_item_id__in=old_item_ids).values(*FILE_COLUMNS)
                ],
            )
        on_progress(_PROGRESS_NODES + (_PROGRESS_RELATED - _PROGRESS_NODES) * number / len(chunks))

    edges = PrerequisiteContentRelationship.objects.filter(
        target_node_id__in=old_ids, prerequisite_id__in=old_ids
    ).values_list("target_node_id", "prerequisite_id")
    PrerequisiteContentRelationship.objects.bulk_create(
        [PrerequisiteContentRelationship(target_node_id=new_ids[t], prerequisite_id=new_ids[p]) for t, p in edges]
    )


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]
