"""Reading inside stored zip archives: HTML5 apps (``.zip``), H5P (``.h5p``) and EPUB.

The preview view serves entries from here and ``files.metadata`` reads ``h5p.json``, the
entry page and EPUB package data. Entries are looked up by their exact name in the zip's
directory, never extracted to disk, so a crafted path cannot reach anything outside the
archive; names that would be unsafe if anything ever did extract them (``..``, absolute,
backslashes) are refused as well.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from contentcuration import storage
from contentcuration.errors import Invalid

ARCHIVE_FORMATS = ("zip", "h5p", "epub")
ENTRY_PAGE = "index.html"
# Reads of a member's text (h5p.json, an EPUB's package file) stop here: a zip bomb or an
# absurd metadata file costs at most this much memory.
MAX_TEXT_ENTRY = 1024 * 1024


class NotAnArchive(Invalid):
    """The bytes are not a readable zip archive."""


@contextmanager
def open_archive(source: str | IO[bytes]) -> Iterator[zipfile.ZipFile]:
    """A ZipFile over a local path or a seekable binary file; raises NotAnArchive."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise NotAnArchive("The file is not a readable zip archive.") from exc
    with archive:
        yield archive


@contextmanager
def open_stored_archive(checksum: str, extension: str) -> Iterator[zipfile.ZipFile]:
    """The stored object ``<checksum>.<extension>`` as a ZipFile. Raises FileNotFoundError
    when it is not stored and NotAnArchive when it is not a zip."""
    key = storage.storage_key(checksum, extension)
    if not storage.key_exists(key):
        raise FileNotFoundError(key)
    with storage.open_object(key) as handle, open_archive(handle) as archive:
        yield archive


def safe_entry_name(path: str) -> str | None:
    """The member name a request path names, or None when the path is not a plain relative
    path. An empty path or one ending in ``/`` names that folder's ``index.html``, as
    Kolibri's zipcontent does."""
    if "\\" in path or "\x00" in path or path.startswith("/"):
        return None
    if path == "" or path.endswith("/"):
        path += ENTRY_PAGE
    if any(part in ("", ".", "..") for part in path.split("/")):
        return None
    return path


def find_entry(archive: zipfile.ZipFile, path: str) -> zipfile.ZipInfo | None:
    """The file entry ``path`` names (see ``safe_entry_name``), or None."""
    name = safe_entry_name(path)
    if name is None:
        return None
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    return None if info.is_dir() else info


def read_text_entry(archive: zipfile.ZipFile, name: str) -> str | None:
    """A small member's text (UTF-8, BOM allowed), or None when it is missing, too large or
    not text."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_TEXT_ENTRY:
        return None
    try:
        with archive.open(info) as member:
            return member.read(MAX_TEXT_ENTRY + 1)[:MAX_TEXT_ENTRY].decode("utf-8-sig")
    except (UnicodeDecodeError, zipfile.BadZipFile, OSError, NotImplementedError):
        return None


def iter_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, first: int, length: int, chunk: int
) -> Iterator[bytes]:
    """``length`` bytes of a member from offset ``first`` (a seek inside a deflated member
    decompresses up to it: fine for the media an HTML5 app carries)."""
    with archive.open(info) as member:
        yield from storage.iter_range(member, first=first, length=length, chunk_size=chunk)


def top_level_entry_page(archive: zipfile.ZipFile) -> str | None:
    """Where ``index.html`` is when it is not at the top (``folder/index.html``), for the
    error message; None when there is none at all."""
    nested = [n for n in archive.namelist() if posixpath.basename(n) == ENTRY_PAGE]
    return min(nested, key=lambda n: n.count("/")) if nested else None
