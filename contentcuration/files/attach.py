"""Attaching a File to a node or a question, and detaching (deleting) it.

What follows a change of a node's files is decided here, once: the nodes it leaves and
joins have their content changed (``nodes.content_changed``: changed, modified, completeness,
and for anything but a thumbnail a copy's own content_id), and the uploader's cached usage
is recomputed. Adapters parse and authorize (the node and the item must be editable by the
user), then call these.
"""

from __future__ import annotations

from django.db import transaction

from contentcuration.models import File
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
