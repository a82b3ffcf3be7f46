"""Storage: the ONLY module that knows storage keys or touches ``default_storage``.

Two families of objects live in Django's default storage (local disk, or an S3-compatible
bucket through django-storages when ``AWS_STORAGE_BUCKET_NAME`` is set):

* content, addressed by its md5: ``storage/<c0>/<c1>/<md5>.<ext>`` (c0, c1 = first two hex
  characters). An object is written once and never changed: the key names the bytes.
* published channel databases: ``databases/<channel_id>.sqlite3`` (latest),
  ``databases/<channel_id>-<version>.sqlite3`` and ``databases/<channel_id>-next.sqlite3``
  (draft). These are overwritten on every publish.

Both are served to anyone under ``/content/`` by ``contentcuration.viewsets.file_transfer``,
as Studio's public bucket does. Other modules call the functions here and never build a key.

Every write is atomic: a reader sees the previous object (or none) until the new one is
whole, and a process killed mid-write leaves nothing under the key. On local disk the bytes
go to a temporary file in ``.partial/`` (under the same root, so the rename stays on one
filesystem) and are renamed into place; ``discard_stale_partials`` removes what a killed
process left there. On S3 an object appears only when its single PUT or its multipart
upload completes; a killed multipart upload is invisible and ``discard_stale_partials``
aborts it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Literal

from django.core.files import File as DjangoFile
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from storages.utils import clean_name

CHECKSUM_RE = re.compile(r"[0-9a-f]{32}")
EXTENSION_RE = re.compile(r"[a-z0-9]{1,10}")
CONTENT_KEY_RE = re.compile(r"storage/([0-9a-f])/([0-9a-f])/([0-9a-f]{32})\.([a-z0-9]{1,10})")
# The name of a stored content object as clients write it: "<md5>.<ext>".
OBJECT_NAME_RE = re.compile(r"([0-9a-f]{32})\.([a-z0-9]{1,10})")
DATABASE_NAME_RE = re.compile(r"[0-9a-f]{32}(-[0-9]+|-next)?\.sqlite3")

# The public URL prefix is fixed by the wire contract (ricecooker HEADs /content/storage/...),
# and the routes in files/urls.py serve it; MEDIA_URL only matters to a fronting web server.
CONTENT_URL = "/content/"
CONTENT_PREFIX = "storage"
DATABASE_PREFIX = "databases"
PARTIAL_DIR = ".partial"  # local disk only: writes in progress, renamed into place when whole
HASH_CHUNK = 1024 * 1024


def storage_key(checksum: str, extension: str) -> str:
    """The storage key of the object with this md5 and extension.

    Raises ValueError for anything that is not a lower-case md5 or a plain extension, so a
    crafted name can never point outside ``storage/``.
    """
    extension = (extension or "").lower()
    if not CHECKSUM_RE.fullmatch(checksum or ""):
        raise ValueError(f"{checksum!r} is not an md5 checksum.")
    if not EXTENSION_RE.fullmatch(extension):
        raise ValueError(f"{extension!r} is not a file extension.")
    return f"{CONTENT_PREFIX}/{checksum[0]}/{checksum[1]}/{checksum}.{extension}"


def parse_content_key(key: str) -> tuple[str, str] | None:
    """(md5, extension) of a well-formed content key, else None (also when c0/c1 disagree)."""
    match = CONTENT_KEY_RE.fullmatch(key)
    if not match or match.group(1) != match.group(3)[0] or match.group(2) != match.group(3)[1]:
        return None
    return match.group(3), match.group(4)


def content_url(checksum: str, extension: str) -> str:
    """The public URL path of a content object (``/content/storage/...``)."""
    return f"{CONTENT_URL}{storage_key(checksum, extension)}"


def md5_of_file(path: str | os.PathLike) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- atomic writes ----------------------------------------------------------------------------


def _local_path(key: str) -> str | None:
    """The file behind ``key`` on local disk, or None on a remote backend."""
    try:
        return default_storage.path(key)
    except NotImplementedError:
        return None


def _write_local(target: str, write: Callable[[IO[bytes]], None], *, durable: bool) -> None:
    """Write a file through ``write`` into ``.partial/`` and rename it over ``target``.

    ``durable`` fsyncs before the rename, so that after a machine crash the key names the
    whole file or nothing (skipped for the thousands of small archives a publish writes).
    """
    os.makedirs(os.path.dirname(target), exist_ok=True)
    partial_dir = default_storage.path(PARTIAL_DIR)
    os.makedirs(partial_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=partial_dir, suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _put_remote(key: str, content: DjangoFile) -> None:
    """Upload to the bucket under exactly ``key``, replacing any object there.

    django-storages' ``_save`` is one ``upload_fileobj``: a single PUT, or a multipart upload
    that only becomes an object on its final CompleteMultipartUpload. ``save()`` is not used:
    it would HEAD first and pick another name when the key exists.
    """
    default_storage._save(key, content)


def discard_stale_partials(*, older_than: timedelta, dry_run: bool = False) -> list[str]:
    """Remove writes a killed process left unfinished, untouched for ``older_than``.

    On local disk these are the files in ``.partial/`` (a write in progress keeps its file's
    modification time fresh); on S3, multipart uploads initiated before then under our
    prefixes, which are aborted. Returns their names.
    """
    cutoff = time.time() - older_than.total_seconds()
    try:
        partial_dir = default_storage.path(PARTIAL_DIR)
    except NotImplementedError:
        return _abort_stale_multipart_uploads(cutoff=cutoff, dry_run=dry_run)
    stale = []
    for entry in os.scandir(partial_dir) if os.path.isdir(partial_dir) else ():
        try:
            if not entry.is_file() or entry.stat().st_mtime >= cutoff:
                continue
            if not dry_run:
                os.unlink(entry.path)
        except FileNotFoundError:
            continue
        stale.append(f"{PARTIAL_DIR}/{entry.name}")
    return stale


def _abort_stale_multipart_uploads(*, cutoff: float, dry_run: bool) -> list[str]:
    bucket = getattr(default_storage, "bucket", None)
    if bucket is None:
        return []
    stale = []
    for prefix in (CONTENT_PREFIX, DATABASE_PREFIX):
        remote_prefix = default_storage._normalize_name(clean_name(prefix)) + "/"
        for upload in bucket.multipart_uploads.filter(Prefix=remote_prefix):
            if upload.initiated.timestamp() >= cutoff:
                continue
            if not dry_run:
                upload.abort()
            stale.append(upload.object_key)
    return stale


# --- content objects ------------------------------------------------------------------------


def save_bytes(data: bytes, extension: str) -> tuple[str, str]:
    """Store ``data`` under its content address; returns (md5, storage key).

    When the bytes are already stored their modification time is refreshed instead (on S3
    the PUT is simply repeated), so an object a caller is about to refer to (a publish
    writing an exercise archive that an earlier version also had) is always inside the
    garbage collector's grace period until the reference is recorded.
    """
    checksum = hashlib.md5(data).hexdigest()
    key = storage_key(checksum, extension)
    target = _local_path(key)
    if target is None:
        _put_remote(key, ContentFile(data))
    elif os.path.exists(target):
        with suppress(OSError):  # another user's file: the refresh is a courtesy, not a need
            os.utime(target)
    else:
        _write_local(target, lambda out: out.write(data), durable=False)
    return checksum, key


def save_verified_file(*, path: str | os.PathLike, checksum: str, extension: str) -> str:
    """Store the local file ``path`` whose md5 the caller has verified to be ``checksum``.

    Returns the key. A no-op when the object is already stored. Atomic (see the module
    docstring): the key never names a partial object, so HEAD says "absent" until the whole
    object is stored and a client whose upload was cut off uploads it again. On S3 the
    stored size is checked against the source before returning; a mismatch deletes the
    object and raises OSError.
    """
    key = storage_key(checksum, extension)
    target = _local_path(key)
    if target is None:
        if not default_storage.exists(key):
            with open(path, "rb") as handle:
                expected = os.fstat(handle.fileno()).st_size
                _put_remote(key, DjangoFile(handle, name=os.path.basename(key)))
            if default_storage.size(key) != expected:
                default_storage.delete(key)
                raise OSError(f"{key}: the bucket holds a different size than was uploaded; not stored.")
        return key
    if not os.path.exists(target):

        def copy(out: IO[bytes]) -> None:
            with open(path, "rb") as source:
                shutil.copyfileobj(source, out, HASH_CHUNK)

        _write_local(target, copy, durable=True)
    return key


def object_exists(checksum: str, extension: str) -> bool:
    return default_storage.exists(storage_key(checksum, extension))


def key_exists(key: str) -> bool:
    return default_storage.exists(key)


def object_size(key: str) -> int:
    return default_storage.size(key)


def object_modified(key: str) -> datetime:
    """Last modification time (aware) of a stored object."""
    return default_storage.get_modified_time(key)


def open_object(key: str) -> IO[bytes]:
    """Open a stored object for reading; raises FileNotFoundError (or the backend's) if absent."""
    return default_storage.open(key, "rb")


def iter_object(key: str, *, first: int = 0, length: int, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
    """Stream ``length`` bytes of a stored object from offset ``first``.

    On an S3-compatible bucket only those bytes are fetched (a ranged GetObject, streamed):
    django-storages' file object would download the whole object to a temporary file
    first, which for a video seek means gigabytes before the first byte. On local disk, a
    seek and reads.
    """
    if length <= 0:
        return
    bucket = getattr(default_storage, "bucket", None)
    if bucket is not None:
        name = default_storage._normalize_name(clean_name(key))  # django-storages' own key mapping
        body = bucket.Object(name).get(Range=f"bytes={first}-{first + length - 1}")["Body"]
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()
        return
    with default_storage.open(key, "rb") as handle:
        yield from iter_range(handle, first=first, length=length, chunk_size=chunk_size)


def iter_range(handle: IO[bytes], *, first: int, length: int, chunk_size: int) -> Iterator[bytes]:
    """``length`` bytes of an open, seekable binary file from offset ``first``, in chunks
    (fewer when the file ends first)."""
    if first:
        handle.seek(first)
    remaining = length
    while remaining > 0:
        data = handle.read(min(chunk_size, remaining))
        if not data:
            break
        remaining -= len(data)
        yield data


def delete_key(key: str) -> None:
    default_storage.delete(key)


def iter_content_keys() -> Iterator[str]:
    """Every key under ``storage/`` (including malformed ones, which the caller must judge)."""
    yield from _walk(CONTENT_PREFIX)


def _walk(prefix: str) -> Iterator[str]:
    try:
        dirs, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{prefix}/{name}"
    for name in dirs:
        yield from _walk(f"{prefix}/{name}")


# --- channel databases ----------------------------------------------------------------------

DatabaseVersion = int | Literal["next"] | None


def database_key(channel_id: str, version: DatabaseVersion = None) -> str:
    """Key of a channel's exported database.

    ``version=None`` is the latest published copy Kolibri imports
    (``databases/<id>.sqlite3``), an int a numbered version (``<id>-<n>.sqlite3``) and
    ``"next"`` the draft (``<id>-next.sqlite3``). Raises ValueError for a malformed id.
    """
    if not CHECKSUM_RE.fullmatch(channel_id or ""):
        raise ValueError(f"{channel_id!r} is not a channel id.")
    if version is None:
        suffix = ""
    elif version == "next":
        suffix = "-next"
    elif isinstance(version, int) and not isinstance(version, bool) and version >= 0:
        suffix = f"-{version}"
    else:
        raise ValueError(f"{version!r} is not a database version (None, an int or 'next').")
    return f"{DATABASE_PREFIX}/{channel_id}{suffix}.sqlite3"


def database_key_from_name(name: str) -> str | None:
    """The key for a served database file name, or None when the name is not one of ours."""
    return f"{DATABASE_PREFIX}/{name}" if DATABASE_NAME_RE.fullmatch(name) else None


def database_url(channel_id: str, version: DatabaseVersion = None) -> str:
    return f"{CONTENT_URL}{database_key(channel_id, version)}"


def save_channel_database(
    channel_id: str, source: str | os.PathLike | bytes | IO[bytes], version: DatabaseVersion = None
) -> str:
    """Store (replacing any previous copy) a channel database; returns its key.

    ``source`` is a local path, the bytes, or an open binary file. The publish step calls it
    once per published version and once with ``version=None`` for the latest copy. The
    replacement is atomic (module docstring): until the new database is whole, readers get
    the previous one, and a failed or killed publish leaves the previous version intact.
    """
    key = database_key(channel_id, version)

    def write(out: IO[bytes]) -> None:
        if isinstance(source, bytes):
            out.write(source)
        elif isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as handle:
                shutil.copyfileobj(handle, out, HASH_CHUNK)
        else:
            shutil.copyfileobj(source, out, HASH_CHUNK)

    target = _local_path(key)
    if target is not None:
        _write_local(target, write, durable=True)
    elif isinstance(source, bytes):
        _put_remote(key, ContentFile(source))
    elif isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            _put_remote(key, DjangoFile(handle, name=Path(key).name))
    else:
        _put_remote(key, DjangoFile(source, name=Path(key).name))
    return key


def channel_database_exists(channel_id: str, version: DatabaseVersion = None) -> bool:
    return default_storage.exists(database_key(channel_id, version))


def open_channel_database(channel_id: str, version: DatabaseVersion = None) -> IO[bytes]:
    return default_storage.open(database_key(channel_id, version), "rb")


@contextmanager
def local_channel_database(channel_id: str, version: DatabaseVersion = None) -> Iterator[Path | None]:
    """A local path to read a stored channel database from, or None when it is not stored.

    On local disk this is the stored file itself (open it read-only); on a remote backend, a
    temporary copy removed on exit.
    """
    key = database_key(channel_id, version)
    if not default_storage.exists(key):
        yield None
        return
    try:
        local = Path(default_storage.path(key))
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="channel-db-") as tmp:
        local = Path(tmp) / Path(key).name
        with default_storage.open(key, "rb") as src, open(local, "wb") as out:
            shutil.copyfileobj(src, out, HASH_CHUNK)
        yield local
