"""Slideshows publish with the JSON manifest Kolibri's slideshow viewer renders them from."""

from __future__ import annotations

import hashlib
import json
import textwrap

import pytest
from django.core.management import call_command

from contentcuration import storage
from contentcuration.models import Channel, ContentNode, File
from contentcuration.nodes.completeness import incomplete_reasons
from contentcuration.publish import NodesFailed, publish_channel
from contentcuration.tests.factories import build_tree, make_channel
from contentcuration.tests.publishing import CC_BY, open_export, stored_file
from contentcuration.tests.test_chef_api import CHANNEL_ID, Chef, file_dict, node_dict, stored

FIELDS = {"complete": True, "license_id": CC_BY, "copyright_holder": "S"}
IMAGES = {
    "sun": (b"\x89PNG the sun", "png"),
    "moon": (b"\xff\xd8\xff the moon", "jpg"),
    "stars": (b"\x89PNG the stars", "png"),
}


def slide(checksum: str, ext: str, caption: str, sort_order) -> dict:
    return {
        "caption": caption,
        "descriptive_text": f"About {caption}",
        "sort_order": sort_order,
        "checksum": checksum,
        "extension": ext,
    }


def build_slideshow_channel(owner, *, slides: list | None = None):
    """A channel with one slideshow (three images, listed out of order) and a document.

    ``slides`` replaces the default slideshow_data. Returns (channel, nodes) where nodes maps
    "slideshow" and "document" to nodes and each image name to its checksum."""
    channel = make_channel(owner=owner, name="Slides channel", language_id="en")
    slideshow, document = build_tree(
        channel.main_tree,
        [("slideshow", [], {**FIELDS, "title": "Night and day"}), ("document", [], {**FIELDS, "title": "A doc"})],
    )
    checksums = {}
    for image, (data, ext) in IMAGES.items():
        checksums[image] = stored_file(slideshow, data, ext, "slideshow_image").checksum
    stored_file(slideshow, b"\x89PNG a thumbnail", "png", "slideshow_thumbnail")
    stored_file(document, b"%PDF-1.4 slides doc", "pdf", "document")
    if slides is None:
        slides = [
            slide(checksums["stars"], "png", "Stars", 2),
            slide(checksums["sun"], "png", "Sun", 0),
            slide(checksums["moon"], "jpg", "Moon", 1),
        ]
    slideshow.extra_fields = {"slideshow_data": slides}
    ContentNode.objects.filter(pk=slideshow.pk).update(extra_fields=slideshow.extra_fields)
    return channel, {"slideshow": slideshow, "document": document, **checksums}


def exported_files(result, node: ContentNode) -> dict[str, list]:
    with open_export(result.database_key) as conn:
        rows = conn.execute(
            "SELECT f.preset, f.local_file_id, f.extension, f.supplementary, l.file_size FROM content_file f"
            " JOIN content_localfile l ON l.id = f.local_file_id WHERE f.contentnode_id = ?",
            [node.node_id],
        ).fetchall()
    by_preset: dict[str, list] = {}
    for row in rows:
        by_preset.setdefault(row["preset"], []).append(dict(row))
    return by_preset


def manifest_of(result, node: ContentNode) -> tuple[dict, bytes]:
    [row] = exported_files(result, node)["slideshow_manifest"]
    with storage.open_object(storage.storage_key(row["local_file_id"], "json")) as fh:
        data = fh.read()
    return row, data


def test_a_slideshow_gets_a_manifest_listing_its_slides_in_sort_order(owner):
    channel, nodes = build_slideshow_channel(owner)

    result = publish_channel(channel_id=channel.id, user=owner)

    row, data = manifest_of(result, nodes["slideshow"])
    assert row["extension"] == "json" and row["supplementary"] == 0
    assert row["file_size"] == len(data) and row["local_file_id"] == hashlib.md5(data).hexdigest()
    assert json.loads(data) == {
        "slideshow_data": [
            slide(nodes["sun"], "png", "Sun", 0),
            slide(nodes["moon"], "jpg", "Moon", 1),
            slide(nodes["stars"], "png", "Stars", 2),
        ]
    }
    files = exported_files(result, nodes["slideshow"])
    assert sorted(f["local_file_id"] for f in files["slideshow_image"]) == sorted(
        nodes[i] for i in ("sun", "moon", "stars")
    )
    assert set(files) == {"slideshow_image", "slideshow_thumbnail", "slideshow_manifest"}
    assert result.resource_count == 2


