"""Serving stored content and channel databases under /content/ (public, like Studio's bucket)."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from contentcuration import storage
from contentcuration.tests.files_helpers import random_bytes

CHANNEL_ID = "c" * 32


@pytest.fixture
def stored():
    data = random_bytes(10_000)
    checksum, _ = storage.save_bytes(data, "mp4")
    return data, checksum, storage.content_url(checksum, "mp4")


def test_anyone_can_read_stored_content_with_cache_headers(db, stored):
    data, checksum, url = stored
    response = Client().get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(len(data))
    assert response["ETag"] == f'"{checksum}"'
    assert "immutable" in response["Cache-Control"]
    assert response["Accept-Ranges"] == "bytes"


def test_head_answers_exactly_200_with_the_length(db, stored):
    data, _, url = stored
    response = Client().head(url)
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(data))


def test_a_range_request_gets_206_with_the_slice(db, stored):
    data, _, url = stored
    response = Client().get(url, HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert b"".join(response.streaming_content) == data[100:200]


@pytest.mark.parametrize(("header", "first", "last"), [("bytes=9990-", 9990, 9999), ("bytes=-10", 9990, 9999)])
def test_open_and_suffix_ranges_are_honoured(db, stored, header, first, last):
    data, _, url = stored
    response = Client().get(url, HTTP_RANGE=header)
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == data[first : last + 1]


def test_an_unsatisfiable_range_gets_416(db, stored):
    data, _, url = stored
    response = Client().get(url, HTTP_RANGE="bytes=20000-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"


def test_a_matching_etag_gets_304(db, stored):
    _, checksum, url = stored
    assert Client().get(url, HTTP_IF_NONE_MATCH=f'"{checksum}"').status_code == 304


def test_content_not_stored_is_404(db):
    checksum = hashlib.md5(b"never stored").hexdigest()
    assert Client().head(storage.content_url(checksum, "pdf")).status_code == 404


def test_a_key_whose_folders_disagree_with_the_md5_is_404(db, stored):
    _, checksum, _ = stored
    other = "0" if checksum[0] != "0" else "1"
    assert Client().get(f"/content/storage/{other}/{checksum[1]}/{checksum}.mp4").status_code == 404


def test_paths_outside_storage_are_not_served(db):
    for url in ("/content/storage/../../settings.py", "/content/storage/a/b/x.pdf", "/content/databases/../db.sqlite3"):
        assert Client().get(url).status_code == 404


def test_writes_to_content_urls_are_refused(db, stored):
    _, _, url = stored
    assert Client().put(url, b"x").status_code == 405


def test_published_databases_are_served_by_version(db):
    storage.save_channel_database(CHANNEL_ID, b"v1 bytes", version=1)
    storage.save_channel_database(CHANNEL_ID, b"latest bytes")
    storage.save_channel_database(CHANNEL_ID, b"draft bytes", version="next")
    client = Client()
    assert b"".join(client.get(f"/content/databases/{CHANNEL_ID}-1.sqlite3").streaming_content) == b"v1 bytes"
    assert b"".join(client.get(f"/content/databases/{CHANNEL_ID}.sqlite3").streaming_content) == b"latest bytes"
    response = client.get(storage.database_url(CHANNEL_ID, "next"))
    assert b"".join(response.streaming_content) == b"draft bytes"
    assert "no-cache" in response["Cache-Control"]


def test_republishing_replaces_the_database(db):
    storage.save_channel_database(CHANNEL_ID, b"old")
    key = storage.save_channel_database(CHANNEL_ID, b"new")
    assert key == f"databases/{CHANNEL_ID}.sqlite3"
    with storage.open_channel_database(CHANNEL_ID) as handle:
        assert handle.read() == b"new"


def test_saving_a_database_from_a_path(db, tmp_path):
    path = tmp_path / "export.sqlite3"
    path.write_bytes(b"from disk")
    storage.save_channel_database(CHANNEL_ID, path, version=7)
    assert storage.channel_database_exists(CHANNEL_ID, 7)


@pytest.mark.parametrize("version", [-1, "draft", True, 1.5])
def test_database_keys_refuse_odd_versions(version):
    with pytest.raises(ValueError):
        storage.database_key(CHANNEL_ID, version)


def test_database_keys_refuse_odd_channel_ids():
    with pytest.raises(ValueError):
        storage.database_key("../x")


def test_storage_keys_refuse_anything_but_an_md5_and_a_plain_extension():
    with pytest.raises(ValueError):
        storage.storage_key("../" + "a" * 29, "pdf")
    with pytest.raises(ValueError):
        storage.storage_key("a" * 32, "p/df")
    assert storage.storage_key("ab" + "0" * 30, "PDF") == f"storage/a/b/ab{'0' * 30}.pdf"


def test_svg_is_served_under_a_sandbox_policy_but_pdf_is_not(db):
    svg_checksum, _ = storage.save_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>" + random_bytes(8), "svg")
    pdf_checksum, _ = storage.save_bytes(random_bytes(), "pdf")
    svg = Client().head(storage.content_url(svg_checksum, "svg"))
    assert svg["Content-Type"] == "image/svg+xml" and svg["Content-Security-Policy"] == "sandbox"
    assert "Content-Security-Policy" not in Client().head(storage.content_url(pdf_checksum, "pdf"))
