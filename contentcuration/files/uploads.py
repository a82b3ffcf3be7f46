"""Files: announcing an upload, receiving its bytes, attaching the File to a node.

The life of a File:

1. ``validate_upload_request`` + ``create_upload``: the client announces name, size, md5,
   format and preset; the quota is checked and an unattached File row (``uploaded_by`` =
   the user) is created at once, as Studio does. ``create_uploads`` does the same for many
   files in one request (the browser's queue of small files).
2. ``receive_upload``: the bytes arrive (whole, or in ``Content-Range`` pieces that can be
   resumed after an interruption). They are streamed to a part file on local disk and only
   stored under their content key once the whole object has the announced size and md5;
   otherwise nothing is kept.
3. The sync ``file`` table (UPDATED ``{contentnode: id}``, viewsets/sync/handlers/file_changes.py)
   links the row to a node or an assessment item (``files/attach.py``), which may complete the node.

Part files live in ``settings.FILE_UPLOAD_PARTS_DIR`` (default ``DATA_DIR/uploads``), so a
resumed upload must reach a web process that shares that directory.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import math
import os
import time
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction

from contentcuration import storage
from contentcuration.errors import Conflict, DomainError, Invalid
from contentcuration.limits import BIGINT_MAX, INT_MAX
from contentcuration.models import File, FileFormat, FormatPreset, User

from . import metadata, quota

# Spec 4.5: Studio refuses single-request uploads above 500 MiB.
MAX_SINGLE_UPLOAD = 500 * 1024 * 1024
DURATION_FORMATS = ("mp4", "webm", "mp3")
MAX_NAME_LENGTH = 255
# Studio's presigned URLs live 10 minutes; ours must also outlive a slow resumed upload of a
# large video, and every piece is checked against the announced md5 anyway.
UPLOAD_URL_MAX_AGE = 6 * 60 * 60
READ_CHUNK = 1024 * 1024  # bounded memory per request whatever the body size


class InvalidUpload(Invalid):
    """The announced upload is refused; ``errors`` maps each field at fault to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(field_errors=errors)
        self.errors = errors


class UploadRejected(DomainError):
    """Bytes sent to an upload URL are refused; ``state`` is how far the upload got, when
    the client should resume from there. The subclass says why; the adapter picks the status."""

    def __init__(self, message: str, state: UploadState | None = None) -> None:
        super().__init__(message)
        self.state = state


class BadUpload(UploadRejected, Invalid):
    """The bytes or their headers disagree with the announcement (size, range, md5)."""


class UnusableUpload(BadUpload):
    """The bytes are the announced ones but unusable as the announced kind (an HTML5 zip
    without index.html, an H5P without h5p.json): ``files.metadata`` says why."""


class LengthRequired(UploadRejected, Invalid):
    """A whole-file upload came without its length."""


class ResumeGap(UploadRejected, Conflict):
    """A piece starts beyond the bytes the server holds; ``state`` says where to resume."""


class StorageFailed(UploadRejected):
    """The server could not keep valid bytes (its disk refused them): the server's failure,
    neither the client's input nor its allowance, so no Invalid / Conflict / QuotaExceeded."""


@dataclass(frozen=True)
class UploadRequest:
    name: str
    size: int
    checksum: str
    file_format: FileFormat
    preset: FormatPreset
    duration: int | None
    resumable: bool


@dataclass(frozen=True)
class UploadState:
    """How far an upload got: ``received`` bytes of ``total``; ``complete`` once stored."""

    received: int
    total: int
    complete: bool


# --- announcing an upload -------------------------------------------------------------------


def name_error(name: Any) -> str | None:
    """Why ``name`` is not acceptable as an original file name, or None.

    It is only ever stored as a label (keys come from the md5), but a path, a control
    character or a dot-name is a sign of a confused or hostile client, so it is refused.
    """
    if not isinstance(name, str) or not name.strip():
        return "A file name is required."
    if len(name) > MAX_NAME_LENGTH:
        return f"The file name is longer than {MAX_NAME_LENGTH} characters."
    if "/" in name or "\\" in name:
        return "The file name must be a plain name, not a path."
    if name.strip(". ") == "":
        return "The file name must not consist of dots."
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return "The file name contains control or unprintable characters."
    return None


