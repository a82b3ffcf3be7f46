"""``manage.py garbage_collect``: what nothing references goes after the grace period; what is
referenced, recent, or only looked at in a dry run stays."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from contentcuration import storage, tree
from contentcuration.files.uploads import parts_dir
from contentcuration.models import ORPHANAGE_ROOT_ID, ContentNode, File
from contentcuration.tests.factories import build_tree, make_file
from contentcuration.tests.files_helpers import random_bytes

TWO_DAYS = 2 * 24 * 3600


def stored_object(ext: str = "pdf", *, age: float = TWO_DAYS) -> tuple[bytes, str]:
    data = random_bytes(500)
    _, key = storage.save_bytes(data, ext)
    past = time.time() - age
    os.utime(default_storage.path(key), (past, past))
    return data, key


def age_tree(root: ContentNode) -> None:
    ContentNode.objects.filter(tree_id=root.tree_id).update(modified=timezone.now() - timedelta(days=2))


def gc(*args: str) -> str:
    out = StringIO()
    call_command("garbage_collect", *args, stdout=out)
    return out.getvalue()


def test_referenced_objects_survive_and_old_unreferenced_ones_go(owner, channel):
    (doc,) = build_tree(channel.main_tree, ["document"])
    kept_data, kept = stored_object()
    make_file(contentnode=doc, data=kept_data)
    upload_data, upload = stored_object()
    make_file(data=upload_data, uploaded_by=owner)  # an unattached upload still refers to it
    _, doomed = stored_object()
    output = gc("--skip-trees")
    assert storage.key_exists(kept) and storage.key_exists(upload)
    assert not storage.key_exists(doomed)
    assert f"Deleted object {doomed}" in output


def test_unreferenced_objects_inside_the_grace_period_survive(db):
    _, recent = stored_object(age=3600)
    gc("--skip-trees", "--grace-hours", "24")
    assert storage.key_exists(recent)
    gc("--skip-trees", "--grace-hours", "0.5")
    assert not storage.key_exists(recent)


def test_a_dry_run_reports_but_deletes_nothing(db):
    _, doomed = stored_object()
    output = gc("--dry-run", "--skip-trees")
    assert f"Would delete object {doomed}" in output
    assert storage.key_exists(doomed)


def test_the_same_bytes_under_another_format_are_not_kept_by_the_wrong_row(owner):
    data, pdf_key = stored_object("pdf")
    make_file(data=data, ext="epub", uploaded_by=owner)
    gc("--skip-trees")
    assert not storage.key_exists(pdf_key)


def test_a_channel_thumbnail_named_by_file_name_survives(channel):
    data, key = stored_object("png")
    checksum = storage.parse_content_key(key)[0]
    channel.thumbnail = f"{checksum}.png"
    channel.save()
    gc("--skip-trees")
    assert storage.key_exists(key)


def test_renamed_duplicates_of_a_concurrent_save_go(db):
    key = default_storage.save("storage/a/b/" + "ab" + "0" * 30 + "_dup1.pdf", ContentFile(b"x"))
    past = time.time() - TWO_DAYS
    os.utime(default_storage.path(key), (past, past))
    gc("--skip-trees")
    assert not storage.key_exists(key)


def test_unreferenced_old_trees_go_with_their_files_and_referenced_ones_stay(owner, channel):
    lost = tree.create_root(title="Lost")
    (lost_doc,) = build_tree(lost, ["document"])
    data, key = stored_object()
    make_file(contentnode=lost_doc, data=data)
    (doc,) = build_tree(channel.main_tree, ["document"])
    for root in (lost, channel.main_tree, channel.trash_tree, owner.clipboard_tree):
        age_tree(root)
    output = gc()
    assert not ContentNode.objects.filter(pk__in=[lost.pk, lost_doc.pk]).exists()
    assert not File.objects.filter(contentnode_id=lost_doc.pk).exists()
    assert not storage.key_exists(key)
    assert ContentNode.objects.filter(pk__in=[doc.pk, channel.trash_tree_id, owner.clipboard_tree_id]).count() == 3
    assert f"Deleted tree {lost.pk}" in output


def test_a_recently_touched_unreferenced_tree_stays(db):
    fresh = tree.create_root(title="Being built")
    gc("--skip-objects")
    assert ContentNode.objects.filter(pk=fresh.pk).exists()


def test_trees_of_deleted_channels_stay(channel):
    channel.deleted = True
    channel.save()
    age_tree(channel.main_tree)
    gc("--skip-objects")
    assert ContentNode.objects.filter(pk=channel.main_tree_id).exists()


def test_old_nodes_in_the_orphanage_go_but_the_orphanage_stays(db):
    orphanage = tree.create_root(id=ORPHANAGE_ROOT_ID, title="Orphanage")
    old, recent = build_tree(orphanage, ["document", "document"])
    age_tree(orphanage)
    ContentNode.objects.filter(pk=recent.pk).update(modified=timezone.now())
    gc("--dry-run")
    assert ContentNode.objects.filter(pk=old.pk).exists()
    gc()
    assert not ContentNode.objects.filter(pk=old.pk).exists()
    assert ContentNode.objects.filter(pk__in=[recent.pk, ORPHANAGE_ROOT_ID]).count() == 2


def test_a_negative_grace_period_is_refused(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        gc("--grace-hours", "-1")


def test_abandoned_upload_parts_go_but_recent_ones_stay(db):
    old, recent = parts_dir() / ("a" * 32 + ".part"), parts_dir() / ("b" * 32 + ".part")
    for path in (old, recent):
        path.write_bytes(b"partial")
    past = time.time() - TWO_DAYS
    os.utime(old, (past, past))
    assert old.name in gc("--dry-run", "--skip-trees")
    assert old.exists()
    gc("--skip-trees")
    assert not old.exists() and recent.exists()
