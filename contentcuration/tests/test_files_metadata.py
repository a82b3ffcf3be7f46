"""What the server reads from uploaded bytes (files.metadata): durations from MP4/WebM
headers, H5P's h5p.json, the HTML5 entry page, EPUB package data; unusable uploads refused
before they are stored; ``GET /api/file/<id>/metadata`` and who may read it."""

from __future__ import annotations

import hashlib
import io
from urllib.parse import urlsplit

import pytest
from django.test import Client

from contentcuration.files.media_duration import read_duration
from contentcuration.files.metadata import read_metadata
from contentcuration.models import File
from contentcuration.tests import media_fixtures as media
from contentcuration.tests.factories import build_tree
from contentcuration.tests.files_helpers import announcement, is_stored
from contentcuration.tests.sync_helpers import browser_client, token_client_for

UPLOAD_URL = "/api/file/upload_url"


# --- durations from container headers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "ext", "seconds"),
    [
        (media.mp4(seconds=90.5), "mp4", 90.5),
        (media.mp4(seconds=3600.25, moov_last=True), "mp4", 3600.25),
        (media.mp4(seconds=7.0, version=1, timescale=90000), "mp4", 7.0),
        (media.webm(milliseconds=12_345), "webm", 12.345),
        (media.webm(milliseconds=61_000, scale=1_000_000), "webm", 61.0),
        (media.webm(milliseconds=5_000, scale=100_000), "webm", 5.0),
        (media.webm(milliseconds=4_000, unknown_segment_size=True), "webm", 4.0),
    ],
)
def test_the_duration_is_read_from_the_container_headers(data, ext, seconds):
    assert read_duration(io.BytesIO(data), ext) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("data", "ext"),
    [
        (media.webm(milliseconds=None), "webm"),  # a live recording: no Duration
        (b"not a video at all" * 100, "mp4"),
        (b"\x1aE\xdf\xa3 truncated", "webm"),
        (media.mp4(seconds=3), "webm"),
        (b"ID3\x03\x00" + bytes(500), "mp3"),  # MP3 has no container duration: the client's stands
    ],
)
def test_no_duration_is_claimed_when_the_headers_do_not_say(data, ext):
    assert read_duration(io.BytesIO(data), ext) is None


# --- archives -------------------------------------------------------------------------------


def test_h5p_title_language_license_and_author_come_from_h5p_json(db):
    meta = read_metadata(io.BytesIO(media.h5p()), extension="h5p", preset="h5p")
    assert (meta.title, meta.language, meta.license_name, meta.author) == (
        "Fractions game",
        "es",
        "CC BY-SA",
        "Ana Pérez",
    )
    assert meta.license and meta.problems == []


def test_an_undisclosed_h5p_license_is_left_for_the_curator(db):
    meta = read_metadata(io.BytesIO(media.h5p(license="U", language="und")), extension="h5p", preset="h5p")
    assert meta.license is None and meta.language is None and meta.title == "Fractions game"


def test_an_html5_zip_names_its_entry_page_title_and_images_to_make_a_thumbnail_from(db):
    meta = read_metadata(io.BytesIO(media.html5_app()), extension="zip", preset="html5_zip")
    assert (meta.entry, meta.title, meta.problems) == ("index.html", "Fraction & pie", [])
    assert meta.thumbnail_candidates == ["img/pie.png"]


def test_an_html5_zip_with_its_index_in_a_folder_says_where_it_is(db):
    meta = read_metadata(io.BytesIO(media.html5_app(top_level=False)), extension="zip", preset="html5_zip")
    assert meta.entry is None
    assert meta.problems == [
        "index.html must be at the top of the zip; this one has it at app/index.html. "
        "Zip the contents of app/ instead of the folder."
    ]


def test_an_epub_gives_its_title_language_and_author(db):
    meta = read_metadata(io.BytesIO(media.epub()), extension="epub", preset="epub")
    assert (meta.title, meta.language, meta.author, meta.problems) == ("Fractions for everyone", "fr", "Marie", [])
    assert meta.thumbnail_candidates == ["OEBPS/images/cover.jpg", "OEBPS/images/big-figure.png"]


