"""A published version as a folder Kolibri imports from disk (a USB stick, a shared drive).

Layout (spec kolibri-export 0): ``<dir>/content/databases/<channel_id>.sqlite3`` and
``<dir>/content/storage/<c0>/<c1>/<md5>.<ext>``, one file per checksum the database lists.
No ``manifest.json`` is written: Kolibri would use it to restrict what it copies. For a
drive Kolibri detects by itself, pass ``<drive>/KOLIBRI_DATA`` as the folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import storage
from .failures import PublishError


@dataclass
class FolderExport:
    database: Path
    files_copied: int = 0
    files_present: int = 0
    bytes_copied: int = 0
    missing: list[str] = field(default_factory=list)


def export_channel_folder(
    *,
    channel_id: str,
    directory: Path | str,
    version: int | None = None,
    progress: Callable[[float], None] | None = None,
    verify: bool = True,
) -> FolderExport:
    """Copy the channel's published database (or ``version``) and every file it lists.

    Files already present with the right size are kept, so an interrupted copy resumes.
    With ``verify`` each copied file's md5 is checked against its name. Raises PublishError
    when the channel was never published (or the version is unknown), and when stored files
    are missing or corrupt, naming the nodes that use them: Kolibri would import such a
    folder "successfully" and leave those nodes silently unavailable.
    """
    report = progress or (lambda _p: None)
    key = storage.database_key(channel_id, version)
    if not storage.key_exists(key):
        raise PublishError(f"{key} does not exist: publish the channel first.")
    content = Path(directory) / "content"
    db_dir = content / "databases"
    db_dir.mkdir(parents=True, exist_ok=True)
    database = db_dir / f"{channel_id}.sqlite3"
    partial = database.with_suffix(".partial")
    with storage.open_object(key) as src, open(partial, "wb") as out:
        shutil.copyfileobj(src, out, 1024 * 1024)
    os.replace(partial, database)
    result = FolderExport(database=database)

    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        total = conn.execute("SELECT COUNT(*) FROM content_localfile").fetchone()[0] or 1
        rows = conn.execute("SELECT id, extension, file_size FROM content_localfile ORDER BY id")
        bad: list[tuple[str, str]] = []
        for index, (checksum, ext, size) in enumerate(rows, 1):
            object_key = storage.storage_key(checksum, ext)
            target = content / object_key
            if target.exists() and (size is None or target.stat().st_size == size):
                result.files_present += 1
            else:
                problem = _copy(object_key, target, checksum if verify else None)
                if problem:
                    bad.append((checksum, problem))
                else:
                    result.files_copied += 1
                    result.bytes_copied += target.stat().st_size
            if index % 200 == 0:
                report(100 * index / total)
        if bad:
            result.missing = [f"{checksum}.{problem}" for checksum, problem in bad]
            raise PublishError(_describe(conn, bad))
    finally:
        conn.close()
    report(100)
    return result


def _copy(key: str, target: Path, checksum: str | None) -> str | None:
    """Copy one stored object; returns what went wrong, or None."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.md5()
    try:
        with storage.open_object(key) as src, open(partial, "wb") as out:
            while block := src.read(1024 * 1024):
                digest.update(block)
                out.write(block)
    except (FileNotFoundError, OSError):
        partial.unlink(missing_ok=True)
        return "missing from storage"
    if checksum and digest.hexdigest() != checksum:
        partial.unlink(missing_ok=True)
        return "corrupt in storage (checksum mismatch)"
    os.replace(partial, target)
    return None


def _describe(conn: sqlite3.Connection, bad: list[tuple[str, str]]) -> str:
    lines = []
    for checksum, problem in bad[:20]:
        nodes = conn.execute(
            "SELECT n.id, n.title FROM content_file f JOIN content_contentnode n ON n.id = f.contentnode_id"
            " WHERE f.local_file_id = ? LIMIT 3",
            [checksum],
        ).fetchall()
        used_by = ", ".join(f"{title!r} ({node_id})" for node_id, title in nodes)
        lines.append(f"file {checksum} {problem}, used by {used_by}")
    more = f" (and {len(bad) - 20} more)" if len(bad) > 20 else ""
    return f"{len(bad)} file(s) could not be exported: " + "; ".join(lines) + more