class FormatTables:
    """The FileFormat and FormatPreset rows an announcement names, each read once (a batch
    announcement names the same few for every file)."""

    def __init__(self) -> None:
        self._formats: dict[str, FileFormat | None] = {}
        self._presets: dict[str, FormatPreset | None] = {}
        self._allowed: dict[tuple[str, str], bool] = {}

    def file_format(self, extension: str) -> FileFormat | None:
        if extension not in self._formats:
            self._formats[extension] = FileFormat.objects.filter(extension=extension).first()
        return self._formats[extension]

    def preset(self, preset_id: str) -> FormatPreset | None:
        if preset_id not in self._presets:
            self._presets[preset_id] = FormatPreset.objects.filter(pk=preset_id).first()
        return self._presets[preset_id]

    def allows(self, preset: FormatPreset, file_format: FileFormat) -> bool:
        key = (preset.pk, file_format.pk)
        if key not in self._allowed:
            self._allowed[key] = preset.allowed_formats.filter(pk=file_format.pk).exists()
        return self._allowed[key]


def validate_upload_request(data: Mapping[str, Any], *, tables: FormatTables | None = None) -> UploadRequest:
    """Check the JSON body of ``POST /api/file/upload_url`` (spec 4.5).

    Raises InvalidUpload naming every field at fault. Reads the FileFormat and FormatPreset
    tables (le-utils constants), through ``tables`` when given (a batch shares one).
    """
    tables = tables or FormatTables()
    errors: dict[str, list[str]] = {}
    if not isinstance(data, Mapping):
        raise InvalidUpload({"non_field_errors": ["Expected a JSON object."]})

    # Each value is None exactly when its error has been recorded.
    size: int | None = None
    raw_size = data.get("size")
    if isinstance(raw_size, float) and raw_size.is_integer():  # Studio reads it as a float: 2048.0 is fine
        raw_size = int(raw_size)
    if isinstance(raw_size, bool) or not isinstance(raw_size, int):
        errors["size"] = ["A valid integer is required."]
    elif raw_size < 0:
        errors["size"] = ["Ensure this value is greater than or equal to 0."]
    elif raw_size > BIGINT_MAX:
        errors["size"] = [f"Ensure this value is less than or equal to {BIGINT_MAX}."]
    else:
        size = raw_size

    checksum: str | None = None
    raw_checksum = data.get("checksum")
    if not isinstance(raw_checksum, str) or not storage.CHECKSUM_RE.fullmatch(raw_checksum):
        errors["checksum"] = ["Expected the md5 of the file as 32 lower-case hex characters."]
    else:
        checksum = raw_checksum

    name: str | None = None
    raw_name = data.get("name")
    if problem := name_error(raw_name):
        errors["name"] = [problem]
    else:
        name = raw_name

    file_format = preset = None
    ext = data.get("file_format")
    if isinstance(ext, str):
        file_format = tables.file_format(ext)
    if file_format is None:
        known = ", ".join(sorted(FileFormat.objects.values_list("extension", flat=True)))
        errors["file_format"] = [f"{ext!r} files are not supported; supported formats: {known}."]
    preset_id = data.get("preset")
    if isinstance(preset_id, str):
        preset = tables.preset(preset_id)
    if preset is None:
        errors["preset"] = [f"{preset_id!r} is not a known format preset."]
    elif file_format is not None and not tables.allows(preset, file_format):
        errors["file_format"] = [f"{file_format.pk} is not an allowed format for preset {preset.pk}."]

    duration = data.get("duration")
    if duration is not None:
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not math.isfinite(duration):
            errors["duration"] = ["A number of seconds is required."]
        else:
            duration = math.floor(duration)
            if duration <= 0:
                errors["duration"] = ["Ensure this value is greater than 0."]
            elif duration > INT_MAX:
                errors["duration"] = [f"Ensure this value is less than or equal to {INT_MAX}."]
    if duration is None and file_format is not None and file_format.pk in DURATION_FORMATS:
        errors["duration"] = [f"A duration is required for {file_format.pk} files."]
    if preset is not None and not preset_has_duration(preset):
        duration = None  # only audio/video presets carry one (DB rule); chefs may send extras

    resumable = data.get("resumable", False)
    if not isinstance(resumable, bool):
        errors["resumable"] = ["Must be a boolean."]
    elif not resumable and size is not None and size > MAX_SINGLE_UPLOAD:
        errors["size"] = [f"Files above {MAX_SINGLE_UPLOAD} bytes must be uploaded as resumable uploads."]

    # The None checks repeat ``errors`` for the type checker (see above).
    if errors or name is None or size is None or checksum is None or file_format is None or preset is None:
        raise InvalidUpload(errors)
    return UploadRequest(
        name=name, size=size, checksum=checksum, file_format=file_format, preset=preset,
        duration=duration, resumable=resumable,
    )  # fmt: skip