def test_bytes_that_are_not_a_zip_are_a_problem_not_an_error(db):
    meta = read_metadata(io.BytesIO(b"PK but not really"), extension="h5p", preset="h5p")
    assert meta.problems == ["The h5p file is not a readable zip archive."]


# --- through the upload -------------------------------------------------------------------


def upload(client: Client, data: bytes, **fields):
    announced = client.post(UPLOAD_URL, announcement(data, **fields), content_type="application/json")
    assert announced.status_code == 200, announced.content
    put = client.generic("PUT", urlsplit(announced.json()["uploadURL"]).path, data, content_type="application/zip")
    return announced.json()["file"]["id"], put


def test_an_html5_zip_without_a_top_level_index_is_refused_and_not_stored(owner):
    data = media.html5_app(top_level=False)
    _, put = upload(browser_client(owner), data, name="app.zip", file_format="zip", preset="html5_zip")
    assert put.status_code == 400
    assert put.json()["detail"].startswith("index.html must be at the top of the zip")
    assert not is_stored(data, "zip")


def test_an_h5p_without_h5p_json_is_refused(owner):
    data = media.zip_bytes({"content/content.json": "{}"})
    _, put = upload(browser_client(owner), data, name="game.h5p", file_format="h5p", preset="h5p")
    assert put.status_code == 400 and "h5p.json" in put.json()["detail"]
    assert not is_stored(data, "h5p")


def test_the_server_s_duration_replaces_a_wrong_announced_one(owner):
    data = media.webm(milliseconds=42_700)
    file_id, put = upload(
        browser_client(owner), data, name="clip.webm", file_format="webm", preset="high_res_video", duration=3
    )
    assert put.status_code == 200, put.content
    assert File.objects.get(pk=file_id).duration == 42


def test_the_announced_duration_stands_when_the_container_has_none(owner):
    data = media.webm(milliseconds=None)
    file_id, put = upload(
        browser_client(owner), data, name="rec.webm", file_format="webm", preset="high_res_video", duration=17
    )
    assert put.status_code == 200, put.content
    assert File.objects.get(pk=file_id).duration == 17


# --- the endpoint ---------------------------------------------------------------------------


def metadata_url(file_id: str) -> str:
    return f"/api/file/{file_id}/metadata"


def test_the_uploader_reads_the_metadata_of_their_upload_to_title_the_new_node(owner):
    client = browser_client(owner)
    file_id, put = upload(client, media.h5p(), name="game.h5p", file_format="h5p", preset="h5p")
    assert put.status_code == 200
    response = client.get(metadata_url(file_id))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "Fractions game" and body["language"] == "es" and body["license_name"] == "CC BY-SA"
    assert set(body) == {
        "title", "language", "license", "license_name", "author", "duration", "entry", "thumbnail_candidates", "problems",
    }  # fmt: skip


def test_metadata_before_the_bytes_arrive_is_a_409(owner):
    client = browser_client(owner)
    data = media.h5p(title="Not yet")
    announced = client.post(
        UPLOAD_URL, announcement(data, name="g.h5p", file_format="h5p", preset="h5p"), content_type="application/json"
    )
    response = client.get(metadata_url(announced.json()["file"]["id"]))
    assert response.status_code == 409 and "not been uploaded" in response.json()["detail"]


@pytest.fixture
def attached_h5p(owner, channel):
    client = browser_client(owner)
    file_id, _ = upload(client, media.h5p(), name="game.h5p", file_format="h5p", preset="h5p")
    (node,) = build_tree(channel.main_tree, [("h5p", [], {"title": "Game"})])
    File.objects.filter(pk=file_id).update(contentnode=node)
    return file_id


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 403), ("stranger", 404), ("viewer", 200), ("editor", 200), ("owner", 200), ("admin_user", 200)],
)
def test_who_may_read_an_attached_file_s_metadata(request, attached_h5p, persona, status):
    client = Client() if persona == "anonymous" else token_client_for(request.getfixturevalue(persona))
    response = client.get(metadata_url(attached_h5p))
    assert response.status_code == status, response.content


