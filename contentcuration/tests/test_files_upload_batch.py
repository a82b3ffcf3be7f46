"""Announcing many uploads in one request (``POST /api/file/upload_urls``): each entry is
answered as ``POST /api/file/upload_url`` would answer it alone, with the same permissions,
validation and quota rule; a refused entry leaves the others announced."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlsplit

import pytest
from django.test import Client

from contentcuration.files.uploads import MAX_ANNOUNCED_AT_ONCE
from contentcuration.models import File
from contentcuration.tests.files_helpers import (
    announcement,
    content_md5,
    http_json,
    random_bytes,
    reload_constants,
    token_for,
)
from contentcuration.tests.sync_helpers import browser_client

BATCH_URL = "/api/file/upload_urls"
SINGLE_URL = "/api/file/upload_url"


def post(client: Client, body, url: str = BATCH_URL):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def announce_many(user, announcements: list[dict]):
    return post(browser_client(user), {"files": announcements})


def put(url: str, data: bytes):
    return Client().generic(
        "PUT", urlsplit(url).path, data, content_type="application/pdf", HTTP_CONTENT_MD5=content_md5(data)
    )


# --- what a browser gets ----------------------------------------------------------------------


def test_each_announced_file_gets_its_own_upload_url_in_order(owner):
    blobs = [random_bytes(1000 + i) for i in range(3)]
    response = announce_many(owner, [announcement(b, name=f"sheet {i}.pdf") for i, b in enumerate(blobs)])
    assert response.status_code == 200, response.content
    entries = response.json()["files"]
    assert [e["status"] for e in entries] == [200, 200, 200]
    assert [e["body"]["file"]["checksum"] for e in entries] == [hashlib.md5(b).hexdigest() for b in blobs]
    assert [e["body"]["file"]["original_filename"] for e in entries] == ["sheet 0.pdf", "sheet 1.pdf", "sheet 2.pdf"]
    assert len({e["body"]["uploadURL"] for e in entries}) == 3
    assert File.objects.filter(uploaded_by=owner, contentnode=None).count() == 3
    # Every URL takes its file's bytes, as the single announcement's does.
    for entry, data in zip(entries, blobs, strict=True):
        assert put(entry["body"]["uploadURL"], data).status_code == 200


def test_an_entry_has_the_same_fields_as_the_single_announcement(owner):
    single = post(browser_client(owner), announcement(random_bytes()), url=SINGLE_URL).json()
    (entry,) = announce_many(owner, [announcement(random_bytes())]).json()["files"]
    assert set(entry["body"]) == set(single)
    assert set(entry["body"]["file"]) == set(single["file"])


def test_stored_bytes_may_be_skipped_and_held_bytes_resumed(owner):
    stored, held = random_bytes(), random_bytes(4000)
    (first,) = announce_many(owner, [announcement(stored)]).json()["files"]
    assert put(first["body"]["uploadURL"], stored).status_code == 200
    (partial,) = announce_many(owner, [announcement(held)]).json()["files"]
    Client().generic(
        "PUT",
        urlsplit(partial["body"]["uploadURL"]).path,
        held[:1500],
        content_type="application/pdf",
        HTTP_CONTENT_RANGE=f"bytes 0-1499/{len(held)}",
    )
    again = announce_many(owner, [announcement(stored), announcement(held)]).json()["files"]
    assert again[0]["body"]["might_skip"] is True
    assert again[1]["body"]["might_skip"] is False and again[1]["body"]["received"] == 1500


@pytest.mark.django_db(transaction=True)
def test_a_batch_over_real_http_with_a_token(live_server):
    reload_constants()  # a transactional test flushed them
    from contentcuration.tests.factories import UserFactory

    owner = UserFactory(email="owner@example.com")
    blobs = [random_bytes(800), random_bytes(900)]
    status, body, _ = http_json(
        "POST", live_server.url + BATCH_URL, body={"files": [announcement(b) for b in blobs]}, token=token_for(owner)
    )
    assert status == 200, body
    assert [e["status"] for e in body["files"]] == [200, 200]
    assert all(e["body"]["uploadURL"].startswith(live_server.url + "/api/file/upload/") for e in body["files"])


# --- refusals: per entry, before any byte --------------------------------------------------------


def test_a_bad_entry_is_refused_naming_its_field_and_the_others_are_announced(owner):
    good, bad_name, bad_format = random_bytes(), random_bytes(), random_bytes()
    response = announce_many(
        owner,
        [announcement(good), announcement(bad_name, name="../x.pdf"), announcement(bad_format, file_format="exe"), 7],
    )
    assert response.status_code == 200
    entries = response.json()["files"]
    assert [e["status"] for e in entries] == [200, 400, 400, 400]
    assert set(entries[1]["body"]) == {"name"}
    assert set(entries[2]["body"]) == {"file_format"}
    assert set(entries[3]["body"]) == {"non_field_errors"}
    assert list(File.objects.filter(uploaded_by=owner).values_list("checksum", flat=True)) == [
        hashlib.md5(good).hexdigest()
    ]


def test_the_quota_counts_the_earlier_files_of_the_same_batch(owner):
    owner.disk_space = 3000
    owner.save()
    response = announce_many(owner, [announcement(random_bytes(2000)), announcement(random_bytes(1500)),
                                     announcement(random_bytes(900))])  # fmt: skip
    entries = response.json()["files"]
    assert [e["status"] for e in entries] == [200, 412, 200]
    refusal = entries[1]["body"]
    assert "Not enough space" in refusal["detail"]
    assert (refusal["used"], refusal["allowed"], refusal["size"]) == (2000, 3000, 1500)
    assert File.objects.filter(uploaded_by=owner).count() == 2


def test_the_same_bytes_twice_in_a_batch_count_once(owner):
    owner.disk_space = 3000
    owner.save()
    data = random_bytes(2000)
    entries = announce_many(owner, [announcement(data), announcement(data)]).json()["files"]
    assert [e["status"] for e in entries] == [200, 200]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"files": []},
        {"files": "notes.pdf"},
        {"files": {"size": 1}},
        {"files": [announcement(b"x")] * (MAX_ANNOUNCED_AT_ONCE + 1)},
        [announcement(b"x")],
    ],
    ids=["missing", "empty", "a string", "an object", "too many", "a bare list"],
)
def test_a_malformed_batch_is_a_400_naming_files_and_announces_nothing(owner, body):
    response = post(browser_client(owner), body)
    assert response.status_code == 400
    assert set(response.json()) == {"files"}
    assert not File.objects.filter(uploaded_by=owner).exists()


def test_a_body_that_is_not_json_is_refused(owner):
    response = browser_client(owner).post(BATCH_URL, data="files=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


# --- permissions: the single announcement's -----------------------------------------------------


def test_anonymous_users_cannot_announce_a_batch(db):
    response = post(browser_client(), {"files": [announcement(random_bytes())]})
    assert response.status_code == 403
    assert not File.objects.exists()


def test_a_session_without_the_csrf_token_is_refused(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = post(client, {"files": [announcement(random_bytes())]})
    assert response.status_code == 403
    assert not File.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "editor", "viewer", "stranger", "admin_user"])
def test_any_signed_in_user_can_announce_into_their_own_storage(db, request, persona):
    # Announced files belong to no channel until a sync `file` change attaches them, and that
    # change is where the channel's edit permission is checked (test_files_attach.py).
    user = request.getfixturevalue(persona)
    response = announce_many(user, [announcement(random_bytes())])
    assert response.status_code == 200
    (entry,) = response.json()["files"]
    assert entry["status"] == 200
    assert File.objects.get(pk=entry["body"]["file"]["id"]).uploaded_by == user


def test_a_batch_costs_the_same_queries_whatever_its_length(owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    owner.disk_space = 10**9
    owner.save()
    client = browser_client(owner)
    counts = []
    for n in (3, 30):
        with CaptureQueriesContext(connection) as queries:
            response = post(client, {"files": [announcement(random_bytes(), name=f"s{i}.pdf") for i in range(n)]})
        assert [e["status"] for e in response.json()["files"]] == [200] * n
        counts.append(len(queries))
    assert counts[0] == counts[1]