def preset_has_duration(preset: FormatPreset) -> bool:
    return preset.kind_id in ("audio", "video") and not preset.thumbnail and not preset.subtitle


@transaction.atomic
def create_upload(*, user: User, request: UploadRequest) -> tuple[File, bool]:
    """Create the unattached File row for an announced upload; returns (file, might_skip).

    ``might_skip`` is true when the bytes are already stored (the client may skip the PUT).
    Raises quota.QuotaExceeded when the bytes do not fit in the user's allowance. Updates
    the user's cached ``disk_space_used``.
    """
    used_after = quota.check_space(user=user, sizes={request.checksum: request.size})
    file = _new_file(user, request)
    file.save(force_insert=True)
    # The new row counts (an unattached upload of the user): check_space already summed
    # usage with it (benchmarks/uploads.py: one SUM over the user's files fewer per upload).
    if used_after is None:
        quota.recalculate_storage_used(user)
    else:
        quota.set_storage_used(user, used_after)
    return file, storage.object_exists(request.checksum, request.file_format.pk)


def _new_file(user: User, request: UploadRequest) -> File:
    """The unattached File row of an accepted announcement (not saved)."""
    return File(
        checksum=request.checksum,
        file_size=request.size,
        file_format=request.file_format,
        preset=request.preset,
        duration=request.duration,
        original_filename=request.name,
        uploaded_by=user,
        file_on_disk=storage.storage_key(request.checksum, request.file_format.pk),
    )


MAX_ANNOUNCED_AT_ONCE = (
    100  # one request's worth; the browser's queue sends what waits (benchmarks/frontend_uploads.py)
)


def create_uploads(
    *, user: User, announcements: Sequence[Any]
) -> list[tuple[File, bool] | InvalidUpload | quota.QuotaExceeded]:
    """Announce several uploads at once (``POST /api/file/upload_urls``): each item of
    ``announcements`` gets the outcome ``validate_upload_request`` + ``create_upload`` would
    give it, in order, so the quota counts the earlier accepted files of the same batch
    (``quota.check_space_each``). Returns one outcome per item: ``(file, might_skip)``, or the
    refusal (InvalidUpload, QuotaExceeded), which leaves the other items announced. Atomic;
    a constant number of queries plus the format lookups (not ~8 per file); the adapter
    refuses more than ``MAX_ANNOUNCED_AT_ONCE`` items.
    """
    outcomes: list[tuple[File, bool] | InvalidUpload | quota.QuotaExceeded | None] = [None] * len(announcements)
    tables = FormatTables()
    valid: list[tuple[int, UploadRequest]] = []
    for at, data in enumerate(announcements):
        try:
            valid.append((at, validate_upload_request(data, tables=tables)))
        except InvalidUpload as exc:
            outcomes[at] = exc
    with transaction.atomic():
        verdicts, used_after = quota.check_space_each(user=user, sizes=[(r.checksum, r.size) for _, r in valid])
        created: list[tuple[int, File]] = []
        for (at, request), verdict in zip(valid, verdicts, strict=True):
            if verdict is not None:
                outcomes[at] = verdict
            else:
                created.append((at, _new_file(user, request)))
        File.objects.bulk_create([file for _, file in created])
        if used_after is None:
            quota.recalculate_storage_used(user)
        else:
            quota.set_storage_used(user, used_after)
    for at, file in created:
        outcomes[at] = (file, storage.object_exists(file.checksum, file.file_format_id or ""))
    return [outcome for outcome in outcomes if outcome is not None]


# --- receiving the bytes --------------------------------------------------------------------


