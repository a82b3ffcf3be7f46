"""Pulling updates from source channels into imported content (the SYNCED change, spec 4.1).

A node imported from another channel remembers its first origin (``original_channel_id``,
``original_source_node_id``, set by ``tree.copy_subtree``). ``sync_channel_from_sources``
makes such nodes match their source again, for the groups of data the caller asks for:
titles and descriptions, resource details, files, assessment items.

Only metadata, File rows and AssessmentItem rows are written, never tree structure, so no
tree lock is taken. Stored objects are never touched: a synced file is a new File row
pointing at the source's stored object; a replaced one loses its row and its object is left
for garbage collection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from le_utils.constants import format_presets

from .. import tree
from ..changes import record_server_changes
from ..db.locks import is_deadlock
from ..errors import Conflict
from ..files.uploads import serialize_file
from ..jobs import JobCancelled
from ..models import LABEL_FIELDS, AssessmentItem, Channel, ContentNode, File, SyncReport, new_hex_id
from ..models.change_types import ASSESSMENTITEM, CONTENTNODE, CREATED, DELETED, FILE
from ..nodes.completeness import refresh_completeness

logger = logging.getLogger(__name__)

Row = TypeVar("Row", File, AssessmentItem)

# Kept small so each batch transaction (and the feed lock its change records take) is short,
# and a job reports progress (and notices a cancel) often.
BATCH_SIZE = 100
MAX_ATTEMPTS = 3  # a batch that collides with a concurrent edit is re-read and retried

TITLE_FIELDS = ("title", "description")
DETAIL_FIELDS = (
    "license_id",
    "license_description",
    "copyright_holder",
    "author",
    "language_id",
    "provider",
    "aggregator",
    "role_visibility",
    "extra_fields",
    *LABEL_FIELDS,
)
# Model attribute -> the key a client sees in a contentnode UPDATED change.
WIRE_NAMES = {"license_id": "license", "language_id": "language"}
ITEM_FIELDS = ("type", "question", "hints", "answers", "order", "raw_data", "source_url", "randomize")
FILE_FIELDS = (
    "checksum",
    "file_size",
    "file_on_disk",
    "file_format_id",
    "preset_id",
    "language_id",
    "original_filename",
    "source_url",
    "uploaded_by_id",
    "duration",
)


class SyncError(Conflict):
    """The channel cannot be synced; the message is safe to show a user."""


SYNC_OPTION_NAMES = ("titles_and_descriptions", "resource_details", "files", "assessment_items")


@dataclass(frozen=True)
class SyncOptions:
    """Which groups of data to pull from the source nodes (the SYNCED change's flags)."""

    titles_and_descriptions: bool = False
    resource_details: bool = False
    files: bool = False
    assessment_items: bool = False

    @property
    def any(self) -> bool:
        return self.titles_and_descriptions or self.resource_details or self.files or self.assessment_items


@dataclass
class SyncResult:
    imported: int = 0  # imported nodes looked at
    synced: int = 0  # nodes that changed
    skipped: int = 0  # source missing or incomplete
    report_id: str | None = None  # the SyncReport this run left
    # The changed nodes' entries for the report (SyncReport.nodes), in tree order.
    changed: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "synced": self.synced,
            "skipped": self.skipped,
            "report_id": self.report_id,
        }


def imported_nodes(*, tree_id: int, channel_id: str) -> QuerySet[ContentNode]:
    """Nodes of the tree ``tree_id`` (a main tree of ``channel_id``) imported from another channel."""
    return (
        ContentNode.objects.filter(tree_id=tree_id)
        .filter(original_channel_id__isnull=False, original_source_node_id__isnull=False)
        .exclude(original_channel_id=channel_id)
    )


