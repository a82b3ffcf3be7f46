"""What the browser's upload queue relies on, over real HTTP with a signed-in session (CSRF
enforced): a transfer cut midway resumes from the stored offset, also after a reload (a new
announcement of the same bytes), sending only the remaining bytes; the checksum is verified
at the end; a partial object is never served; unsupported formats and over-quota files are
refused before any byte is sent."""

from __future__ import annotations

import hashlib
import time

import pytest

from contentcuration import storage
from contentcuration.models import File
from contentcuration.tests.files_helpers import (
    announcement,
    random_bytes,
    raw_request,
    reload_constants,
    send_truncated_put,
    upload_progress,
)
from contentcuration.tests.sync_helpers import LiveBrowser

pytestmark = pytest.mark.django_db(transaction=True)
SIZE = 3 * 1024 * 1024
CUT = 1_200_000


@pytest.fixture
def browser(transactional_db, live_server):
    reload_constants()
    from contentcuration.tests.factories import UserFactory

    user = UserFactory(email="curator@example.org")
    session = LiveBrowser(live_server.url)
    session.login(user.email)
    return session, user


def announce(session: LiveBrowser, data: bytes, **overrides):
    return session.request("POST", "/api/file/upload_url", announcement(data, **overrides))


def wait_for_offset(url: str, size: int, offset: int) -> None:
    deadline = time.monotonic() + 30
    while (progress := upload_progress(url, size)) != (308, f"bytes=0-{offset - 1}"):
        assert time.monotonic() < deadline, progress
        time.sleep(0.05)


def put_range(url: str, data: bytes, start: int):
    end = len(data) - 1
    return raw_request("PUT", url, body=data[start:], headers={"Content-Range": f"bytes {start}-{end}/{len(data)}"})


def test_a_cut_upload_resumes_after_a_reload_sending_only_the_remaining_bytes(browser, live_server):
    session, _ = browser
    data = random_bytes(SIZE)
    checksum = hashlib.md5(data).hexdigest()
    status, first = announce(session, data)
    assert status == 200 and first["received"] == 0
    send_truncated_put(first["uploadURL"], data, {"Content-Range": f"bytes 0-{SIZE - 1}/{SIZE}"}, CUT)
    wait_for_offset(first["uploadURL"], SIZE, CUT)

    # Nothing partial is ever served under the content address.
    content = f"{live_server.url}{first['file']['url']}"
    assert raw_request("HEAD", content)[0] == 404

    # The page reloads: the queue announces the same file again and learns the offset.
    status, again = announce(session, data)
    assert status == 200 and again["file"]["id"] != first["file"]["id"]
    assert again["received"] == CUT and again["might_skip"] is False
    status, body, _ = put_range(again["uploadURL"], data, again["received"])
    assert status == 200, body
    status, served, headers = raw_request("GET", content)
    assert status == 200 and hashlib.md5(served).hexdigest() == checksum
    assert headers["Content-Length"] == str(SIZE)
    # Both announcements now see the stored object; neither needs another byte.
    assert upload_progress(first["uploadURL"], SIZE)[0] == 200
    assert announce(session, data)[1]["received"] == SIZE


def test_a_resumed_upload_whose_bytes_differ_is_refused_and_starts_again(browser, live_server):
    session, _ = browser
    data = random_bytes(SIZE)
    _, first = announce(session, data)
    send_truncated_put(first["uploadURL"], data, {"Content-Range": f"bytes 0-{SIZE - 1}/{SIZE}"}, CUT)
    wait_for_offset(first["uploadURL"], SIZE, CUT)
    tampered = data[:CUT] + random_bytes(SIZE - CUT)
    status, body, _ = put_range(first["uploadURL"], tampered, CUT)
    assert status == 400 and b"nothing was kept" in body
    assert not storage.object_exists(hashlib.md5(data).hexdigest(), "pdf")
    assert announce(session, data)[1]["received"] == 0


def test_a_range_beyond_the_stored_offset_is_told_where_to_resume(browser):
    session, _ = browser
    data = random_bytes(SIZE)
    _, first = announce(session, data)
    send_truncated_put(first["uploadURL"], data, {"Content-Range": f"bytes 0-{SIZE - 1}/{SIZE}"}, CUT)
    wait_for_offset(first["uploadURL"], SIZE, CUT)
    status, _, headers = put_range(first["uploadURL"], data, CUT + 1000)
    assert status == 416 and headers["Range"] == f"bytes=0-{CUT - 1}"


def test_an_unsupported_format_is_refused_before_any_byte_naming_the_field(browser):
    session, user = browser
    status, body = announce(session, random_bytes(), name="notes.docx", file_format="docx")
    assert status == 400
    assert body["file_format"][0].startswith("'docx' files are not supported; supported formats:")
    assert "pdf" in body["file_format"][0]
    assert not File.objects.filter(uploaded_by=user).exists()


def test_an_over_quota_file_is_refused_before_any_byte_with_the_reason(browser):
    session, user = browser
    user.disk_space = 1_000_000
    user.save(update_fields=["disk_space"])
    status, body = announce(session, random_bytes(10), size=2_000_000)
    assert status == 412
    assert body["detail"].startswith("Not enough space.")
    assert (body["used"], body["allowed"], body["size"]) == (0, 1_000_000, 2_000_000)
    assert not File.objects.filter(uploaded_by=user).exists()


def test_a_session_announcement_without_the_csrf_token_is_refused(browser):
    session, user = browser
    status, _ = session.request("POST", "/api/file/upload_url", announcement(random_bytes()), csrf=False)
    assert status == 403
    assert not File.objects.filter(uploaded_by=user).exists()
