"""A version's manifest (PublishedNode rows) and the differences between two versions.

The manifest is read from the finished content database, like the version's summary
(versions.py): it describes exactly what Kolibri imports. Only this module writes
PublishedNode rows.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, TypedDict

from django.db import transaction
from le_utils.constants import format_presets

from .. import storage
from ..db.bulk import copy_values
from ..errors import NotFound
from ..models import LABEL_FIELDS, ChannelVersion, PublishedNode
from ..models.published_node import DIGEST_LENGTH

# Exported node columns behind the "details" digest (title, description, place and files
# have their own).
DETAIL_COLUMNS = (
    "license_name",
    "license_description",
    "license_owner",
    "author",
    "coach_content",
    "lang_id",
    "license_id",
    "options",
    *LABEL_FIELDS,  # the exported label columns have the node's field names
    "duration",
)
# The exercise archive is rebuilt from the questions: its checksum changes with them.
QUESTION_PRESETS = frozenset({format_presets.EXERCISE, format_presets.QTI_ZIP})
MANIFEST_FIELDS = (
    "version_id",
    "node_id",
    "node_pk",
    "lft",
    "content_id",
    "parent_node_id",
    "title",
    "kind",
    "description_digest",
    "details_digest",
    "files_digest",
    "questions_digest",
)
WRITE_BATCH = 5000  # rows per COPY / bulk_create: bounds memory, not measurably slower
# What a diff reports as changed, in this order: each name is one PublishedNode column pair.
COMPARED = (
    ("title", "title"),
    ("description", "description_digest"),
    ("details", "details_digest"),
    ("files", "files_digest"),
    ("questions", "questions_digest"),
    ("parent", "parent_node_id"),
)

# What a diff entry shows of a node, in this order (``_entry``).
ENTRY_COLUMNS = ("node_id", "node_pk", "title", "kind", "parent_node_id")

DiffKind = Literal["added", "removed", "changed"]
DIFF_KINDS: tuple[DiffKind, ...] = ("added", "removed", "changed")


class DiffEntry(TypedDict):
    node_id: str
    id: str  # the ContentNode pk ("" when unknown)
    title: str
    kind: str
    parent_node_id: str
    change: DiffKind
    fields: list[str]


def _digest(values: Any) -> str:
    return hashlib.sha256(repr(values).encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_LENGTH]


def read_manifest(path: Path | str, node_pks: Mapping[str, str] | None = None) -> Iterator[tuple]:
    """Rows of MANIFEST_FIELDS (without the version id) for every node of the database at
    ``path``; ``node_pks`` maps node_id to the ContentNode pk (the database lacks it)."""
    node_pks = node_pks or {}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        files: dict[str, list] = defaultdict(list)
        questions: dict[str, list] = defaultdict(list)
        for node_id, preset, checksum, lang in conn.execute(
            "SELECT contentnode_id, preset, checksum, lang_id FROM content_file ORDER BY contentnode_id, preset, checksum"
        ):
            (questions if preset in QUESTION_PRESETS else files)[node_id].append((preset, checksum, lang))
        for row in conn.execute(
            "SELECT contentnode_id, assessment_item_ids, number_of_assessments, mastery_model, randomize"
            " FROM content_assessmentmetadata"
        ):
            questions[row[0]].append(row[1:])
        tags: dict[str, list[str]] = defaultdict(list)
        for node_id, name in conn.execute(
            "SELECT t.contentnode_id, g.tag_name FROM content_contentnode_tags t"
            " JOIN content_contenttag g ON g.id = t.contenttag_id ORDER BY t.contentnode_id, g.tag_name"
        ):
            tags[node_id].append(name)
        cursor = conn.execute(
            "SELECT id, lft, content_id, parent_id, title, kind, description, "
            + ", ".join(DETAIL_COLUMNS)
            + " FROM content_contentnode ORDER BY lft"
        )
        for node_id, lft, content_id, parent_id, title, kind, description, *details in cursor:
            yield (
                node_id,
                node_pks.get(node_id, ""),
                lft,
                content_id,
                parent_id or "",
                title or "",
                kind,
                _digest(description or ""),
                _digest((details, tags.get(node_id, []))),
                _digest(files.get(node_id, [])),
                _digest(questions.get(node_id, [])),
            )
    finally:
        conn.close()


def record_version_manifest(*, version: ChannelVersion, rows: Iterable[tuple]) -> int:
    """Make ``version``'s PublishedNode rows the manifest ``rows`` (``read_manifest``'s) and
    mark it recorded; returns the number of nodes. Run it in the transaction that records
    the version (publisher._record_version, which reads the rows before it), or alone
    (``ensure_manifest``)."""
    PublishedNode.objects.filter(version=version).delete()
    count = 0
    batch: list[tuple] = []
    for row in rows:
        batch.append((version.pk, *row))
        if len(batch) >= WRITE_BATCH:
            copy_values(PublishedNode, MANIFEST_FIELDS, batch)
            count += len(batch)
            batch = []
    copy_values(PublishedNode, MANIFEST_FIELDS, batch)
    count += len(batch)
    ChannelVersion.objects.filter(pk=version.pk).update(manifest_recorded=True)
    version.manifest_recorded = True
    return count


def ensure_manifest(version: ChannelVersion) -> bool:
    """Read the manifest of a version published before manifests were kept back from its
    stored database (without node pks, which it does not hold). False when that database is
    no longer stored. Locks the version row while it writes."""
    if version.manifest_recorded:
        return True
    with storage.local_channel_database(version.channel_id, version.version) as path:
        if path is None:
            return False
        with transaction.atomic():
            locked = ChannelVersion.objects.select_for_update().get(pk=version.pk)
            if not locked.manifest_recorded:
                record_version_manifest(version=locked, rows=read_manifest(path))
    version.manifest_recorded = True
    return True


def _published_version(channel_id: str, number: int) -> ChannelVersion:
    version = ChannelVersion.objects.filter(channel_id=channel_id, version=number).first()
    if version is None:
        raise NotFound(f"Version {number} of this channel does not exist.")
    if not ensure_manifest(version):
        raise NotFound(f"Version {number} is no longer stored, so it cannot be compared.")
    return version


def diff_versions(*, channel_id: str, old: int, new: int) -> list[DiffEntry]:
    """The nodes added, removed and changed (with the groups of fields that differ, see
    COMPARED) from published version ``old`` to ``new`` of the channel, in ``new``'s tree
    order with the removed ones last (in ``old``'s order). Comparing any two versions works
    both ways. Raises NotFound for a version that does not exist or is no longer stored.

    Reads both manifests as tuples (two 100,000-node versions: ~1 s of CPU on SQLite;
    EXISTS subqueries picking only the differing rows took twice as long there).
    """
    before = _published_version(channel_id, old)
    after = _published_version(channel_id, new)
    compared = [column for _, column in COMPARED]
    old_rows = {
        row[0]: row[1:]
        for row in PublishedNode.objects.filter(version=before).order_by("lft").values_list("node_id", *compared)
    }
    entries: list[DiffEntry] = []
    new_rows = PublishedNode.objects.filter(version=after).order_by("lft").values_list(*ENTRY_COLUMNS, *compared)
    for row in new_rows.iterator(chunk_size=WRITE_BATCH):
        values = row[len(ENTRY_COLUMNS) :]
        previous = old_rows.pop(row[0], None)
        if previous is None:
            entries.append(_entry(row, "added", []))
        elif values != previous:
            fields = [name for (name, _), a, b in zip(COMPARED, values, previous, strict=True) if a != b]
            entries.append(_entry(row, "changed", fields))
    if old_rows:
        gone = PublishedNode.objects.filter(version=before, node_id__in=list(old_rows)).order_by("lft")
        entries += [_entry(row, "removed", []) for row in gone.values_list(*ENTRY_COLUMNS)]
    return entries


def _entry(row: tuple, change: DiffKind, fields: list[str]) -> DiffEntry:
    node_id, node_pk, title, kind, parent_node_id = row[: len(ENTRY_COLUMNS)]
    return {
        "node_id": node_id,
        "id": node_pk,
        "title": title,
        "kind": kind,
        "parent_node_id": parent_node_id,
        "change": change,
        "fields": fields,
    }