def sync_channel_from_sources(
    *,
    channel_id: str,
    options: SyncOptions,
    actor_id: int | None = None,
    progress: Callable[[float], None] | None = None,
    batch_size: int | None = None,
    task_id: str | None = None,
) -> SyncResult:
    """Make the imported nodes of ``channel_id``'s main tree match their source nodes for
    the groups of data ``options`` selects. Returns counts of what was done.

    The source of a node is the node of its original channel's main tree (that channel not
    deleted) whose ``node_id`` is the node's ``original_source_node_id``, else one with the
    same ``content_id``. A node whose source is missing or not complete is skipped.
    Changed nodes are marked ``changed`` and their completeness re-checked; watchers of the
    channel get one UPDATED server change per changed node (its changed fields) and a
    CREATED / DELETED one per File or AssessmentItem row added or removed.

    Raises SyncError when the channel does not exist, is deleted, or has no imported node;
    whatever ``progress`` raises (``jobs.JobCancelled``) stops the job. Works in batches of
    ``batch_size`` (default BATCH_SIZE) nodes, each one transaction (retried when it collides
    with a concurrent edit): a node is synced wholly or not at all, batches already committed
    stay when a later one fails or the job is cancelled. Running it again converges to the same result, so a stopped sync is finished
    by re-running it. No tree lock: concurrent edits of the same rows are last-writer-wins;
    a node deleted meanwhile is simply not synced.

    Every run that starts syncing leaves a SyncReport (its nodes and which fields changed),
    also when it is cancelled or fails part-way (``status``): what committed batches did.
    """
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None or channel.deleted:
        raise SyncError("Cannot sync a deleted channel.")
    tree_id = ContentNode.objects.filter(pk=channel.main_tree_id).values_list("tree_id", flat=True).first()
    imported = imported_nodes(tree_id=tree_id, channel_id=channel.pk) if tree_id else ContentNode.objects.none()
    total = imported.count()
    if total == 0:
        raise SyncError("The channel has no imported content to sync.")
    result = SyncResult(imported=total)
    started = timezone.now()
    status = SyncReport.FAILED
    try:
        _sync_all(
            imported,
            total,
            options,
            result,
            channel_id=channel.pk,
            actor_id=actor_id,
            progress=progress,
            batch_size=batch_size or BATCH_SIZE,
        )
        status = SyncReport.FINISHED
    except BaseException as exc:
        status = SyncReport.CANCELLED if isinstance(exc, JobCancelled) else SyncReport.FAILED
        raise
    finally:
        result.report_id = _keep_report(
            result,
            channel_id=channel.pk,
            options=options,
            actor_id=actor_id,
            task_id=task_id,
            started=started,
            status=status,
        )
    return result


def _sync_all(
    imported: QuerySet[ContentNode],
    total: int,
    options: SyncOptions,
    result: SyncResult,
    *,
    channel_id: str,
    actor_id: int | None,
    progress: Callable[[float], None] | None,
    batch_size: int,
) -> None:
    report = progress or (lambda _p: None)
    report(0)
    done = 0
    last_lft = 0
    # Keyset pagination in tree order: each batch is one range scan of the (tree_id, lft)
    # index and only one batch of ids is in memory. A node moved meanwhile may be visited
    # twice (harmless: syncing converges) or missed (the next sync takes it).
    while True:
        rows = list(imported.filter(lft__gt=last_lft).order_by("lft").values_list("pk", "lft")[:batch_size])
        if not rows:
            break
        last_lft = rows[-1][1]
        ids = [pk for pk, _ in rows]
        if options.any:
            changed, skipped = _sync_batch_with_retries(ids, options, channel_id=channel_id, actor_id=actor_id)
            result.synced += len(changed)
            result.skipped += skipped
            result.changed += changed[: max(0, SyncReport.MAX_NODES - len(result.changed))]
        done += len(ids)
        report(min(100.0, 100.0 * done / total))
    report(100)


def _keep_report(
    result: SyncResult,
    *,
    channel_id: str,
    options: SyncOptions,
    actor_id: int | None,
    task_id: str | None,
    started: Any,
    status: str,
) -> str | None:
    """Store the run's SyncReport and drop the channel's reports beyond the newest
    KEPT_PER_CHANNEL. Never raises: the sync's own outcome matters more (logged)."""
    try:
        with transaction.atomic():
            report = SyncReport.objects.create(
                channel_id=channel_id,
                task_id=task_id or "",
                created_by_id=actor_id,
                started=started,
                finished=timezone.now(),
                status=status,
                options={name: getattr(options, name) for name in SYNC_OPTION_NAMES},
                imported=result.imported,
                synced=result.synced,
                skipped=result.skipped,
                nodes=result.changed,
                truncated=result.synced > len(result.changed),
            )
            stale = SyncReport.objects.filter(channel_id=channel_id).order_by("-started", "-pk")[
                SyncReport.KEPT_PER_CHANNEL :
            ]
            SyncReport.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()
        return report.pk
    except Exception:  # noqa: BLE001 - a report lost is logged, the sync stands
        logger.exception("could not keep the sync report of channel %s", channel_id)
        return None


def _sync_batch_with_retries(
    ids: list[str], options: SyncOptions, *, channel_id: str, actor_id: int | None
) -> tuple[list[dict[str, Any]], int]:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _sync_batch(ids, options, channel_id=channel_id, actor_id=actor_id)
        except DatabaseError as exc:
            # A deadlock with a concurrent edit, or (PostgreSQL checks foreign keys at commit)
            # a node deleted meanwhile: re-read the batch, which then skips that node.
            if not (is_deadlock(exc) or isinstance(exc, IntegrityError)) or attempt == MAX_ATTEMPTS:
                raise
            logger.info("sync batch of channel %s failed (%s), retrying (%s)", channel_id, exc, attempt)
    raise AssertionError("unreachable")


