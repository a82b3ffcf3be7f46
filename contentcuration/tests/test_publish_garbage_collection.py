"""Garbage collection keeps everything a published version refers to (issue 10, item 2).

A publish generates objects no File row names (Perseus archives, QTI packages, slideshow
manifests), and a version keeps listing objects whose File rows are deleted later (a node
removed after the publish). ``garbage_collect`` must keep them all until the version itself
is deleted, so ``export_channel`` and a Kolibri import still work after it ran.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from contentcuration import storage, tree
from contentcuration.models import AssessmentItem, ChannelVersion, ContentNode, File, PublishedObject
from contentcuration.publish import publish_channel
from contentcuration.tests.factories import build_tree
from contentcuration.tests.publishing import CC_BY, open_export, stored_file
from contentcuration.tests.test_publish_kolibri import import_and_read
from contentcuration.tests.test_publish_qti import build_qti_channel
from contentcuration.tests.test_publish_slideshow import slide

FIELDS = {"complete": True, "license_id": CC_BY, "copyright_holder": "G"}


def collect_everything() -> str:
    """What an operator runs: trees and objects, no grace period."""
    out = StringIO()
    call_command("garbage_collect", "--grace-hours", "0", stdout=out)
    return out.getvalue()


def listed_objects(database_key: str) -> set[tuple[str, str]]:
    with open_export(database_key) as conn:
        return {(row[0], row[1]) for row in conn.execute("SELECT id, extension FROM content_localfile")}


def qti_channel_with_image_files(owner):
    """build_qti_channel, with File rows for its question images (as the editor makes them):
    without them the images are garbage and the next publish of those exercises fails."""
    channel, nodes = build_qti_channel(owner)
    for name, image in (("free", "image"), ("mixed", "qti_image")):
        File.objects.create(
            assessment_item=nodes[name].assessment_items.order_by("order").first(),
            checksum=nodes[image],
            file_format_id="png",
            preset_id="exercise_image",
            file_on_disk=storage.storage_key(nodes[image], "png"),
        )
    return channel, nodes


def add_slideshow_and_document(channel) -> dict[str, ContentNode]:
    slideshow, document = build_tree(
        channel.main_tree,
        [("slideshow", [], {**FIELDS, "title": "Slides"}), ("document", [], {**FIELDS, "title": "Handout"})],
    )
    sun = stored_file(slideshow, b"\x89PNG gc sun", "png", "slideshow_image").checksum
    moon = stored_file(slideshow, b"\x89PNG gc moon", "png", "slideshow_image").checksum
    extra = {"slideshow_data": [slide(sun, "png", "Sun", 0), slide(moon, "png", "Moon", 1)]}
    ContentNode.objects.filter(pk=slideshow.pk).update(extra_fields=extra)
    stored_file(document, b"%PDF-1.4 a handout deleted after the publish", "pdf", "document")
    return {"slideshow": slideshow, "document": document}


@pytest.mark.kolibri
@pytest.mark.slow
def test_a_published_version_survives_garbage_collection_and_imports_into_kolibri(kolibri_venv, owner, tmp_path):
    channel, nodes = qti_channel_with_image_files(owner)
    nodes.update(add_slideshow_and_document(channel))
    result = publish_channel(channel_id=channel.id, user=owner, version_notes="v1")
    listed = listed_objects(result.database_key)
    extensions = {ext for _, ext in listed}
    assert {"perseus", "zip", "json", "pdf"} <= extensions  # archives, QTI, manifest, the handout
    # After the publish the handout is removed from the tree: its File row goes, but
    # version 1 still lists it.
    tree.delete_subtree(node=nodes["document"])

    collect_everything()

    for checksum, ext in listed:
        assert storage.object_exists(checksum, ext), f"{checksum}.{ext} was collected"
    folder = tmp_path / "export"
    call_command("export_channel", channel.id, str(folder), "--no-progress")
    imported = import_and_read(tmp_path / "kolibri-home", channel.id, folder)
    for name in ("free", "mixed", "perseus", "slideshow", "document"):
        assert imported["nodes"][nodes[name].node_id]["available"] is True, name
    assert imported["files"] and all(available for _, _, available in imported["files"])


def test_objects_of_a_deleted_version_become_collectable(owner):
    channel, nodes = qti_channel_with_image_files(owner)
    draft = publish_channel(channel_id=channel.id, user=owner, draft=True)
    draft_objects = listed_objects(draft.database_key)
    # The draft's Perseus archive differs from the version's once the question changes.
    AssessmentItem.objects.filter(contentnode=nodes["perseus"]).update(question="2 + 2?")
    ContentNode.objects.filter(pk=nodes["perseus"].pk).update(changed=True)
    collect_everything()
    assert all(storage.object_exists(*obj) for obj in draft_objects)  # the draft is a live version

    version = publish_channel(channel_id=channel.id, user=owner)  # replaces (deletes) the draft
    assert not ChannelVersion.objects.filter(channel=channel, version=None).exists()
    version_objects = listed_objects(version.database_key)
    only_draft = {obj for obj in draft_objects - version_objects if obj[1] == "perseus"}
    assert only_draft
    output = collect_everything()

    assert all(storage.object_exists(*obj) for obj in version_objects)
    for checksum, ext in only_draft:
        assert not storage.object_exists(checksum, ext)
        assert f"Deleted object {storage.storage_key(checksum, ext)}" in output

    ChannelVersion.objects.filter(channel=channel, version=version.version).delete()
    collect_everything()
    generated = {obj for obj in version_objects if obj[1] in ("perseus", "zip")}
    assert generated and not any(storage.object_exists(*obj) for obj in generated)


def test_versions_published_before_references_were_recorded_are_read_back_first(owner):
    channel, _nodes = build_qti_channel(owner)
    result = publish_channel(channel_id=channel.id, user=owner)
    listed = listed_objects(result.database_key)
    # As a version published by an older release: no references recorded yet.
    PublishedObject.objects.all().delete()
    ChannelVersion.objects.update(objects_recorded=False)

    collect_everything()

    assert all(storage.object_exists(*obj) for obj in listed)
    recorded = set(PublishedObject.objects.values_list("checksum", "extension"))
    assert recorded == listed
    assert ChannelVersion.objects.get(channel=channel, version=1).objects_recorded is True


def test_publishing_records_what_the_version_lists(owner):
    channel, _nodes = build_qti_channel(owner)
    result = publish_channel(channel_id=channel.id, user=owner)
    version = ChannelVersion.objects.get(channel=channel, version=result.version)
    assert version.objects_recorded is True
    assert set(version.published_objects.values_list("checksum", "extension")) == listed_objects(result.database_key)