def parts_dir() -> Path:
    path = Path(getattr(settings, "FILE_UPLOAD_PARTS_DIR", settings.DATA_DIR / "uploads"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _extension(file: File) -> str:
    """The format the bytes are stored under; a File without one cannot take an upload."""
    if not file.file_format_id:
        raise BadUpload("This file has no format, so it cannot take an upload.")
    return file.file_format_id


def part_path(file: File) -> Path:
    """Where the bytes received so far wait. Keyed by the uploader and the md5, not the File:
    a browser that reloads mid-upload announces the same bytes again, gets a new File and
    upload URL, and resumes from what this part holds (``upload_url`` answers ``received``)."""
    if file.uploaded_by_id and file.checksum and file.file_format_id:
        return parts_dir() / f"{file.uploaded_by_id}-{file.checksum}.{file.file_format_id}.part"
    return parts_dir() / f"{file.pk}.part"


@contextmanager
def _locked_part(file: File, *, exclusive: bool) -> Iterator[int]:
    """An fd on the part file, flock-ed so two requests for one upload never interleave."""
    fd = os.open(part_path(file), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield fd
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def upload_state(file: File) -> UploadState:
    """How much of ``file``'s bytes the server holds (for HEAD / ``Content-Range: */total``).

    A part holding every byte with no stored object is what a process killed while storing
    leaves (the store is atomic, so nothing partial is visible): the store is finished here,
    so a resumable client that has nothing left to send is not stuck.
    """
    total = file.file_size or 0
    extension = _extension(file)
    if storage.object_exists(file.checksum, extension):
        return UploadState(received=total, total=total, complete=True)
    if not part_path(file).exists():
        return UploadState(received=0, total=total, complete=False)
    with _locked_part(file, exclusive=False) as fd:
        received = os.fstat(fd).st_size
    if received == total:
        return _store_held_part(file, extension)
    return UploadState(received=received, total=total, complete=False)


def _store_held_part(file: File, extension: str) -> UploadState:
    """Store a part that holds every byte, if its md5 is the announced one (else drop it)."""
    total = file.file_size or 0
    part = part_path(file)
    with _locked_part(file, exclusive=True) as fd:
        received = os.fstat(fd).st_size
        if received != total:  # a new PUT started over meanwhile
            return UploadState(received=received, total=total, complete=False)
        if storage.object_exists(file.checksum, extension):
            return UploadState(received=total, total=total, complete=True)
        if storage.md5_of_file(part) != file.checksum:
            os.unlink(part)
            return UploadState(received=0, total=total, complete=False)
        try:
            _store_part(part, file, extension)
        except UnusableUpload:
            return UploadState(received=0, total=total, complete=False)
    return UploadState(received=total, total=total, complete=True)


def _store_part(part: Path, file: File, extension: str) -> None:
    """Store a whole part whose md5 is verified, once its content is usable as announced
    (``metadata.check_upload``: an HTML5 zip has index.html, an H5P its h5p.json...); the
    duration read from an MP4/WebM replaces the announced one. The part is removed either
    way. Raises UnusableUpload (nothing stored)."""
    try:
        meta = metadata.check_upload(str(part), file)
    except metadata.UnusableFile as exc:
        os.unlink(part)
        raise UnusableUpload(f"{exc.message} Nothing was kept.") from exc
    storage.save_verified_file(path=part, checksum=file.checksum, extension=extension)
    os.unlink(part)
    if meta.duration and meta.duration != file.duration and file.preset and preset_has_duration(file.preset):
        File.objects.filter(pk=file.pk).update(duration=meta.duration)
        file.duration = meta.duration


def md5_header_value(checksum: str) -> str:
    """The ``Content-MD5`` header for a hex md5 (base64 of the 16 raw bytes)."""
    return base64.b64encode(bytes.fromhex(checksum)).decode()


class ByteStream(Protocol):
    """What ``receive_upload`` reads the bytes from: a file, or the upload's HttpRequest."""

    def read(self, n: int = ..., /) -> bytes: ...


def receive_upload(
    *,
    file: File,
    stream: ByteStream,
    length: int | None,
    start: int | None = None,
    end: int | None = None,
    total: int | None = None,
    content_md5: str | None = None,
) -> UploadState:
    """Write bytes of ``file`` read from ``stream``; store the object once all have arrived.

    Without ``start`` the body is the whole file and ``length`` must equal the announced
    size. With ``start``/``end``/``total`` (from ``Content-Range: bytes start-end/total``)
    the body is that slice; ``start`` may not lie beyond what was received (resending bytes
    already held is allowed). ``content_md5`` (base64) must match the body when given.
    A body cut short by a dropped connection is kept so the client can resume.
    When the last byte arrives the whole object must have the announced md5, else the part
    is deleted and nothing is stored.

    Raises an UploadRejected for an inconsistent request: BadUpload, LengthRequired, ResumeGap
    (a piece beyond the bytes held), StorageFailed (the disk refused the bytes). Holds an
    exclusive flock on the part file while writing.
    """
    size = file.file_size or 0
    extension = _extension(file)
    if start is None:
        if length is None:
            raise LengthRequired("A Content-Length header is required.")
        if length != size:
            raise BadUpload(f"The body has {length} bytes but {size} bytes were announced.")
        if content_md5 is not None and content_md5 != md5_header_value(file.checksum):
            raise BadUpload(f"Content-MD5 {content_md5} does not match the announced checksum {file.checksum}.")
        start, expected = 0, size
    else:
        if total != size:
            raise BadUpload(f"Content-Range total {total} differs from the announced size {size}.")
        if end is None or not (0 <= start <= end < size):
            raise BadUpload(f"Content-Range bytes {start}-{end} lies outside 0-{size - 1}.")
        expected = end - start + 1
        if length is not None and length != expected:
            raise BadUpload(f"Content-Length {length} differs from the range length {expected}.")

    part = part_path(file)
    with _locked_part(file, exclusive=True) as fd:
        held = os.fstat(fd).st_size
        if start > held:
            state = UploadState(received=held, total=size, complete=False)
            raise ResumeGap(f"The server holds {held} bytes; resume from byte {held}.", state)
        os.ftruncate(fd, start)
        os.lseek(fd, start, os.SEEK_SET)
        digest = hashlib.md5()
        received = 0
        while received < expected:
            try:
                chunk = stream.read(min(READ_CHUNK, expected - received))
            except OSError:  # client went away; keep what arrived so it can resume
                break
            if not chunk:
                break
            try:
                _write_all(fd, chunk)
            except OSError as exc:  # e.g. a full disk: the server's fault, not the client's
                os.ftruncate(fd, start)
                raise StorageFailed(f"The server could not keep the bytes ({exc.strerror}).") from exc
            digest.update(chunk)
            received += len(chunk)
        if received < expected:
            return UploadState(received=start + received, total=size, complete=False)
        if content_md5 is not None and content_md5 != base64.b64encode(digest.digest()).decode():
            os.ftruncate(fd, start)
            raise BadUpload("Content-MD5 does not match the bytes received; the range was discarded.")
        if start + received < size:
            return UploadState(received=start + received, total=size, complete=False)

        actual = digest.hexdigest() if start == 0 else storage.md5_of_file(part)
        if actual != file.checksum:
            os.unlink(part)
            raise BadUpload(
                f"The uploaded bytes have md5 {actual} but {file.checksum} was announced; nothing was kept.",
            )
        _store_part(part, file, extension)
    return UploadState(received=size, total=size, complete=True)


def discard_stale_parts(*, older_than: timedelta, dry_run: bool = False) -> list[str]:
    """Delete part files not written to for ``older_than`` (abandoned uploads); returns their
    names. Holding the flock while deleting means an upload in progress is never cut."""
    cutoff = time.time() - older_than.total_seconds()
    stale = []
    for path in parts_dir().glob("*.part"):
        try:
            if path.stat().st_mtime >= cutoff:
                continue
            if not dry_run:
                with open(path, "rb") as handle:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    if os.fstat(handle.fileno()).st_mtime < cutoff:
                        path.unlink()
        except (FileNotFoundError, BlockingIOError):
            continue
        stale.append(path.name)
    return stale


# --- read shape -------------------------------------------------------------------------------


def serialize_file(file: File) -> dict[str, Any]:
    """The file read shape of spec 4.5."""
    url = None
    if file.checksum and file.file_format_id:
        url = storage.content_url(file.checksum, file.file_format_id)
    return {
        "id": file.pk,
        "checksum": file.checksum,
        "file_size": file.file_size,
        "language": file.language_id,
        "file_format": file.file_format_id,
        "contentnode": file.contentnode_id,
        "assessment_item": file.assessment_item_id,
        "file_on_disk": file.file_on_disk,
        "preset": file.preset_id,
        "original_filename": file.original_filename,
        "uploaded_by": file.uploaded_by_id,
        "duration": file.duration,
        "url": url,
    }
