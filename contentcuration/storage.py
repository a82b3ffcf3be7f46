"""Storage: the ONLY module that knows storage keys or touches ``default_storage``.

Two families of objects live in Django's default storage (local disk, or an S3-compatible
bucket through django-storages when ``AWS_STORAGE_BUCKET_NAME`` is set):

* content, addressed by its md5: ``storage/<c0>/<c1>/<md5>.<ext>`` (c0, c1 = first two hex
  characters). An object is written once and never changed: the key names the bytes.
* published channel databases: ``databases/<channel_id>.sqlite3`` (latest),
  ``databases/<channel_id>-<version>.sqlite3`` and ``databases/<channel_id>-next.sqlite3``
  (draft). These are overwritten on every publish.

Both are served to anyone under ``/content/`` by ``contentcuration.uploads``,
as Studio's public bucket does. Other modules call the functions here and never build a key.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
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
# and the routes in upload_urls.py serve it; MEDIA_URL only matters to a fronting web server.
CONTENT_URL = "/content/"
CONTENT_PREFIX = "storage"
DATABASE_PREFIX = "databases"
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


# --- content objects ------------------------------------------------------------------------


def save_bytes(data: bytes, extension: str) -> tuple[str, str]:
    """Store ``data`` under its content address; returns (md5, storage key).

    Storing bytes that are already present is a no-op: the key names the content.
    """
    checksum = hashlib.md5(data).hexdigest()
    key = storage_key(checksum, extension)
    if not default_storage.exists(key):
        default_storage.save(key, ContentFile(data))
    return checksum, key


def save_generated_bytes(data: bytes, extension: str) -> tuple[str, str]:
    """``save_bytes`` for files the server generates in bulk (exercise archives on publish).

    Same result and key; on a local filesystem the file is written directly and renamed into
    place, skipping the storage API's name negotiation, which is pointless for a
    content-addressed key and cost ~0.5 ms a file (benchmarks/publish.py: ~20,000 archives
    for a 100,000-node channel).
    """
    import tempfile

    checksum = hashlib.md5(data).hexdigest()
    key = storage_key(checksum, extension)
    try:
        target = default_storage.path(key)
    except NotImplementedError:
        return save_bytes(data, extension)
    if os.path.exists(target):
        return checksum, key
    directory = os.path.dirname(target)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return checksum, key


def save_verified_file(*, path: str | os.PathLike, checksum: str, extension: str) -> str:
    """Store the local file ``path`` whose md5 the caller has verified to be ``checksum``.

    Returns the key. A no-op when the object is already stored. Two concurrent saves of the
    same bytes may leave a renamed duplicate (the storage backends never overwrite); the
    garbage collector removes such keys since no File row names them.
    """
    key = storage_key(checksum, extension)
    if not default_storage.exists(key):
        with open(path, "rb") as handle:
            default_storage.save(key, DjangoFile(handle, name=os.path.basename(key)))
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
    replace is delete-then-save because neither backend overwrites in place.
    """
    key = database_key(channel_id, version)
    if isinstance(source, (str, os.PathLike)) and _replace_local_file(key, source):
        return key
    if default_storage.exists(key):
        default_storage.delete(key)
    if isinstance(source, bytes):
        saved = default_storage.save(key, ContentFile(source))
    elif isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            saved = default_storage.save(key, DjangoFile(handle, name=Path(key).name))
    else:
        saved = default_storage.save(key, DjangoFile(source, name=Path(key).name))
    if saved != key:  # a concurrent publish wrote the same key between delete and save
        default_storage.delete(saved)
        raise RuntimeError(f"{key} was written concurrently; publish again.")
    return key


def _replace_local_file(key: str, source: str | os.PathLike) -> bool:
    """On a local filesystem, copy ``source`` beside ``key`` and rename it over the old file,
    so the previous database stays whole until the new one is complete (a failed publish
    must leave the previous version intact). Returns False for non-local storage."""
    import shutil
    import tempfile

    try:
        target = default_storage.path(key)
    except NotImplementedError:
        return False
    directory = os.path.dirname(target)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out, HASH_CHUNK)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True


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