def test_another_user_s_unattached_upload_is_not_found(owner, stranger):
    file_id, _ = upload(browser_client(owner), media.epub(), name="b.epub", file_format="epub", preset="epub")
    assert browser_client(stranger).get(metadata_url(file_id)).status_code == 404
    assert browser_client(owner).get(metadata_url(file_id)).json()["title"] == "Fractions for everyone"


def test_an_epub_announced_with_its_md5_is_accepted(owner):
    data = media.epub()
    file_id, put = upload(browser_client(owner), data, name="book.epub", file_format="epub", preset="epub")
    assert put.status_code == 200 and is_stored(data, "epub")
    assert File.objects.get(pk=file_id).checksum == hashlib.md5(data).hexdigest()


# --- thumbnails as the browser makes them (cropped, or drawn from a PDF page / video frame) ----

PNG_THUMB = b"\x89PNG\r\n\x1a\n" + bytes(300)


def node_thumbnails(node) -> list[str]:
    return list(node.files.filter(preset__thumbnail=True).values_list("checksum", flat=True))


def test_a_cropped_thumbnail_is_uploaded_attached_replaced_and_removed_through_sync(owner, channel):
    from contentcuration.tests.sync_helpers import deleted, post_sync, updated

    (document,) = build_tree(channel.main_tree, [("document", [], {"title": "Notes"})])
    client = browser_client(owner)
    fields = {"name": "thumbnail.png", "file_format": "png", "preset": "document_thumbnail"}
    first, put = upload(client, PNG_THUMB, **fields)
    assert put.status_code == 200
    attach = updated("file", first, {"contentnode": document.pk}, channel_id=channel.pk)
    assert not post_sync(client, [attach])["errors"]
    assert node_thumbnails(document) == [hashlib.md5(PNG_THUMB).hexdigest()]

    other = PNG_THUMB + b"cropped differently"
    second, _ = upload(client, other, **fields)
    replace = [
        updated("file", second, {"contentnode": document.pk}, channel_id=channel.pk),
        deleted("file", first, channel_id=channel.pk),
    ]
    assert not post_sync(client, replace)["errors"]
    assert node_thumbnails(document) == [hashlib.md5(other).hexdigest()]

    assert not post_sync(client, [deleted("file", second, channel_id=channel.pk)])["errors"]
    assert node_thumbnails(document) == []


def test_a_thumbnail_that_is_not_an_image_is_refused(owner):
    data = b"<svg onload=alert(1)>"
    _, put = upload(browser_client(owner), data, name="t.png", file_format="png", preset="document_thumbnail")
    assert put.status_code == 400 and put.json()["detail"].startswith("The thumbnail is not a PNG image.")
    assert not is_stored(data, "png")


# --- captions -------------------------------------------------------------------------------

VTT = b"WEBVTT\n\n00:00.000 --> 00:02.000\nUn medio\n"


def test_spanish_captions_are_uploaded_and_listed_on_the_video(owner, channel):
    from contentcuration.tests.sync_helpers import post_sync, updated

    (video,) = build_tree(channel.main_tree, [("video", [], {"title": "Halves"})])
    client = browser_client(owner)
    file_id, put = upload(client, VTT, name="es.vtt", file_format="vtt", preset="video_subtitle")
    assert put.status_code == 200, put.content
    attach = updated("file", file_id, {"contentnode": video.pk, "language": "es"}, channel_id=channel.pk)
    assert not post_sync(client, [attach])["errors"]
    rows = client.get("/api/file", {"contentnode": video.pk}).json()
    assert [(r["preset"], r["language"], r["original_filename"]) for r in rows] == [("video_subtitle", "es", "es.vtt")]


def test_captions_that_are_not_webvtt_are_refused(owner):
    data = b"1\n00:00:00,000 --> 00:00:02,000\nSRT, not VTT\n"
    _, put = upload(browser_client(owner), data, name="es.vtt", file_format="vtt", preset="video_subtitle")
    assert put.status_code == 400 and "WEBVTT" in put.json()["detail"]