def test_slides_without_a_numeric_sort_order_follow_the_numbered_ones_in_list_order(owner):
    channel, nodes = build_slideshow_channel(owner, slides=[])
    slides = [
        slide(nodes["moon"], "jpg", "Moon", None),
        slide(nodes["stars"], "png", "Stars", 5),
        slide(nodes["sun"], "png", "Sun", "first"),
        slide(nodes["sun"], "png", "Sun again", 1.5),
    ]
    ContentNode.objects.filter(pk=nodes["slideshow"].pk).update(extra_fields={"slideshow_data": slides})

    result = publish_channel(channel_id=channel.id, user=owner)

    entries = json.loads(manifest_of(result, nodes["slideshow"])[1])["slideshow_data"]
    assert [(e["caption"], e["sort_order"]) for e in entries] == [
        ("Sun again", 0),
        ("Stars", 1),
        ("Moon", 2),
        ("Sun", 3),
    ]


def test_an_unchanged_slideshow_has_the_same_manifest_bytes_in_the_next_version(owner):
    channel, nodes = build_slideshow_channel(owner)
    first = publish_channel(channel_id=channel.id, user=owner)
    ContentNode.objects.filter(pk=nodes["document"].pk).update(title="Renamed", changed=True)

    second = publish_channel(channel_id=channel.id, user=owner)

    assert second.version == 2
    assert manifest_of(first, nodes["slideshow"]) == manifest_of(second, nodes["slideshow"])


def test_a_manifest_stored_on_the_node_is_replaced_by_the_one_built_from_the_slides(owner):
    channel, nodes = build_slideshow_channel(owner)
    stale = stored_file(nodes["slideshow"], b'{"slideshow_data": []}', "json", "slideshow_manifest")

    result = publish_channel(channel_id=channel.id, user=owner)

    row, data = manifest_of(result, nodes["slideshow"])
    assert row["local_file_id"] != stale.checksum
    assert len(json.loads(data)["slideshow_data"]) == 3


def test_a_slide_whose_image_is_not_on_the_node_fails_the_publish_naming_the_node(owner):
    lost, _ = storage.save_bytes(b"\x89PNG an image of another node", "png")
    channel, nodes = build_slideshow_channel(owner, slides=[])
    ContentNode.objects.filter(pk=nodes["slideshow"].pk).update(
        extra_fields={"slideshow_data": [slide(nodes["sun"], "png", "Sun", 0), slide(lost, "png", "Lost", 1)]}
    )

    with pytest.raises(NodesFailed) as failure:
        publish_channel(channel_id=channel.id, user=owner)

    [message] = failure.value.errors
    assert nodes["slideshow"].id in message and "Night and day" in message
    assert "slide 2 ('Lost')" in message and lost in message
    channel.refresh_from_db()
    assert channel.version == 0


def test_a_slide_image_missing_from_storage_fails_the_publish_naming_the_node(owner):
    channel, nodes = build_slideshow_channel(owner)
    storage.delete_key(storage.storage_key(nodes["moon"], "jpg"))

    with pytest.raises(NodesFailed) as failure:
        publish_channel(channel_id=channel.id, user=owner)

    [message] = failure.value.errors
    assert nodes["slideshow"].id in message and "Night and day" in message
    assert f"{nodes['moon']}.jpg is missing from storage" in message


def test_a_slideshow_without_slides_is_left_out_and_listed_as_skipped(owner):
    channel, nodes = build_slideshow_channel(owner, slides=[])

    result = publish_channel(channel_id=channel.id, user=owner)

    assert [(s["id"], s["reason"]) for s in result.skipped] == [(nodes["slideshow"].id, "slideshow has no slides")]
    with open_export(result.database_key) as conn:
        exported = {row[0] for row in conn.execute("SELECT id FROM content_contentnode")}
    assert nodes["slideshow"].node_id not in exported and nodes["document"].node_id in exported


def test_a_slideshow_is_complete_once_one_slide_has_its_image(owner):
    channel = make_channel(owner=owner, name="Completeness", language_id="en")
    no_images, unlisted, listed = build_tree(channel.main_tree, [("slideshow", [], FIELDS)] * 3)
    image = stored_file(unlisted, b"\x89PNG unlisted", "png", "slideshow_image")
    for node in (no_images, unlisted):
        node.extra_fields = {"slideshow_data": [{"caption": "x", "sort_order": 0}]}
    shown = stored_file(listed, b"\x89PNG listed", "png", "slideshow_image")
    listed.extra_fields = {
        "slideshow_data": [slide(shown.checksum, "png", "Shown", 0), slide(image.checksum, "png", "Elsewhere", 1)]
    }

    reasons = incomplete_reasons([no_images, unlisted, listed])

    assert reasons[no_images.pk] == ["slides"]
    assert reasons[unlisted.pk] == ["slides"]
    assert reasons[listed.pk] == []


