"""What a version contains, read back from its content database: counts, size, languages,
licenses, categories, the node ids added, changed and removed since the previous one, and
the stored objects it lists (PublishedObject, which garbage collection keeps).

Reading the finished SQLite file (rather than the tree again) means the figures describe
exactly what Kolibri will import.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import transaction
from le_utils.constants import content_kinds, licenses

from .. import storage
from ..db.bulk import copy_values
from ..models import ChannelVersion, PublishedObject

log = logging.getLogger(__name__)

DATE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # Studio's format for published_data dates


def summarize_database(path: Path | str) -> dict[str, Any]:
    """Counts by kind, resource count, size (distinct files), languages, licenses, categories."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        kind_count = [
            {"kind_id": kind, "count": count}
            for kind, count in conn.execute(
                "SELECT kind, COUNT(*) FROM content_contentnode WHERE kind != ? GROUP BY kind ORDER BY kind",
                [content_kinds.TOPIC],
            )
        ]
        size = conn.execute("SELECT COALESCE(SUM(file_size), 0) FROM content_localfile").fetchone()[0]
        languages = {
            row[0]
            for row in conn.execute(
                "SELECT lang_id FROM content_contentnode WHERE lang_id IS NOT NULL"
                " UNION SELECT lang_id FROM content_file WHERE lang_id IS NOT NULL"
            )
        }
        license_pairs = list(
            conn.execute(
                "SELECT DISTINCT license_id, license_name FROM content_contentnode"
                " WHERE license_id IS NOT NULL ORDER BY license_id"
            )
        )
        categories: set[str] = set()
        for (value,) in conn.execute("SELECT DISTINCT categories FROM content_contentnode WHERE categories != ''"):
            if value:
                categories.update(c for c in value.split(",") if c)
        node_count = conn.execute("SELECT COUNT(*) FROM content_contentnode").fetchone()[0]
    finally:
        conn.close()
    return {
        "resource_count": sum(k["count"] for k in kind_count),
        "kind_count": kind_count,
        "size": int(size or 0),
        "included_languages": sorted(languages),
        "included_licenses": sorted({lid for lid, _ in license_pairs}),
        "included_categories": sorted(categories),
        "non_distributable_licenses_included": sorted(
            {lid for lid, name in license_pairs if name == licenses.ALL_RIGHTS_RESERVED}
        ),
        "node_count": node_count,
    }


@contextmanager
def previous_database(channel_id: str):
    """A local read-only copy of the channel's current published database, or None."""
    key = storage.database_key(channel_id)
    if not storage.key_exists(key):
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="publish-prev-") as tmp:
        local = Path(tmp) / "previous.sqlite3"
        with storage.open_object(key) as src, open(local, "wb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
        yield local


def compute_diff(new_path: Path | str, previous_path: Path | str | None, changed: set[str]) -> dict[str, Any]:
    """Node ids added, changed (edited since the last publish) and removed, sorted.

    Without a previous database every exported node counts as added.
    """
    conn = sqlite3.connect(f"file:{new_path}?mode=ro", uri=True)
    try:
        if previous_path is None:
            added = [r[0] for r in conn.execute("SELECT id FROM content_contentnode ORDER BY id")]
            return {"previous_version": None, "added": added, "changed": [], "removed": []}
        conn.execute("ATTACH DATABASE ? AS prev", [f"file:{previous_path}?mode=ro"])
        previous_version = conn.execute("SELECT version FROM prev.content_channelmetadata").fetchone()
        added = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM main.content_contentnode WHERE id NOT IN (SELECT id FROM prev.content_contentnode)"
                " ORDER BY id"
            )
        ]
        removed = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM prev.content_contentnode WHERE id NOT IN (SELECT id FROM main.content_contentnode)"
                " ORDER BY id"
            )
        ]
    finally:
        conn.close()
    added_set = set(added)
    return {
        "previous_version": previous_version[0] if previous_version else None,
        "added": added,
        "changed": sorted(changed - added_set),
        "removed": removed,
    }


def record_version_objects(*, version: ChannelVersion, path: Path | str) -> int:
    """Make ``version``'s PublishedObject rows exactly the objects its database at ``path``
    lists, and mark it recorded. Returns the number of objects.

    Run it in the transaction that records the version, so that a version is never visible
    without its references (the garbage collector would delete generated archives).
    """
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        listed = conn.execute("SELECT DISTINCT id, LOWER(extension) FROM content_localfile").fetchall()
    finally:
        conn.close()
    PublishedObject.objects.filter(version=version).delete()
    copy_values(PublishedObject, ["version_id", "checksum", "extension"], [(version.pk, c, e) for c, e in listed])
    ChannelVersion.objects.filter(pk=version.pk).update(objects_recorded=True)
    version.objects_recorded = True
    return len(listed)


def record_unrecorded_versions() -> list[str]:
    """Read back the objects of versions published before references were recorded.

    Returns the ids of the versions recorded. A version whose database is no longer stored
    has nothing left to protect and is marked recorded with no objects. Each version is
    locked and re-checked, so a concurrent publish replacing a draft is never overwritten.
    """
    done = []
    for version in ChannelVersion.objects.filter(objects_recorded=False).only("pk", "channel_id", "version"):
        stored_as: storage.DatabaseVersion = "next" if version.version is None else version.version
        with storage.local_channel_database(version.channel_id, stored_as) as path, transaction.atomic():
            locked = ChannelVersion.objects.select_for_update().filter(pk=version.pk, objects_recorded=False).first()
            if locked is None:
                continue
            if path is None:
                log.warning("%s: no stored database, so no objects to keep", locked)
                ChannelVersion.objects.filter(pk=locked.pk).update(objects_recorded=True)
            else:
                record_version_objects(version=locked, path=path)
        done.append(version.pk)
    return done
