"""Storage used: distinct checksums in the main trees of channels a user edits, plus their
own unattached uploads."""

from __future__ import annotations

from contentcuration.files.quota import recalculate_storage_used, storage_used
from contentcuration.models import File, User
from contentcuration.tests.factories import build_tree, make_assessment_item, make_channel, make_file


def test_the_same_bytes_on_two_nodes_count_once(owner, channel):
    a, b = build_tree(channel.main_tree, ["document", "document"])
    make_file(contentnode=a, data=b"x" * 100)
    make_file(contentnode=b, data=b"x" * 100)
    make_file(contentnode=b, data=b"y" * 30)
    assert storage_used(owner) == 130


def test_files_of_exercises_count(owner, channel):
    (exercise,) = build_tree(channel.main_tree, ["exercise"])
    item = make_assessment_item(contentnode=exercise)
    make_file(assessment_item=item, data=b"i" * 40, ext="png", preset_id="exercise_image")
    assert storage_used(owner) == 40


def test_perseus_exports_and_format_less_rows_do_not_count(owner, channel):
    (exercise,) = build_tree(channel.main_tree, ["exercise"])
    make_file(contentnode=exercise, data=b"p" * 50, ext="perseus", preset_id="exercise")
    File.objects.create(contentnode=exercise, checksum="f" * 32, file_size=60, preset_id="exercise")
    assert storage_used(owner) == 0


def test_deleted_channels_trash_and_viewed_channels_do_not_count(owner, channel, viewer):
    gone = make_channel(owner=owner, name="Gone")
    (in_gone,) = build_tree(gone.main_tree, ["document"])
    make_file(contentnode=in_gone, data=b"g" * 10)
    gone.deleted = True
    gone.save()
    (in_trash,) = build_tree(channel.trash_tree, ["document"])
    make_file(contentnode=in_trash, data=b"t" * 20)
    assert storage_used(owner) == 0
    (shown,) = build_tree(channel.main_tree, ["document"])
    make_file(contentnode=shown, data=b"s" * 5)
    assert storage_used(owner) == 5
    assert storage_used(viewer) == 0


def test_own_unattached_uploads_count_but_not_other_users(owner, stranger):
    make_file(data=b"u" * 70, uploaded_by=owner)
    make_file(data=b"v" * 80, uploaded_by=stranger)
    assert storage_used(owner) == 70


def test_recalculating_stores_the_figure_on_the_user(owner):
    make_file(data=b"u" * 70, uploaded_by=owner)
    assert recalculate_storage_used(owner) == 70
    assert User.objects.get(pk=owner.pk).disk_space_used == 70