# --- the chef API --------------------------------------------------------------------------------


def test_a_ricecooker_slideshow_node_is_accepted_and_publishes_its_manifest(client, owner):
    chef = Chef(client, owner)
    png, jpg = stored(b"\x89PNG chef slide one", "png"), stored(b"\xff\xd8\xff chef slide two", "jpg")
    # As ricecooker 0.8.0's SlideshowNode sends it: one slideshow_image per slide, and
    # extra_fields a JSON string whose slideshow_data lists them in order (spec 6.4).
    data = [
        {"caption": "One", "descriptive_text": "First", "sort_order": 0, "checksum": png[:32], "extension": "png"},
        {"caption": "Two", "descriptive_text": "Second", "sort_order": 1, "checksum": jpg[:32], "extension": "jpg"},
    ]
    node = node_dict(
        "slideshow",
        "chef-slides",
        files=[file_dict(png, "slideshow_image"), file_dict(jpg, "slideshow_image")],
        extra_fields=json.dumps({"slideshow_data": data}),
    )
    root_id = chef.create_channel()

    chef.add_nodes(root_id, [node])
    assert chef.post("finish_channel", {"channel_id": CHANNEL_ID, "stage": False}).status_code == 200

    saved = ContentNode.objects.get(
        node_id=node["node_id"], tree_id=Channel.objects.get(pk=CHANNEL_ID).main_tree.tree_id
    )
    assert saved.kind_id == "slideshow" and saved.complete
    assert saved.extra_fields["slideshow_data"] == data
    assert sorted(File.objects.filter(contentnode=saved).values_list("preset_id", "file_format_id")) == [
        ("slideshow_image", "jpg"),
        ("slideshow_image", "png"),
    ]
    result = publish_channel(channel_id=CHANNEL_ID, user=owner)
    entries = json.loads(manifest_of(result, saved)[1])["slideshow_data"]
    assert [(e["caption"], e["checksum"], e["extension"]) for e in entries] == [
        ("One", png[:32], "png"),
        ("Two", jpg[:32], "jpg"),
    ]


# --- real Kolibri ------------------------------------------------------------------------------

KOLIBRI_FILES_SCRIPT = textwrap.dedent(
    """
    import json
    from kolibri.core.content.models import File
    from kolibri.core.content.utils.paths import get_content_storage_file_path
    out = {}
    for f in File.objects.filter(contentnode_id=NODE_ID).select_related("local_file"):
        path = get_content_storage_file_path(f.local_file.get_filename())
        body = open(path).read() if f.preset == "slideshow_manifest" else None
        out.setdefault(f.preset, []).append([f.local_file_id, f.local_file.extension, body])
    print("RESULT " + json.dumps(out))
    """
)


@pytest.mark.kolibri
@pytest.mark.slow
def test_real_kolibri_imports_a_slideshow_as_available_with_its_manifest_and_images(kolibri_venv, owner, tmp_path):
    from contentcuration.tests.test_publish_kolibri import import_and_read, kolibri

    channel, nodes = build_slideshow_channel(owner)
    publish_channel(channel_id=channel.id, user=owner)
    folder = tmp_path / "export"
    call_command("export_channel", channel.id, str(folder), "--no-progress")
    home = tmp_path / "kolibri-home"

    imported = import_and_read(home, channel.id, folder)

    node_id = nodes["slideshow"].node_id
    assert imported["nodes"][node_id]["available"] is True
    assert imported["nodes"][node_id]["kind"] == "slideshow"
    presets = sorted((preset, available) for n, preset, available in imported["files"] if n == node_id)
    assert presets == [("slideshow_image", True)] * 3 + [("slideshow_manifest", True), ("slideshow_thumbnail", True)]
    # What the viewer does: read the manifest from Kolibri's storage, then find each slide's
    # image among the node's files by checksum.
    script = home / "slides.py"
    script.write_text(f"NODE_ID = {node_id!r}\n" + KOLIBRI_FILES_SCRIPT)
    output = kolibri(home, "shell", "-c", f"exec(open({str(script)!r}).read())")
    files = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[len("RESULT ") :])
    [(_, extension, body)] = files["slideshow_manifest"]
    images = {checksum: ext for checksum, ext, _ in files["slideshow_image"]}
    slides = json.loads(body)["slideshow_data"]
    assert extension == "json"
    assert [s["caption"] for s in slides] == ["Sun", "Moon", "Stars"]
    assert {s["checksum"]: s["extension"] for s in slides} == images
