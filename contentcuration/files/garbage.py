"""Garbage collection: trees nothing refers to, and stored objects nothing names.

An object is referenced when a File row names it, a channel thumbnail names it, or a
published (or draft) version lists it (PublishedObject: the archives and manifests a publish
generates have no File row, and a version keeps listing objects whose nodes were deleted
since). A version's objects become collectable when the version is deleted.

Conservative by design: a tree or object goes only when nothing references it AND it has
not been touched for a grace period (default 24 h), so an upload in flight (File row created,
bytes still arriving), an archive a publish in progress has just written (or refreshed), or a
tree being built right now is never collected. Channels that are soft-deleted keep their
trees (they can be restored). Run through ``manage.py garbage_collect`` (trees first, so
their objects go in the same run).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from contentcuration import storage, tree
from contentcuration.models import (
    DELETED_CHEFS_ROOT_ID,
    ORPHANAGE_ROOT_ID,
    TREE_FIELDS,
    Channel,
    ContentNode,
    File,
    PublishedObject,
    User,
)
from contentcuration.publish.versions import record_unrecorded_versions

from .uploads import UPLOAD_URL_MAX_AGE, discard_stale_parts

DEFAULT_GRACE = timedelta(hours=24)
BATCH = 500
MD5_IN_TEXT_RE = re.compile(r"[0-9a-f]{32}")


@dataclass
class Collected:
    trees: list[str] = field(default_factory=list)  # root ids (or orphanage children)
    objects: list[str] = field(default_factory=list)  # storage keys
    parts: list[str] = field(default_factory=list)  # abandoned partial uploads
    partials: list[str] = field(default_factory=list)  # stores a killed process left unfinished


def unreferenced_roots() -> QuerySet[ContentNode]:
    """Roots nothing points at: not a tree of any channel (deleted channels included), not a
    user's clipboard, not one of the two special roots. Subqueries, not id lists, so the
    query does not grow with the number of channels (NULLs are excluded: ``NOT IN`` a set
    holding NULL matches nothing)."""
    roots = ContentNode.objects.filter(parent=None).exclude(pk__in=[ORPHANAGE_ROOT_ID, DELETED_CHEFS_ROOT_ID])
    for tree_field in TREE_FIELDS:
        column = f"{tree_field}_id"
        roots = roots.exclude(pk__in=Channel.objects.exclude(**{column: None}).values(column))
    return roots.exclude(pk__in=User.objects.exclude(clipboard_tree_id=None).values("clipboard_tree_id"))


def collect_orphan_trees(*, grace: timedelta = DEFAULT_GRACE, dry_run: bool = False) -> list[str]:
    """Delete (through ``tree.delete_subtree``) unreferenced trees and the children of the
    orphanage root, when no node of theirs was modified within ``grace``.

    Returns the ids of the top nodes deleted (or that would be, with ``dry_run``).
    """
    cutoff = timezone.now() - grace
    recent_trees = ContentNode.objects.filter(modified__gte=cutoff).values("tree_id")
    doomed = list(unreferenced_roots().exclude(tree_id__in=recent_trees).values_list("pk", flat=True))
    for child in ContentNode.objects.filter(parent_id=ORPHANAGE_ROOT_ID, modified__lt=cutoff):
        touched = ContentNode.objects.filter(
            tree_id=child.tree_id, lft__gte=child.lft, lft__lte=child.rght, modified__gte=cutoff
        ).exists()
        if not touched:
            doomed.append(child.pk)
    if not dry_run:
        for node_id in doomed:
            tree.delete_subtree(node=node_id)
    return doomed


def _referenced_keys(keys: Iterable[str], thumbnails: set[str]) -> set[str]:
    """The keys among ``keys`` that a File row names (by key, or by md5 and format), that a
    version lists (PublishedObject), or whose md5 is in ``thumbnails``."""
    parsed = {key: storage.parse_content_key(key) for key in keys}
    checksums = {p[0] for p in parsed.values() if p}
    by_format = set(File.objects.filter(checksum__in=checksums).values_list("checksum", "file_format_id"))
    by_format |= set(PublishedObject.objects.filter(checksum__in=checksums).values_list("checksum", "extension"))
    on_disk = set(File.objects.filter(file_on_disk__in=list(parsed)).values_list("file_on_disk", flat=True))
    return {
        key for key, p in parsed.items() if key in on_disk or (p and ((p[0], p[1]) in by_format or p[0] in thumbnails))
    }


def channel_thumbnail_checksums() -> set[str]:
    """Checksums named in ``Channel.thumbnail`` (a stored file name or URL, not a File row)."""
    found: set[str] = set()
    for text in Channel.objects.exclude(Q(thumbnail=None) | Q(thumbnail="")).values_list("thumbnail", flat=True):
        found.update(MD5_IN_TEXT_RE.findall(text))
    return found


def collect_unreferenced_objects(*, grace: timedelta = DEFAULT_GRACE, dry_run: bool = False) -> list[str]:
    """Delete stored content objects that no File row, channel thumbnail or version names
    and that were last modified before now - ``grace``. Versions published before their
    objects were recorded are read back first. Malformed keys under ``storage/`` (e.g.
    renamed duplicates of a concurrent save) are unreferenced by definition.

    References are re-read just before each batch is deleted, which keeps the window for a
    racing ``upload_url`` on the same bytes small; the grace period covers the rest.
    Returns the keys deleted (or that would be, with ``dry_run``).
    """
    record_unrecorded_versions()
    cutoff = timezone.now() - grace
    # Read once: a thumbnail set during the run names a fresh object, which the grace keeps.
    thumbnails = channel_thumbnail_checksums()
    doomed: list[str] = []
    batch: list[str] = []

    def flush() -> None:
        referenced = _referenced_keys(batch, thumbnails)
        candidates = [k for k in batch if k not in referenced and storage.object_modified(k) < cutoff]
        if not dry_run:
            still_free = set(candidates) - _referenced_keys(candidates, thumbnails)
            for key in candidates:
                if key in still_free:
                    storage.delete_key(key)
        doomed.extend(candidates)
        batch.clear()

    for key in storage.iter_content_keys():
        batch.append(key)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return doomed


def collect_garbage(
    *, grace: timedelta = DEFAULT_GRACE, dry_run: bool = False, trees: bool = True, objects: bool = True
) -> Collected:
    result = Collected()
    if trees:
        result.trees = collect_orphan_trees(grace=grace, dry_run=dry_run)
    if objects:
        result.objects = collect_unreferenced_objects(grace=grace, dry_run=dry_run)
        # A part older than an upload URL's lifetime can never be completed, and no single
        # store takes that long: the floor protects writes in flight even with a zero grace.
        older_than = max(grace, timedelta(seconds=UPLOAD_URL_MAX_AGE))
        result.parts = discard_stale_parts(older_than=older_than, dry_run=dry_run)
        result.partials = storage.discard_stale_partials(older_than=older_than, dry_run=dry_run)
    return result
