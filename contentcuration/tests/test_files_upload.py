"""Announcing uploads and sending their bytes: validation, verification, quota, resumption."""

from __future__ import annotations

import errno
import hashlib
import time
from urllib.parse import urlsplit

import pytest
from django.test import Client
from rest_framework.test import APIClient

from contentcuration.files import uploads
from contentcuration.models import ContentNode, File
from contentcuration.tests.factories import build_tree
from contentcuration.tests.files_helpers import (
    announcement,
    content_md5,
    has_part,
    http_json,
    is_stored,
    put_bytes,
    random_bytes,
    raw_request,
    reload_constants,
    send_truncated_put,
    token_for,
    upload_progress,
)

UPLOAD_URL = "/api/file/upload_url"


@pytest.fixture
def constants(transactional_db):
    reload_constants()


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


def announce(user, data: bytes, **overrides):
    return api(user).post(UPLOAD_URL, announcement(data, **overrides), format="json")


def put(url: str, data: bytes, **headers):
    headers.setdefault("HTTP_CONTENT_MD5", content_md5(data))
    if headers["HTTP_CONTENT_MD5"] is None:  # browsers send none
        del headers["HTTP_CONTENT_MD5"]
    return Client().generic("PUT", urlsplit(url).path, data, content_type="application/pdf", **headers)


# --- the round trip over real HTTP ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_file_uploaded_over_http_is_stored_served_and_attached(constants, live_server, owner, channel):
    data = random_bytes(50_000)
    token = token_for(owner)
    status, body, _ = http_json("POST", live_server.url + UPLOAD_URL, body=announcement(data), token=token)
    assert status == 200, body
    assert body["might_skip"] is False and body["resumable"] is False
    assert body["mimetype"] == "application/pdf"
    assert body["uploadURL"].startswith(live_server.url + "/api/file/upload/")
    assert set(body["file"]) == {
        "id", "checksum", "file_size", "language", "file_format", "contentnode", "assessment_item",
        "file_on_disk", "preset", "original_filename", "uploaded_by", "duration", "url",
    }  # fmt: skip

    status, reply, _ = put_bytes(body["uploadURL"], data, token=token)
    assert status == 200, reply

    checksum = hashlib.md5(data).hexdigest()
    content_url = f"{live_server.url}/content/storage/{checksum[0]}/{checksum[1]}/{checksum}.pdf"
    assert body["file"]["url"] == urlsplit(content_url).path
    status, _, headers = raw_request("HEAD", content_url, headers={"User-Agent": "Ricecooker/0.8.0 bot (o)"})
    assert status == 200
    assert headers["Content-Length"] == str(len(data))
    assert headers["Content-Type"] == "application/pdf"
    assert headers["ETag"] == f'"{checksum}"'
    status, served, _ = raw_request("GET", content_url)
    assert status == 200 and served == data

    fields = {"license_id": 1, "title": "Notes", "copyright_holder": "Someone"}
    (resource,) = build_tree(channel.main_tree, [("document", [], fields)])
    attach = {"type": 2, "table": "file", "key": body["file"]["id"], "rev": 1, "channel_id": channel.pk,
              "mods": {"contentnode": resource.pk}}  # fmt: skip
    status, synced, _ = http_json(
        "POST", live_server.url + "/api/sync/", body={"changes": [attach], "channel_revs": {channel.pk: 0}}, token=token
    )
    assert status == 200 and synced["successes"] and not synced["errors"], synced
    # The server's echo reaches the client in the same response (spec 2.9).
    assert [c["mods"] for c in synced["changes"] if c["key"] == resource.pk] == [{"complete": True}]
    resource.refresh_from_db()
    assert resource.complete is True
    assert resource.files.get().checksum == checksum


@pytest.mark.django_db(transaction=True)
def test_a_second_announcement_of_stored_bytes_may_skip_the_put(constants, live_server, owner):
    data = random_bytes()
    token = token_for(owner)
    _, first, _ = http_json("POST", live_server.url + UPLOAD_URL, body=announcement(data), token=token)
    put_bytes(first["uploadURL"], data, token=token)
    status, second, _ = http_json("POST", live_server.url + UPLOAD_URL, body=announcement(data), token=token)
    assert status == 200 and second["might_skip"] is True
    assert second["file"]["id"] != first["file"]["id"]


