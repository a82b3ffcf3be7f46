"""What the chef API's node parsers share (``nodes`` for new resources, ``remote`` for copies
of another channel's resources): the parsed shapes, the problem collector, and the parsers of
files, tags and JSON-in-string fields. Its own module so that ``remote`` needs nothing from
``nodes``, which uses ``remote`` (no import cycle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contentcuration import storage
from contentcuration.limits import BIGINT_MAX, INT_MAX, InvalidJSON, is_int_in, load_json, tags_problem, whole_number
from contentcuration.models import AssessmentItem, ContentNode, File, User
from contentcuration.nodes.reference import ReferenceData

from .chef_errors import Problem

FILENAME_RE = storage.OBJECT_NAME_RE


@dataclass
class ParsedFile:
    checksum: str
    extension: str
    size: int
    preset_id: str
    language_id: str | None
    original_filename: str
    source_url: str | None
    duration: int | None

    def to_file(self, *, user: User, **owner: Any) -> File:
        return File(
            checksum=self.checksum,
            file_format_id=self.extension,
            file_size=self.size,
            file_on_disk=storage.storage_key(self.checksum, self.extension),
            preset_id=self.preset_id,
            language_id=self.language_id,
            original_filename=self.original_filename,
            source_url=self.source_url,
            duration=self.duration,
            uploaded_by=user,
            **owner,
        )


@dataclass
class ParsedQuestion:
    item: AssessmentItem
    files: list[ParsedFile]


@dataclass
class ParsedNode:
    node: ContentNode
    files: list[ParsedFile] = field(default_factory=list)
    questions: list[ParsedQuestion] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    # Set for a copy of another channel's resource (``remote``); ``node`` is then only a
    # placeholder carrying node_id, title and sort_order.
    remote: Any = None


class ProblemCollector:
    """Collects the problems of one node dict so a batch reports all of them at once."""

    def __init__(self, data: dict, problems: list[Problem]):
        self.node_id = data.get("node_id") if isinstance(data.get("node_id"), str) else None
        self.title = data.get("title") if isinstance(data.get("title"), str) else None
        self.problems = problems
        self.count = 0

    def __call__(self, field_name: str, message: str) -> None:
        self.count += 1
        self.problems.append(Problem(message, field=field_name, node_id=self.node_id, title=self.title))


# --- parsing ------------------------------------------------------------------------------------


def parse_files(value: Any, *, field_name: str, report: ProblemCollector, ref: ReferenceData) -> list[ParsedFile]:
    """Check a list of file dicts (spec 5.4). The objects must already be in storage."""
    if value is None:
        return []
    if not isinstance(value, list):
        report(field_name, "must be a list of file objects")
        return []
    parsed = []
    for index, data in enumerate(value):
        where = f"{field_name}[{index}]"
        if data is None:
            continue
        if not isinstance(data, dict):
            report(where, "must be an object")
            continue
        match = FILENAME_RE.fullmatch(str(data.get("filename") or ""))
        if not match:
            report(f"{where}.filename", f"{data.get('filename')!r} is not '<md5>.<ext>'")
            continue
        checksum, extension = match.groups()
        preset_id = data.get("preset")
        if preset_id not in ref.presets:
            report(f"{where}.preset", f"unknown format preset {preset_id!r}")
            continue
        if extension not in ref.preset_formats[preset_id]:
            allowed = ", ".join(sorted(ref.preset_formats[preset_id]))
            report(f"{where}.filename", f"extension {extension!r} is not allowed for preset {preset_id!r} ({allowed})")
            continue
        language = data.get("language")
        if language is not None and language not in ref.languages:
            report(f"{where}.language", f"unknown language {language!r}")
            continue
        size = data.get("size")
        if size is not None and not is_int_in(size, 0, BIGINT_MAX):
            report(f"{where}.size", f"must be an integer from 0 to {BIGINT_MAX}")
            continue
        duration = data.get("duration")
        if duration is not None and whole_number(duration, low=-INT_MAX, high=INT_MAX) is None:
            report(f"{where}.duration", f"must be a number of seconds below {INT_MAX + 1}")
            continue
        parsed.append(
            ParsedFile(
                checksum=checksum,
                extension=extension,
                size=size or 0,
                preset_id=preset_id,
                language_id=language,
                original_filename=str(data.get("original_filename") or "file")[:255],
                source_url=(str(data["source_url"])[:400] if data.get("source_url") else None),
                # A file row's duration must be positive; a sub-second clip has no duration.
                duration=int(duration) if duration and int(duration) > 0 else None,
            )
        )
    return parsed


def parse_tags(value: Any, *, report: ProblemCollector) -> list[str]:
    """A node's tag names (a list of non-empty strings of at most MAX_TAG_LENGTH)."""
    tags = value or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        report("tags", "must be a list of non-empty strings")
        return []
    if problem := tags_problem(tags):
        report("tags", problem)
        return []
    return tags


def parse_json_field(value: Any, *, field_name: str, report: ProblemCollector, expected: type) -> Any:
    """ricecooker sends ``extra_fields``, ``answers`` and ``hints`` as JSON strings inside JSON."""
    if value is None or value == "":
        return expected()
    if isinstance(value, str):
        try:
            value = load_json(value, path=field_name)
        except InvalidJSON as exc:
            report(exc.path or field_name, exc.message)
            return None
    if not isinstance(value, expected):
        report(field_name, f"must be a JSON {expected.__name__}")
        return None
    return value
