"""Thumbnails sent inline as base64 data URIs become stored images and File rows."""

from __future__ import annotations

import base64

import pytest

from contentcuration import storage
from contentcuration.files.thumbnails import (
    InvalidThumbnail,
    create_thumbnail_file,
    data_uri_from_encoding,
    encode_stored_image,
    store_data_uri,
)
from contentcuration.tests.factories import build_tree

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 40


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def test_a_png_data_uri_is_stored_under_its_md5(db):
    image = store_data_uri(data_uri(PNG))
    assert image.extension == "png" and image.size == len(PNG)
    with storage.open_object(image.key) as handle:
        assert handle.read() == PNG


def test_a_channel_thumbnail_file_gets_the_channel_preset(owner):
    file = create_thumbnail_file(data_uri=data_uri(JPEG, "image/jpeg"), user=owner)
    assert file.preset_id == "channel_thumbnail" and file.file_format_id == "jpg"
    assert file.contentnode_id is None and file.uploaded_by_id == owner.pk


def test_a_node_thumbnail_gets_its_kinds_preset(owner, channel):
    (video,) = build_tree(channel.main_tree, ["video"])
    file = create_thumbnail_file(data_uri=data_uri(PNG), user=owner, contentnode=video)
    assert file.preset_id == "video_thumbnail" and file.contentnode_id == video.pk


@pytest.mark.parametrize(
    "uri",
    [
        "not a data uri",
        "data:image/svg+xml;base64," + base64.b64encode(b"<svg onload=alert(1)>").decode(),
        data_uri(b"<html>not an image</html>"),
        "data:image/png;base64,@@@",
    ],
)
def test_anything_but_png_or_jpeg_bytes_is_refused(db, uri):
    with pytest.raises(InvalidThumbnail):
        store_data_uri(uri)


def test_oversized_thumbnails_are_refused(db):
    with pytest.raises(InvalidThumbnail):
        store_data_uri(data_uri(PNG + b"\x00" * (3 * 1024 * 1024)))


def test_a_stored_image_round_trips_through_a_data_uri(db):
    image = store_data_uri(data_uri(PNG))
    assert encode_stored_image(image.checksum, "png") == data_uri(PNG)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ({"base64": "data:image/png;base64,AAA", "orientation": 1}, "data:image/png;base64,AAA"),
        ('{"base64": "data:image/png;base64,AAA"}', "data:image/png;base64,AAA"),
        ({}, None),
        ("", None),
        ("not json", None),
        (None, None),
    ],
)
def test_the_data_uri_is_read_from_either_form_of_thumbnail_encoding(encoding, expected):
    assert data_uri_from_encoding(encoding) == expected