# --- bad bytes are refused and nothing is kept -----------------------------------------------


def test_bytes_with_another_checksum_are_refused_and_nothing_is_stored(owner):
    data, other = random_bytes(), random_bytes()
    url = announce(owner, data).json()["uploadURL"]
    response = put(url, other, HTTP_CONTENT_MD5=None)
    assert response.status_code == 400
    assert "nothing was kept" in response.json()["detail"]
    file_id = File.objects.get(uploaded_by=owner).pk
    assert not is_stored(data) and not is_stored(other) and not has_part(file_id)


def test_a_content_md5_that_contradicts_the_announcement_is_refused_before_reading(owner):
    data = random_bytes()
    url = announce(owner, data).json()["uploadURL"]
    response = put(url, data, HTTP_CONTENT_MD5=content_md5(b"something else"))
    assert response.status_code == 400
    assert "Content-MD5" in response.json()["detail"]
    assert not is_stored(data)


def test_bytes_of_another_size_are_refused_and_nothing_is_stored(owner):
    data = random_bytes()
    url = announce(owner, data, size=len(data) + 10).json()["uploadURL"]
    response = put(url, data)
    assert response.status_code == 400
    assert "bytes" in response.json()["detail"]
    assert not is_stored(data)


def test_a_tampered_upload_url_is_refused(owner):
    data = random_bytes()
    url = announce(owner, data).json()["uploadURL"]
    response = put(url[:-3] + "AAA", data)
    assert response.status_code == 403
    assert not is_stored(data)


def test_an_expired_upload_url_is_refused(owner, monkeypatch):
    data = random_bytes()
    url = announce(owner, data).json()["uploadURL"]
    monkeypatch.setattr("contentcuration.viewsets.file_transfer.UPLOAD_URL_MAX_AGE", -1)
    assert put(url, data).status_code == 403
    assert not is_stored(data)


# --- announcements are validated --------------------------------------------------------------


def test_an_unknown_format_is_refused_and_no_file_is_created(owner):
    response = announce(owner, random_bytes(), file_format="exe", name="setup.exe")
    assert response.status_code == 400
    assert "file_format" in response.json()
    assert not File.objects.exists()


def test_a_format_not_allowed_for_the_preset_is_refused(owner):
    response = announce(owner, random_bytes(), file_format="mp3", preset="document", duration=3)
    assert response.status_code == 400
    assert "not an allowed format for preset document" in response.json()["file_format"][0]


def test_an_unknown_preset_is_refused(owner):
    response = announce(owner, random_bytes(), preset="nonsense")
    assert response.status_code == 400 and "preset" in response.json()


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "..",
        "a\\b.pdf",
        "C:\\x.pdf",
        "bad\x00name.pdf",
        "tab\tname.pdf",
        "",
        "x" * 300,
    ],
)
def test_path_like_or_odd_names_are_refused(owner, name):
    response = announce(owner, random_bytes(), name=name)
    assert response.status_code == 400
    assert "name" in response.json()
    assert not File.objects.exists()


def test_an_ordinary_name_with_spaces_and_accents_is_accepted(owner):
    response = announce(owner, random_bytes(), name="Leçon 1 (v2).pdf")
    assert response.status_code == 200
    assert response.json()["file"]["original_filename"] == "Leçon 1 (v2).pdf"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"checksum": "ABC"}, "checksum"),
        ({"checksum": "A" * 32}, "checksum"),
        ({"size": "12"}, "size"),
        ({"size": -1}, "size"),
        ({"size": True}, "size"),
        ({"size": 12.5}, "size"),
        ({"resumable": "yes"}, "resumable"),
    ],
)
def test_malformed_fields_are_named_in_the_refusal(owner, overrides, field):
    response = announce(owner, random_bytes(), **overrides)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("duration", [None, "12", 0, -3, True])
def test_video_needs_a_positive_numeric_duration(owner, duration):
    response = announce(
        owner, random_bytes(), name="v.mp4", file_format="mp4", preset="high_res_video", duration=duration
    )
    assert response.status_code == 400
    assert "duration" in response.json()


def test_a_fractional_duration_is_floored(owner):
    response = announce(owner, random_bytes(), name="s.mp3", file_format="mp3", preset="audio", duration=2.9)
    assert response.status_code == 200
    assert response.json()["file"]["duration"] == 2
    assert response.json()["mimetype"] == "audio/mpeg"