# --- one batch ------------------------------------------------------------------------------


@dataclass
class _Announcements:
    """Server changes to record at the end of a batch."""

    node_mods: dict[str, dict[str, Any]]
    rows: list[tuple[str, int, Any, dict[str, Any] | None]]  # (table, type, key, obj)
    # Node id -> what changed, for the report: field names, "tags", "files", "questions".
    fields: dict[str, set[str]] = field(default_factory=dict)

    def node(self, node_id: str, *changed: str) -> dict[str, Any]:
        self.fields.setdefault(node_id, set()).update(changed)
        return self.node_mods.setdefault(node_id, {})


def _sync_batch(
    ids: list[str], options: SyncOptions, *, channel_id: str, actor_id: int | None
) -> tuple[list[dict[str, Any]], int]:
    """Sync one batch; returns the report entries of the nodes it changed (in tree order)
    and how many nodes it skipped."""
    nodes = list(ContentNode.objects.filter(pk__in=ids))
    sources = _find_sources(nodes)
    pairs = [(node, sources[node.pk]) for node in nodes if node.pk in sources]
    skipped = len(nodes) - len(pairs)
    news = _Announcements(node_mods={}, rows=[])

    fields: list[str] = []
    if options.titles_and_descriptions:
        fields += TITLE_FIELDS
    if options.resource_details:
        fields += DETAIL_FIELDS
    if fields:
        _sync_fields(pairs, fields, news)
    if options.resource_details:
        _sync_tags(pairs, news)
    if options.files:
        _sync_files(pairs, news)
    if options.assessment_items:
        _sync_items(pairs, news)

    changed_ids = list(news.node_mods)
    if not changed_ids:
        return [], skipped
    tree.mark_changed(changed_ids)
    for node_id, complete in refresh_completeness(node_ids=changed_ids).items():
        news.node(node_id)["complete"] = complete
    _announce(news, channel_id=channel_id, actor_id=actor_id)
    entries = [
        {
            "id": node.pk,
            "node_id": node.node_id,
            "title": node.title,
            "kind": node.kind_id,
            "parent": node.parent_id,
            "fields": sorted(news.fields.get(node.pk, ())),
        }
        for node in sorted(nodes, key=lambda n: n.lft)
        if node.pk in news.node_mods
    ]
    return entries, skipped


def _find_sources(nodes: list[ContentNode]) -> dict[str, ContentNode]:
    """Node id -> its complete source node (see sync_channel_from_sources)."""
    channel_ids = {n.original_channel_id for n in nodes}
    trees = dict(
        Channel.objects.filter(pk__in=channel_ids, deleted=False, main_tree__isnull=False).values_list(
            "pk", "main_tree__tree_id"
        )
    )
    wanted = [n for n in nodes if n.original_channel_id in trees]
    if not wanted:
        return {}
    candidates = ContentNode.objects.filter(tree_id__in=set(trees.values()), parent__isnull=False)
    by_node_id = {
        (s.tree_id, s.node_id): s
        for s in candidates.filter(node_id__in={n.original_source_node_id for n in wanted}).order_by("-lft")
    }
    found: dict[str, ContentNode] = {}
    missing = []
    for node in wanted:
        source = by_node_id.get((trees[node.original_channel_id], node.original_source_node_id))
        if source is None:
            missing.append(node)
        else:
            found[node.pk] = source
    if missing:
        # ``-lft``: when several nodes share the content_id the first in tree order wins.
        by_content_id = {
            (s.tree_id, s.content_id): s
            for s in candidates.filter(content_id__in={n.content_id for n in missing}).order_by("-lft")
        }
        for node in missing:
            source = by_content_id.get((trees[node.original_channel_id], node.content_id))
            if source is not None:
                found[node.pk] = source
    return {pk: source for pk, source in found.items() if source.complete is True}


def _sync_fields(pairs: list[tuple[ContentNode, ContentNode]], fields: list[str], news: _Announcements) -> None:
    to_update = []
    for node, source in pairs:
        differing = [f for f in fields if getattr(node, f) != getattr(source, f)]
        if not differing:
            continue
        for name in differing:
            setattr(node, name, getattr(source, name))
            wire = WIRE_NAMES.get(name, name)
            news.node(node.pk, wire)[wire] = getattr(source, name)
        to_update.append(node)
    if to_update:
        # Every flagged field is set to the source's value, so writing the unchanged ones too
        # (one UPDATE for the batch) writes nothing a per-node UPDATE would not.
        ContentNode.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)


