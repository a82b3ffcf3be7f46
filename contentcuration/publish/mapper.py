"""Streaming a tree into a Kolibri content database.

The tree is read in ``lft`` order in chunks (``.iterator``), with one query per chunk for
files, questions and tags, so memory holds one chunk plus the open ancestors, whatever the
size of the channel (benchmarks/publish.py: 100,000 nodes). Only publishable nodes go out:
complete, and a resource or a topic with a publishable descendant. Skipping changes the
nested-set numbering, so the export numbers nodes itself, depth first: a topic gets its
``lft`` only when its first publishable descendant arrives (nothing was numbered in between,
so the number is the one it would have had) and its ``rght`` when it closes; a topic that
closes without one is an empty topic and is dropped.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from le_utils.constants import completion_criteria, content_kinds, format_presets

from .. import storage
from ..models import AssessmentItem, Channel, ContentNode, File, FormatPreset, Language, License
from .exercises import build_perseus, exercise_options, mastery_for
from .failures import NodeError, TreeChangedDuringExport
from .kolibri_schema import MAX_FILE_SIZE, ContentDatabase
from .qti import build_qti, needs_qti
from .slideshows import build_slideshow_manifest

CHUNK_SIZE = 2000  # benchmarks/publish.py: 1000-5000 within noise; bounds memory per chunk
# Smaller trees are read in smaller chunks so that progress (reported per chunk) moves in
# steps of ~2 % at most: benchmarks/publish_progress.py.
PROGRESS_STEPS = 50
MIN_CHUNK_SIZE = 200
TREE_ID = 1  # Kolibri replaces it on import; one value for the whole channel
MAX_TAG_LENGTH = 30  # content_contenttag.tag_name is varchar(30) in Kolibri
# Packed inside the exercise archive instead of exported as files of their own.
ARCHIVE_PRESETS = (format_presets.EXERCISE_IMAGE, format_presets.EXERCISE_GRAPHIE)
# A namespace for the ids of rows the export creates (perseus files, assessment metadata), so
# they are stable across versions without being stored anywhere.
EXPORT_NAMESPACE = uuid.UUID("6d1b4c2e-2f0a-4a5b-9a59-3a3b9a1c0e51")
TIME_MODELS = (completion_criteria.TIME, completion_criteria.APPROX_TIME)
TIMED_KINDS = (content_kinds.AUDIO, content_kinds.VIDEO)
# The reasons a publish reports for the nodes it leaves out (PublishResult.skipped).
INCOMPLETE = "incomplete: a required field, file or question is missing"
EMPTY_TOPIC = "empty topic: nothing publishable inside"
# Why a complete resource is still left out when _resource_extras finds nothing to export.
NOTHING_TO_SHOW = {
    content_kinds.EXERCISE: "exercise has no questions",
    content_kinds.SLIDESHOW: "slideshow has no slides",
}
DATA_URI_RE = re.compile(r"data:image/(png|jpeg|jpg|gif|webp);base64,(.+)", re.S)

NODE_FIELDS = (
    "id",
    "node_id",
    "content_id",
    "parent_id",
    "kind_id",
    "title",
    "description",
    "author",
    "copyright_holder",
    "license_id",
    "license_description",
    "language_id",
    "role_visibility",
    "sort_order",
    "extra_fields",
    "complete",
    "changed",
    "lft",
    "rght",
    "grade_levels",
    "resource_types",
    "learning_activities",
    "accessibility_labels",
    "categories",
    "learner_needs",
    "thumbnail_encoding",
)


@dataclass
class _Open:
    """A topic whose subtree is still being read."""

    row: dict
    lft: int | None = None
    files: list = field(default_factory=list)
    tags: list = field(default_factory=list)


@dataclass
class ExportSummary:
    node_count: int = 0
    resource_count: int = 0
    skipped: list[dict] = field(default_factory=list)  # nodes left out: {id, node_id, title, reason}
    skipped_ranges: list[tuple[int, int]] = field(default_factory=list)  # Studio lft..rght not exported
    changed_node_ids: set[str] = field(default_factory=set)
    node_pks: dict[str, str] = field(default_factory=dict)  # exported node_id -> ContentNode pk
    languages: set[str] = field(default_factory=set)
    licenses: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


def stable_id(*parts: str) -> str:
    return uuid.uuid5(EXPORT_NAMESPACE, ":".join(parts)).hex


def _labels(value: Any) -> str | None:
    if not value:
        return None
    if isinstance(value, dict):
        keys = [k for k, v in value.items() if v]
    else:
        keys = [str(k) for k in value]
    return ",".join(sorted(keys)) or None


def _chunks(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    while chunk := list(islice(rows, size)):
        yield chunk


class TreeExporter:
    """Writes one tree (a channel's main or staging tree) into ``db``.

    Raises TreeChangedDuringExport when the rows stop forming a tree (a move committed while
    the tree was being read); the caller starts over. Per-node problems are collected in
    ``summary.errors`` and the node is left out, so one run reports every node at fault.
    """

    def __init__(
        self,
        *,
        channel: Channel,
        root: ContentNode,
        db: ContentDatabase,
        progress: Callable[[float], None] | None = None,
    ):
        self.channel = channel
        self.root = root
        self.db = db
        self.progress = progress or (lambda _p: None)
        self.summary = ExportSummary()
        self.counter = 1
        self.stack: list[_Open] = []
        self.skip_until = 0  # Studio rght of the subtree being skipped
        self.exported_resource: tuple[int, int] | None = None  # (lft, rght) of the last resource exported
        self.presets = {p.id: p for p in FormatPreset.objects.all()}
        self.license_names = dict(License.objects.values_list("id", "license_name"))

    # --- driving ----------------------------------------------------------------------------

    def run(self, *, start: float = 0, end: float = 100) -> ExportSummary:
        subtree = ContentNode.objects.filter(tree_id=self.root.tree_id, lft__gte=self.root.lft, lft__lte=self.root.rght)
        total = max(1, subtree.count())  # sparse numbering: the width is not the node count
        chunk_size = min(CHUNK_SIZE, max(MIN_CHUNK_SIZE, total // PROGRESS_STEPS))
        rows = (
            ContentNode.objects.filter(tree_id=self.root.tree_id, lft__gte=self.root.lft, lft__lte=self.root.rght)
            .order_by("lft")
            .values(*NODE_FIELDS)
            .iterator(chunk_size=chunk_size)
        )
        done = 0
        for chunk in _chunks(rows, chunk_size):
            self._chunk(chunk)
            done += len(chunk)
            self.progress(start + (end - start) * min(1.0, done / total))
        while self.stack:
            self._close(self.stack.pop())
        if done == 0:
            raise TreeChangedDuringExport("the tree root disappeared")
        self.db.flush()
        return self.summary

    def _chunk(self, chunk: list[dict]) -> None:
        # Related rows are selected by the chunk's lft range (a join on the tree index) rather
        # than by a list of 2,000 ids: preparing the id parameters cost more than the queries.
        in_chunk = {
            "contentnode__tree_id": self.root.tree_id,
            "contentnode__lft__gte": chunk[0]["lft"],
            "contentnode__lft__lte": chunk[-1]["lft"],
        }
        files: dict[str, list] = defaultdict(list)
        for f in (
            File.objects.filter(**in_chunk)
            .exclude(preset_id__in=ARCHIVE_PRESETS)
            .order_by("id")
            .values(
                "id",
                "contentnode_id",
                "checksum",
                "file_size",
                "file_format_id",
                "preset_id",
                "language_id",
                "duration",
            )
        ):
            files[f["contentnode_id"]].append(f)
        items: dict[str, list] = defaultdict(list)
        if any(r["kind_id"] == content_kinds.EXERCISE for r in chunk):
            for item in (
                AssessmentItem.objects.filter(**in_chunk, contentnode__kind_id=content_kinds.EXERCISE, deleted=False)
                .order_by("order", "id")
                .values(
                    "contentnode_id", "assessment_id", "type", "question", "answers", "hints", "raw_data", "randomize"
                )
            ):
                items[item["contentnode_id"]].append(item)
        tags: dict[str, list] = defaultdict(list)
        for node_pk, tag_id, tag_name in ContentNode.tags.through.objects.filter(**in_chunk).values_list(
            "contentnode_id", "contenttag_id", "contenttag__tag_name"
        ):
            if tag_name and len(tag_name) <= MAX_TAG_LENGTH:
                tags[node_pk].append((tag_id, tag_name))
        for row in chunk:
            self._row(row, files.get(row["id"], []), items.get(row["id"], []), tags.get(row["id"], []))

    # --- one row ----------------------------------------------------------------------------

    def _row(self, row: dict, files: list, items: list, tags: list) -> None:
        if row["lft"] <= self.skip_until:
            if self.exported_resource is not None:
                # A resource with children: the children are not part of any Kolibri tree.
                # (Known only when a child arrives: sparse numbering leaves gaps inside leaves.)
                lft, rght = self.exported_resource
                self.summary.skipped_ranges.append((lft + 1, rght))
                self.exported_resource = None
            return
        self.exported_resource = None
        while self.stack and self.stack[-1].row["rght"] < row["lft"]:
            self._close(self.stack.pop())
        expected_parent = self.stack[-1].row["id"] if self.stack else None
        is_root = not self.stack and row["id"] == self.root.id
        if not is_root and row["parent_id"] != expected_parent:
            # lft order no longer matches parent links: a move committed while we read.
            raise TreeChangedDuringExport(f"node {row['id']} is not under {expected_parent}")
        if not row["complete"]:
            self._skip(row, INCOMPLETE)
            return
        if (row["kind_id"] or content_kinds.TOPIC) == content_kinds.TOPIC:
            entry = _Open(row=row, files=files, tags=tags)
            if not self.stack:
                entry.lft = self._next()  # the root is always exported, even before a resource
            self.stack.append(entry)
            return
        try:
            extra = self._resource_extras(row, files, items)
        except NodeError as exc:
            self.summary.errors.append(str(exc))
            self.skip_until = row["rght"]
            self.summary.skipped_ranges.append((row["lft"], row["rght"]))
            return
        if extra is None:
            self._skip(row, NOTHING_TO_SHOW.get(row["kind_id"], "nothing to show"))
            return
        for entry in self.stack:
            if entry.lft is None:
                entry.lft = self._next()
        lft = self._next()
        rght = self._next()
        self._write_node(row, lft, rght, len(self.stack), extra["options"], extra["duration"])
        self._write_files(row, extra["files"])
        self._write_tags(row, tags)
        if extra.get("assessment"):
            self.db.add("assessment", extra["assessment"])
        self.summary.resource_count += 1
        self.skip_until = row["rght"]
        self.exported_resource = (row["lft"], row["rght"])

    def _skip(self, row: dict, reason: str) -> None:
        self.summary.skipped.append(
            {"id": row["id"], "node_id": row["node_id"], "title": row["title"], "reason": reason}
        )
        self.skip_until = row["rght"]
        self.summary.skipped_ranges.append((row["lft"], row["rght"]))

    def _close(self, entry: _Open) -> None:
        row = entry.row
        if entry.lft is None:
            # Empty topic (no publishable descendant): dropped, as Studio does, and said so.
            self.summary.skipped.append(
                {"id": row["id"], "node_id": row["node_id"], "title": row["title"], "reason": EMPTY_TOPIC}
            )
            self.summary.skipped_ranges.append((row["lft"], row["rght"]))
            return
        rght = self._next()
        level = len(self.stack)
        options = (row["extra_fields"] or {}).get("options") or {}
        self._write_node(row, entry.lft, rght, level, options, None)
        self._write_files(row, entry.files)
        self._write_tags(row, entry.tags)

    def _next(self) -> int:
        value = self.counter
        self.counter += 1
        return value

    # --- content ----------------------------------------------------------------------------

    def _label(self, row: dict) -> str:
        return f"{row['kind_id']} {row['title']!r} (node {row['id']})"

    def _resource_extras(self, row: dict, files: list, items: list) -> dict | None:
        # JSON objects as the client sent them: any value may be missing or of the wrong type.
        extra_fields: dict[str, Any] = row["extra_fields"] or {}
        options: dict[str, Any] = extra_fields.get("options") or {}
        criteria: dict[str, Any] = options.get("completion_criteria") or {}
        duration = None
        if criteria.get("model") in TIME_MODELS:
            try:
                duration = int(criteria["threshold"])
            except (KeyError, TypeError, ValueError):
                duration = None
        elif row["kind_id"] in TIMED_KINDS:
            duration = max((f["duration"] or 0 for f in files), default=0) or None
        out: dict[str, Any] = {"options": options, "duration": duration, "files": files}
        if row["kind_id"] == content_kinds.SLIDESHOW:
            return self._slideshow_extras(row, files, out)
        if row["kind_id"] != content_kinds.EXERCISE:
            return out
        if not items:
            return None
        label = self._label(row)
        replaced: tuple[str, ...]  # the presets the generated archive takes the place of
        try:
            mastery = mastery_for(extra_fields, len(items))
        except (TypeError, ValueError) as exc:
            raise NodeError(f"{label}: {exc}") from exc
        randomize = bool(extra_fields.get("randomize", True))
        if needs_qti(items):
            # free_response / QTI questions: Perseus cannot show them (spec kolibri-export 5).
            data, question_ids = build_qti(
                node_label=label,
                content_id=row["content_id"],
                title=row["title"] or "",
                language=self._lang(row),
                items=items,
            )
            ext, preset, replaced = "zip", format_presets.QTI_ZIP, (format_presets.EXERCISE, format_presets.QTI_ZIP)
        else:
            data, question_ids = build_perseus(node_label=label, items=items, mastery=mastery, randomize=randomize)
            ext, preset, replaced = "perseus", format_presets.EXERCISE, (format_presets.EXERCISE,)
        checksum, _key = storage.save_bytes(data, ext)
        archive = {
            "id": stable_id(row["id"], ext),
            "checksum": checksum,
            "file_size": len(data),
            "file_format_id": ext,
            "preset_id": preset,
            "language_id": None,
            "duration": None,
        }
        out["files"] = [f for f in files if f["preset_id"] not in replaced] + [archive]
        out["options"] = exercise_options(extra_fields, mastery)
        out["assessment"] = (
            stable_id(row["id"], "assessment"),
            row["node_id"],
            json.dumps(question_ids),
            len(question_ids),
            json.dumps(mastery.as_model()),
            int(randomize),
            1,
        )
        return out

    def _slideshow_extras(self, row: dict, files: list, out: dict[str, Any]) -> dict | None:
        """Adds the manifest Kolibri renders a slideshow from; None when it has no slides."""
        data = build_slideshow_manifest(node_label=self._label(row), extra_fields=row["extra_fields"], files=files)
        if data is None:
            return None
        checksum, _key = storage.save_bytes(data, "json")
        manifest = {
            "id": stable_id(row["id"], format_presets.SLIDESHOW_MANIFEST),
            "checksum": checksum,
            "file_size": len(data),
            "file_format_id": "json",
            "preset_id": format_presets.SLIDESHOW_MANIFEST,
            "language_id": None,
            "duration": None,
        }
        # A manifest stored on the node (uploaded by an old chef) would disagree with the slides.
        out["files"] = [f for f in files if f["preset_id"] != format_presets.SLIDESHOW_MANIFEST] + [manifest]
        return out

    def _lang(self, row: dict) -> str | None:
        if row["language_id"] or (row["kind_id"] == content_kinds.TOPIC and self.stack):
            return row["language_id"]
        for entry in reversed(self.stack):
            if entry.row["language_id"]:
                return entry.row["language_id"]
        return self.channel.language_id

    def _write_node(self, row: dict, lft: int, rght: int, level: int, options: dict, duration: int | None) -> None:
        is_root = row["id"] == self.root.id
        is_topic = (row["kind_id"] or content_kinds.TOPIC) == content_kinds.TOPIC
        lang = self._lang(row)
        if lang:
            self.summary.languages.add(lang)
        license_id = row["license_id"]
        if license_id:
            self.summary.licenses.add(license_id)
        parent_node_id = None
        if not is_root:
            # After a pop the parent is the new top of the stack; for a resource it is the top.
            parent_node_id = self.stack[-1].row["node_id"] if self.stack else None
        self.db.add(
            "node",
            (
                row["node_id"],
                parent_node_id,
                (self.channel.name if is_root else row["title"]) or "",
                row["content_id"],
                self.channel.id,
                row["kind_id"] or content_kinds.TOPIC,
                1,
                int(row["role_visibility"] == "coach"),
                row["copyright_holder"] or "",
                row["author"] or "",
                self.license_names.get(license_id),
                row["license_description"] or None,
                license_id,
                row["description"] or "",
                row["sort_order"],
                json.dumps(options) if options else "{}",
                _labels(row["grade_levels"]),
                _labels(row["resource_types"]),
                None if is_topic else _labels(row["learning_activities"]),
                None if is_topic else _labels(row["accessibility_labels"]),
                _labels(row["categories"]),
                _labels(row["learner_needs"]),
                duration,
                lft,
                rght,
                TREE_ID,
                level,
                lang,
                "",
            ),
        )
        self.summary.node_count += 1
        self.summary.node_pks[row["node_id"]] = row["id"]
        if row["changed"]:
            self.summary.changed_node_ids.add(row["node_id"])

    def _write_files(self, row: dict, files: list) -> None:
        for f in files:
            preset = self.presets.get(f["preset_id"])
            ext = (f["file_format_id"] or "").lower()
            checksum = (f["checksum"] or "").lower()
            if preset is None or not ext or not storage.CHECKSUM_RE.fullmatch(checksum):
                self.summary.errors.append(
                    f"{self._label(row)}: file {f['id']} has no valid checksum, format or preset"
                )
                continue
            size = f["file_size"] if f["file_size"] is not None and f["file_size"] <= MAX_FILE_SIZE else None
            if preset.thumbnail:
                cropped = _encoded_thumbnail(row["thumbnail_encoding"])
                if cropped is not None:
                    # As Studio does: the thumbnail the curator cropped in the editor, not the upload.
                    ext, data = cropped
                    checksum, _key = storage.save_bytes(data, ext)
                    size = len(data)
            self.db.add("localfile", (checksum, ext, 0, size))
            if f["language_id"]:
                self.summary.languages.add(f["language_id"])
            self.db.add(
                "file",
                (
                    f["id"],
                    checksum,
                    row["node_id"],
                    preset.id,
                    int(preset.supplementary),
                    int(preset.thumbnail),
                    preset.order,
                    f["language_id"],
                    checksum,
                    ext,
                    size,
                    1,
                ),
            )

    def _write_tags(self, row: dict, tags: list) -> None:
        for tag_id, tag_name in tags:
            self.db.add("tag", (tag_id, tag_name))
            self.db.add("node_tag", (row["node_id"], tag_id))


def _encoded_thumbnail(encoding: str | None) -> tuple[str, bytes] | None:
    """(extension, bytes) of a node's ``thumbnail_encoding`` data URI, or None."""
    if not encoding:
        return None
    try:
        uri = json.loads(encoding).get("base64") if encoding.lstrip().startswith("{") else None
    except (ValueError, AttributeError):
        return None
    match = DATA_URI_RE.fullmatch(uri or "")
    if not match:
        return None
    try:
        data = base64.b64decode(match.group(2), validate=True)
    except ValueError:
        return None
    return ("jpg" if match.group(1) == "jpeg" else match.group(1)), data


def language_rows(ids: set[str]) -> list[tuple]:
    return [
        (
            lang.id,
            lang.lang_code,
            lang.lang_subcode,
            lang.native_name or lang.readable_name,
            lang.lang_direction or "ltr",
        )
        for lang in Language.objects.filter(id__in=ids)
    ]


def license_rows(ids: set[int]) -> list[tuple]:
    return list(License.objects.filter(id__in=ids).values_list("id", "license_name", "license_description"))