def test_a_whole_float_size_is_read_as_bytes(owner):
    data = random_bytes(100)
    response = announce(owner, data, size=100.0)
    assert response.status_code == 200 and response.json()["file"]["file_size"] == 100


def test_single_uploads_above_500_mib_are_refused(owner):
    response = announce(owner, random_bytes(), size=500 * 1024 * 1024 + 1)
    assert response.status_code == 400 and "size" in response.json()


# --- quota ------------------------------------------------------------------------------------


def test_an_upload_over_quota_is_refused_with_used_and_allowed_bytes(owner):
    owner.disk_space = 3000
    owner.save()
    first = random_bytes(2000)
    assert announce(owner, first).status_code == 200
    response = announce(owner, random_bytes(1500))
    assert response.status_code == 412
    detail = response.json()["detail"]
    assert "Not enough space" in detail
    assert "2000 bytes used" in detail and "3000 bytes allowed" in detail
    assert File.objects.filter(uploaded_by=owner).count() == 1


def test_bytes_the_user_already_has_do_not_count_again(owner):
    owner.disk_space = 3000
    owner.save()
    data = random_bytes(2000)
    assert announce(owner, data).status_code == 200
    assert announce(owner, data).status_code == 200


def test_zero_disk_space_and_admins_are_unlimited(owner, admin_user):
    owner.disk_space = 0
    owner.save()
    admin_user.disk_space = 10
    admin_user.save()
    assert announce(owner, random_bytes(5000)).status_code == 200
    assert announce(admin_user, random_bytes(5000)).status_code == 200


# --- permissions ------------------------------------------------------------------------------