def _tag_names(node_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """Node id -> {tag name: ContentTag id}."""
    through = ContentNode.tags.through
    result: dict[str, dict[str, str]] = {}
    rows = through.objects.filter(contentnode_id__in=list(node_ids)).values_list(
        "contentnode_id", "contenttag__tag_name", "contenttag_id"
    )
    for node_id, name, tag_id in rows:
        result.setdefault(node_id, {})[name] = tag_id
    return result


def _sync_tags(pairs: list[tuple[ContentNode, ContentNode]], news: _Announcements) -> None:
    """Give each node the source's tags (the same ContentTag rows, as a copy has)."""
    mine = _tag_names(n.pk for n, _ in pairs)
    theirs = _tag_names(s.pk for _, s in pairs)
    through = ContentNode.tags.through
    remove = Q(pk__in=[])
    add = []
    for node, source in pairs:
        have, want = mine.get(node.pk, {}), theirs.get(source.pk, {})
        if set(have) == set(want):
            continue
        gone = [have[name] for name in set(have) - set(want)]
        if gone:
            remove |= Q(contentnode_id=node.pk, contenttag_id__in=gone)
        add += [through(contentnode_id=node.pk, contenttag_id=want[name]) for name in set(want) - set(have)]
        news.node(node.pk, "tags")["tags"] = dict.fromkeys(sorted(want), True)
    through.objects.filter(remove).delete()
    through.objects.bulk_create(add)


def _file_key(file: File) -> tuple[str | None, str | None]:
    # Subtitles are told apart by language; every other preset holds one file per node.
    language = file.language_id if file.preset_id == format_presets.VIDEO_SUBTITLE else None
    return (file.preset_id, language)


def _clone_file(file: File, **owner: Any) -> File:
    values = {name: getattr(file, name) for name in FILE_FIELDS}
    return File(id=new_hex_id(), modified=timezone.now(), **values, **owner)


def _grouped(rows: Iterable[Row], attribute: str) -> dict[Any, list[Row]]:
    """The rows (File or AssessmentItem) by the value of ``attribute``."""
    result: dict[Any, list[Row]] = {}
    for row in rows:
        result.setdefault(getattr(row, attribute), []).append(row)
    return result


def _sync_files(pairs: list[tuple[ContentNode, ContentNode]], news: _Announcements) -> None:
    """Per preset (subtitles: preset + language), replace the node's files whose checksums
    differ from the source's, add the missing ones, remove the ones the source lacks."""
    mine = _grouped(File.objects.filter(contentnode_id__in=[n.pk for n, _ in pairs]), "contentnode_id")
    theirs = _grouped(File.objects.filter(contentnode_id__in=[s.pk for _, s in pairs]), "contentnode_id")
    doomed: list[File] = []
    fresh: list[File] = []
    for node, source in pairs:
        have = _grouped_by_key(mine.get(node.pk, []))
        want = _grouped_by_key(theirs.get(source.pk, []))
        touched = False
        for key in set(have) | set(want):
            old, new = have.get(key, []), want.get(key, [])
            if sorted(f.checksum for f in old) == sorted(f.checksum for f in new):
                continue
            doomed += old
            fresh += [_clone_file(f, contentnode_id=node.pk) for f in new]
            touched = True
        if touched:
            news.node(node.pk, "files")
    _replace_files(doomed, fresh, news)


def _grouped_by_key(files: list[File]) -> dict[tuple, list[File]]:
    result: dict[tuple, list[File]] = {}
    for file in files:
        result.setdefault(_file_key(file), []).append(file)
    return result


def _replace_files(doomed: list[File], fresh: list[File], news: _Announcements) -> None:
    if doomed:
        File.objects.filter(pk__in=[f.pk for f in doomed]).delete()
        news.rows += [(FILE, DELETED, f.pk, None) for f in doomed]
    if fresh:
        File.objects.bulk_create(fresh)
        news.rows += [(FILE, CREATED, f.pk, serialize_file(f)) for f in fresh]


def _item_obj(item: AssessmentItem) -> dict[str, Any]:
    obj = {name: getattr(item, name) for name in ITEM_FIELDS if name != "raw_data"}
    obj.update(contentnode=item.contentnode_id, assessment_id=item.assessment_id)
    return obj


def _sync_items(pairs: list[tuple[ContentNode, ContentNode]], news: _Announcements) -> None:
    """By ``assessment_id``: create the source's items the node lacks, update the ones that
    differ (fields or files), delete the ones the source no longer has."""
    node_ids = [n.pk for n, _ in pairs]
    source_ids = [s.pk for _, s in pairs]
    mine = _grouped(AssessmentItem.objects.filter(contentnode_id__in=node_ids), "contentnode_id")
    theirs = _grouped(AssessmentItem.objects.filter(contentnode_id__in=source_ids, deleted=False), "contentnode_id")
    item_files = _grouped(
        File.objects.filter(assessment_item__contentnode_id__in=node_ids + source_ids), "assessment_item_id"
    )

    def checksums(item: AssessmentItem) -> list[tuple]:
        return sorted((f.checksum, f.preset_id or "") for f in item_files.get(item.pk, []))

    doomed_items: list[AssessmentItem] = []
    changed_items: list[AssessmentItem] = []
    new_items: list[tuple[AssessmentItem, AssessmentItem]] = []  # (new, source item)
    doomed_files: list[File] = []
    fresh_files: list[File] = []
    for node, source in pairs:
        have = {i.assessment_id: i for i in mine.get(node.pk, [])}
        want = {i.assessment_id: i for i in theirs.get(source.pk, [])}
        touched = False
        for assessment_id, stale in have.items():
            if assessment_id not in want:
                doomed_items.append(stale)
                touched = True
        for assessment_id, wanted in want.items():
            item = have.get(assessment_id)
            if item is None:
                copy = AssessmentItem(contentnode_id=node.pk, assessment_id=assessment_id, deleted=False)
                for name in ITEM_FIELDS:
                    setattr(copy, name, getattr(wanted, name))
                new_items.append((copy, wanted))
                touched = True
                continue
            differing = [f for f in ITEM_FIELDS if getattr(item, f) != getattr(wanted, f)]
            if differing or item.deleted:
                for name in ITEM_FIELDS:
                    setattr(item, name, getattr(wanted, name))
                item.deleted = False
                changed_items.append(item)
                touched = True
            if checksums(item) != checksums(wanted):
                doomed_files += item_files.get(item.pk, [])
                fresh_files += [_clone_file(f, assessment_item_id=item.pk) for f in item_files.get(wanted.pk, [])]
                if item not in changed_items:
                    changed_items.append(item)
                touched = True
        if touched:
            news.node(node.pk, "questions")

    if doomed_items:
        # Their File rows go with them (cascade); the stored objects stay.
        AssessmentItem.objects.filter(pk__in=[i.pk for i in doomed_items]).delete()
        news.rows += [(ASSESSMENTITEM, DELETED, [i.contentnode_id, i.assessment_id], None) for i in doomed_items]
    if changed_items:
        AssessmentItem.objects.bulk_update(changed_items, [*ITEM_FIELDS, "deleted"], batch_size=BATCH_SIZE)
        # An update is announced as a re-creation: the client replaces the whole item.
        news.rows += [
            (ASSESSMENTITEM, CREATED, [i.contentnode_id, i.assessment_id], _item_obj(i)) for i in changed_items
        ]
    if new_items:
        AssessmentItem.objects.bulk_create([i for i, _ in new_items])
        stored = {
            (i.contentnode_id, i.assessment_id): i.pk
            for i in AssessmentItem.objects.filter(contentnode_id__in={i.contentnode_id for i, _ in new_items})
        }
        for created, wanted in new_items:
            created.pk = stored[(created.contentnode_id, created.assessment_id)]
            fresh_files += [_clone_file(f, assessment_item_id=created.pk) for f in item_files.get(wanted.pk, [])]
        news.rows += [
            (ASSESSMENTITEM, CREATED, [i.contentnode_id, i.assessment_id], _item_obj(i)) for i, _ in new_items
        ]
    _replace_files(doomed_files, fresh_files, news)


def _announce(news: _Announcements, *, channel_id: str, actor_id: int | None) -> None:
    """Tell the channel's watchers; inside the batch transaction, so the records commit (and
    the feed lock is released) with the batch. One INSERT for the whole batch."""
    entries = [
        {
            "table": CONTENTNODE,
            "key": node_id,
            "mods": {"changed": True, **mods},
            "channel_id": channel_id,
            "created_by_id": actor_id,
        }
        for node_id, mods in news.node_mods.items()
    ]
    entries += [
        {
            "table": table,
            "key": key,
            "change_type": change_type,
            "channel_id": channel_id,
            "created_by_id": actor_id,
            **({"obj": obj} if obj is not None else {}),
        }
        for table, change_type, key, obj in news.rows
    ]
    record_server_changes(entries)
