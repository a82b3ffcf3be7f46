"""Attaching a File to a node or a question, and detaching (deleting) it.

What follows a change of a node's files is decided here, once: the nodes it leaves and
joins have their content changed (``nodes.content_changed``: changed, modified, completeness,
and for anything but a thumbnail a copy's own content_id), and the uploader's cached usage
is recomputed. Adapters parse and authorize (the node and the item must be editable by the
user), then call these.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from contentcuration.models import File, User
from contentcuration.nodes.content_changes import ContentChanges, content_changed

from . import quota


def _is_thumbnail(file: File) -> bool:
    return bool(file.preset and file.preset.thumbnail)


@transaction.atomic
def attach_file(*, file: File, previous_node_id: str | None) -> ContentChanges:
    """Save ``file`` with its new owner (``contentnode`` / ``assessment_item``), preset,
    language and duration already set by the caller; ``previous_node_id`` is the node it was
    on before. Returns what changed on the nodes, for the caller to tell watchers. Atomic;
    locks nothing (metadata only)."""
    file.save()
    changes = content_changed(node_ids=[previous_node_id, file.contentnode_id], new_content=not _is_thumbnail(file))
    uploader = file.uploaded_by
    if uploader is not None:
        quota.recalculate_storage_used(uploader)
    return changes


# The fields an attach may change (sync ``file`` UPDATED's writable fields).
ATTACH_FIELDS = ["contentnode", "assessment_item", "preset", "language", "duration"]


@transaction.atomic
def attach_files(*, files: Sequence[tuple[File, str | None]]) -> ContentChanges:
    """``attach_file`` for many files at once, each given as ``(file, previous_node_id)`` with
    its new values set: the same consequences with one UPDATE, one ``content_changed`` per kind
    (thumbnails, the rest) and one usage recount per uploader, where attaching them one by one
    cost ~50 ms each (an upload queue attaches a file per new resource:
    benchmarks/frontend_uploads.py). Atomic; locks nothing (metadata only)."""
    if not files:
        return ContentChanges()
    File.objects.bulk_update([file for file, _ in files], ATTACH_FIELDS)
    changes = ContentChanges()
    for thumbnails in (False, True):
        node_ids = [
            n for file, before in files if _is_thumbnail(file) is thumbnails for n in (before, file.contentnode_id)
        ]
        part = content_changed(node_ids=node_ids, new_content=not thumbnails)
        changes.content_ids.update(part.content_ids)
        changes.complete.update(part.complete)
    for uploader in User.objects.filter(pk__in={file.uploaded_by_id for file, _ in files if file.uploaded_by_id}):
        quota.recalculate_storage_used(uploader)
    return changes


@transaction.atomic
def detach_file(*, file: File) -> ContentChanges:
    """Delete ``file`` (its stored object stays for garbage collection). Returns what changed
    on its node. Atomic; locks nothing."""
    node_id = file.contentnode_id
    thumbnail = _is_thumbnail(file)
    uploader = file.uploaded_by
    file.delete()
    if uploader is not None:
        quota.recalculate_storage_used(uploader)
    return content_changed(node_ids=[node_id], new_content=not thumbnail)