def test_anonymous_users_cannot_ask_for_an_upload_url(db):
    response = APIClient().post(UPLOAD_URL, announcement(random_bytes()), format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("persona", ["owner", "editor", "viewer", "stranger", "admin_user"])
def test_any_signed_in_user_can_upload_to_their_own_storage(db, request, persona):
    user = request.getfixturevalue(persona)
    assert announce(user, random_bytes()).status_code == 200


def test_session_users_need_the_csrf_token(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    body = announcement(random_bytes())
    assert client.post(UPLOAD_URL, body, format="json").status_code == 403
    client.get("/api/file/upload_url")  # 405, but any response is fine: we need the cookie
    from django.middleware.csrf import _get_new_csrf_string

    csrf = _get_new_csrf_string()
    client.cookies["csrftoken"] = csrf
    response = client.post(UPLOAD_URL, body, format="json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200


def test_upload_urls_need_no_token_header(owner):
    data = random_bytes()
    url = announce(owner, data).json()["uploadURL"]
    assert put(url, data).status_code == 200
    assert is_stored(data)


# --- ranges and resumption --------------------------------------------------------------------


def test_a_file_sent_in_ranges_is_stored_once_the_last_range_arrives(owner):
    data = random_bytes(10_000)
    url = urlsplit(announce(owner, data).json()["uploadURL"]).path
    client = Client()
    first = client.generic(
        "PUT", url, data[:4000], content_type="application/pdf", HTTP_CONTENT_RANGE="bytes 0-3999/10000"
    )
    assert first.status_code == 308 and first["Range"] == "bytes=0-3999"
    assert not is_stored(data)
    assert client.head(url).status_code == 308
    gap = client.generic(
        "PUT", url, data[6000:], content_type="application/pdf", HTTP_CONTENT_RANGE="bytes 6000-9999/10000"
    )
    assert gap.status_code == 416 and gap["Range"] == "bytes=0-3999"
    last = client.generic(
        "PUT", url, data[4000:], content_type="application/pdf", HTTP_CONTENT_RANGE="bytes 4000-9999/10000"
    )
    assert last.status_code == 200
    assert is_stored(data)
    assert client.head(url).status_code == 200


def test_ranges_that_assemble_the_wrong_bytes_are_discarded(owner):
    data = random_bytes(4000)
    url = urlsplit(announce(owner, data).json()["uploadURL"]).path
    client = Client()
    client.generic("PUT", url, data[:2000], content_type="application/pdf", HTTP_CONTENT_RANGE="bytes 0-1999/4000")
    wrong = client.generic(
        "PUT", url, random_bytes(2000), content_type="application/pdf", HTTP_CONTENT_RANGE="bytes 2000-3999/4000"
    )
    assert wrong.status_code == 400
    assert not is_stored(data)
    assert client.head(url).status_code == 308  # starts again from zero
    assert "Range" not in client.head(url)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_interrupted_50_mb_upload_resumes_to_the_same_object_as_a_single_put(constants, live_server, owner):
    size = 50 * 1024 * 1024
    data = random_bytes(size)
    checksum = hashlib.md5(data).hexdigest()
    token = token_for(owner)
    _, ranged, _ = http_json("POST", live_server.url + UPLOAD_URL, body=announcement(data), token=token)
    _, single, _ = http_json("POST", live_server.url + UPLOAD_URL, body=announcement(data), token=token)
    ranged_url, chunk = ranged["uploadURL"], 16 * 1024 * 1024

    # The first range is cut off after 5 MB; the server keeps what arrived.
    send_truncated_put(ranged_url, data[:chunk], {"Content-Range": f"bytes 0-{chunk - 1}/{size}"}, 5 * 1024 * 1024)
    deadline = time.monotonic() + 30
    while (progress := upload_progress(ranged_url, size)) != (308, f"bytes=0-{5 * 1024 * 1024 - 1}"):
        assert time.monotonic() < deadline, progress
        time.sleep(0.1)

    offset = 5 * 1024 * 1024
    while offset < size:
        last = min(offset + chunk, size) - 1
        status, _, headers = raw_request(
            "PUT", ranged_url, body=data[offset : last + 1], headers={"Content-Range": f"bytes {offset}-{last}/{size}"}
        )
        assert status == (200 if last == size - 1 else 308)
        offset = last + 1

    status, _, headers = raw_request("HEAD", f"{live_server.url}{ranged['file']['url']}")
    assert status == 200 and headers["Content-Length"] == str(size)
    status, served, _ = raw_request("GET", f"{live_server.url}{ranged['file']['url']}")
    assert hashlib.md5(served).hexdigest() == checksum

    # A single PUT of the same bytes verifies against, and lands on, the same object.
    status, _, _ = put_bytes(single["uploadURL"], data, token=token)
    assert status == 200
    assert single["file"]["url"] == ranged["file"]["url"]
    assert not has_part(ranged["file"]["id"]) and not has_part(single["file"]["id"])
    assert ContentNode.objects.count() >= 0  # the database survived the large bodies


def test_an_upload_url_of_a_deleted_file_is_gone(owner):
    data = random_bytes()
    body = announce(owner, data).json()
    File.objects.filter(pk=body["file"]["id"]).delete()
    response = put(body["uploadURL"], data)
    assert response.status_code == 404
    assert not is_stored(data)


def test_a_malformed_content_range_is_refused(owner):
    data = random_bytes()
    url = announce(owner, data).json()["uploadURL"]
    response = put(url, data, HTTP_CONTENT_RANGE="bytes 0-10")
    assert response.status_code == 400 and "Content-Range" in response.json()["detail"]
    response = put(url, data, HTTP_CONTENT_RANGE=f"bytes 0-{len(data) - 1}/{len(data) + 1}")
    assert response.status_code == 400 and "announced size" in response.json()["detail"]
    assert not is_stored(data)


# --- how a refused PUT is answered (viewsets/file_transfer.REJECTION_STATUS) ------------------


def test_a_whole_file_put_without_a_length_is_refused_with_411(owner):
    data = random_bytes()
    url = announce(owner, data).json()["uploadURL"]
    response = put(url, data, CONTENT_LENGTH="")
    assert response.status_code == 411 and "Content-Length" in response.json()["detail"]
    assert not is_stored(data)


def test_bytes_the_disk_refuses_are_answered_507_and_can_be_resent(owner, monkeypatch):
    def full_disk(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    data = random_bytes()
    url = announce(owner, data).json()["uploadURL"]
    with monkeypatch.context() as patched:
        patched.setattr(uploads, "_write_all", full_disk)
        response = put(url, data)
    assert response.status_code == 507 and "No space left" in response.json()["detail"]
    assert not is_stored(data)
    assert put(url, data).status_code == 200 and is_stored(data)
