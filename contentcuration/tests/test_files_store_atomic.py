"""Storing an object is atomic: until every byte is written nobody sees it, and a process
killed mid-write leaves nothing that HEAD or GET would report (issue 10, item 3).

The store is slowed down deterministically by handing the storage function a named pipe
as its source: it writes what the test has pushed through the pipe and then waits for more.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from contentcuration import storage
from contentcuration.files.uploads import part_path
from contentcuration.models import File
from contentcuration.tests.files_helpers import (
    announcement,
    http_json,
    put_bytes,
    random_bytes,
    raw_request,
    reload_constants,
    token_for,
)

SIZE = 4 * 1024 * 1024
STORE_SCRIPT = textwrap.dedent(
    """
    import sys, django
    django.setup()
    from contentcuration import storage
    storage.save_verified_file(path=sys.argv[1], checksum=sys.argv[2], extension="pdf")
    print("stored")
    """
)


@pytest.fixture
def constants(transactional_db):
    reload_constants()


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def wait_for_bytes_on_disk(root: Path, at_least: int, timeout: float = 20) -> None:
    """Wait until the store has written ``at_least`` bytes somewhere under ``root``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(p.stat().st_size for p in files_under(root)) >= at_least:
            return
        time.sleep(0.02)
    raise AssertionError(f"the store wrote fewer than {at_least} bytes in {timeout} s")


def content_url(server_url: str, checksum: str) -> str:
    return server_url + storage.content_url(checksum, "pdf")


@pytest.mark.django_db(transaction=True)
def test_a_store_killed_mid_write_leaves_nothing_visible_and_the_upload_can_be_repeated(
    constants, isolated_storage, live_server, owner, tmp_path
):
    data = random_bytes(SIZE)
    checksum = hashlib.md5(data).hexdigest()
    pipe = tmp_path / "source"
    os.mkfifo(pipe)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contentcuration.settings.test",
        "MEDIA_ROOT": str(isolated_storage),
        "DATA_DIR": str(tmp_path / "store-process"),
    }
    store = subprocess.Popen([sys.executable, "-c", STORE_SCRIPT, str(pipe), checksum], cwd=settings.BASE_DIR, env=env)
    try:
        with open(pipe, "wb") as source:
            source.write(data[: SIZE // 2])
            source.flush()
            wait_for_bytes_on_disk(isolated_storage, SIZE // 4)
            os.kill(store.pid, signal.SIGKILL)  # the web process dies while storing
            store.wait(timeout=10)
    finally:
        if store.poll() is None:
            store.kill()
            store.wait()
    assert store.returncode == -signal.SIGKILL

    url = content_url(live_server.url, checksum)
    status, _, _ = raw_request("HEAD", url)
    assert status == 404  # a client asking "do you have it?" must be told no
    status, _, _ = raw_request("GET", url)
    assert status == 404

    token = token_for(owner)
    status, body, _ = http_json("POST", live_server.url + "/api/file/upload_url", body=announcement(data), token=token)
    assert status == 200 and body["might_skip"] is False, body
    status, reply, _ = put_bytes(body["uploadURL"], data, token=token)
    assert status == 200, reply
    status, served, _ = raw_request("GET", url)
    assert status == 200 and served == data

    # The dead process's temporary file is garbage once it is older than any write can take.
    leftovers = [p for p in files_under(isolated_storage) if p.suffix == ".partial"]
    assert leftovers
    old = time.time() - 7 * 3600
    for path in leftovers:
        os.utime(path, (old, old))
    out = StringIO()
    call_command("garbage_collect", "--grace-hours", "0", "--skip-trees", stdout=out)
    assert not [p for p in files_under(isolated_storage) if p.suffix == ".partial"]
    assert "1 unfinished writes" in out.getvalue()
    status, served, _ = raw_request("GET", url)
    assert status == 200 and served == data


@pytest.mark.django_db(transaction=True)
def test_reads_during_a_store_never_get_a_partial_object(constants, isolated_storage, live_server, tmp_path):
    data = random_bytes(SIZE)
    checksum = hashlib.md5(data).hexdigest()
    pipe = tmp_path / "source"
    os.mkfifo(pipe)
    url = content_url(live_server.url, checksum)
    errors: list[BaseException] = []

    def store() -> None:
        try:
            storage.save_verified_file(path=pipe, checksum=checksum, extension="pdf")
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    def read(method: str) -> tuple[int, int]:
        status, body, headers = raw_request(method, url)
        return status, int(headers.get("Content-Length") or 0) if method == "HEAD" else len(body)

    writer = threading.Thread(target=store)
    writer.start()
    with open(pipe, "wb") as source, ThreadPoolExecutor(8) as readers:
        source.write(data[: SIZE // 2])
        source.flush()
        wait_for_bytes_on_disk(isolated_storage, SIZE // 4)
        during = list(readers.map(read, ["GET", "HEAD"] * 8))
        source.write(data[SIZE // 2 :])
    writer.join(timeout=30)
    assert not errors
    assert all(status == 404 for status, _ in during), during

    with ThreadPoolExecutor(8) as readers:
        after = list(readers.map(read, ["GET", "HEAD"] * 8))
    assert after == [(200, SIZE)] * len(after)


@pytest.mark.django_db(transaction=True)
def test_a_resumable_upload_whose_store_was_killed_is_finished_by_the_progress_query(
    constants, isolated_storage, live_server, owner
):
    """Every byte arrived and was kept in the part, then the process died storing it: the
    client has nothing left to send, so asking for progress must finish the store."""
    token = token_for(owner)
    good, bad = random_bytes(300_000), random_bytes(300_000)
    urls = {}
    for name, data in (("good", good), ("bad", bad)):
        status, body, _ = http_json(
            "POST", live_server.url + "/api/file/upload_url", body=announcement(data, resumable=True), token=token
        )
        assert status == 200, body
        urls[name] = body["uploadURL"]
        # What the killed store left: the whole part, and no object under the key.
        part_path(File.objects.get(pk=body["file"]["id"])).write_bytes(data if name == "good" else data[:-1] + b"?")

    def progress(url: str, total: int):
        return raw_request("PUT", url, headers={"Content-Range": f"bytes */{total}", "Content-Length": "0"})

    status, _, _ = progress(urls["good"], len(good))
    assert status == 200
    status, served, _ = raw_request("GET", content_url(live_server.url, hashlib.md5(good).hexdigest()))
    assert status == 200 and served == good

    status, _, headers = progress(urls["bad"], len(bad))  # bytes that do not match: start again
    assert status == 308 and "Range" not in headers
    assert not storage.object_exists(hashlib.md5(bad).hexdigest(), "pdf")
