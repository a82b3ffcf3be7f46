"""Upload queue: 100 small files (100 KB) from a signed-in browser session to applied nodes.

    .venv/bin/python benchmarks/uploads.py                                        # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/uploads.py

What the browser app's upload queue does per file, over real HTTP against a gunicorn server
this script starts (2 workers x 4 threads, test settings), 3 files in flight at once as the
queue runs them: the md5 of the bytes; ``POST /api/file/upload_url`` (session cookie +
X-CSRFToken); ``PUT`` of the bytes to the answered URL; then the CREATED node (a document
titled from the file name, license and copyright holder from the channel's defaults) and the
UPDATED ``file`` change that attaches the upload go to the outbox. The outbox is sent as the
app's sync engine sends it (frontend/src/api/sync/engine.ts): one ``/api/sync/`` request at a
time, everything pending in it, 150 ms after the last change queued (a debounce). Sending a
batch per file instead costs more: the server serialises writes to one channel, so the
batches queue behind each other. The clock stops when the last sync answer is back: the
server applies changes inside the request, so every node then exists with its file and is
complete (checked afterwards).
Target (issue 14): <= 10 s. Creates (and drops) the database ``bench_uploads``
(``BENCH_DATABASE`` overrides the name).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from harness import report, throwaway_database
from load import free_port, start_server, stop_server

BENCH_DB = "bench_uploads"
FILES, SIZE, PARALLEL = 100, 100 * 1024, 3
TARGET = 10.0


def put(url: str, data: bytes) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request("PUT", parts.path, body=data, headers={"Content-Type": "application/pdf"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


class Outbox:
    """The sync engine's sending side: changes queue up; one sender posts everything pending,
    ``DEBOUNCE`` seconds after the last change was queued, one request at a time."""

    DEBOUNCE = 0.15  # SEND_DEBOUNCE in frontend/src/api/sync/engine.ts

    def __init__(self, send) -> None:
        self.send, self.pending, self.closed = send, [], False
        self.last = 0.0
        self.condition = threading.Condition()
        self.batches = 0

    def queue(self, *changes: dict) -> None:
        with self.condition:
            self.pending.extend(changes)
            self.last = time.perf_counter()
            self.condition.notify()

    def close(self) -> None:
        with self.condition:
            self.closed = True
            self.condition.notify()

    def run(self) -> None:
        while True:
            with self.condition:
                while not self.pending and not self.closed:
                    self.condition.wait()
                if not self.pending:
                    return
                wait = self.last + self.DEBOUNCE - time.perf_counter()
                if wait > 0 and not self.closed:
                    self.condition.wait(wait)
                    continue
                batch, self.pending = self.pending, []
            self.batches += 1
            self.send(batch)


def main() -> None:
    with throwaway_database(BENCH_DB) as vendor:
        run(vendor)


def run(vendor: str) -> None:
    from contentcuration.channels.lifecycle import create_channel
    from contentcuration.models import ContentNode, File, new_hex_id
    from contentcuration.reference_loading import load_constants
    from contentcuration.tests.factories import UserFactory
    from contentcuration.tests.sync_helpers import LiveBrowser, created, updated

    load_constants()
    user = UserFactory(email="uploader@example.com")
    channel = create_channel(actor=user, name="Uploads", language_id="en")
    parent = channel.main_tree_id
    files = [(f"lesson-{i:03}.pdf", os.urandom(SIZE)) for i in range(FILES)]
    lock = threading.Lock()
    failures: list[str] = []
    steps: dict[str, list[float]] = {"upload_url": [], "PUT": [], "sync": []}

    def timed(step: str, call):
        begin = time.perf_counter()
        result = call()
        with lock:
            steps[step].append(time.perf_counter() - begin)
        return result

    port = free_port()
    server = start_server(port, access_log=False)
    try:
        browser = LiveBrowser(f"http://127.0.0.1:{port}")
        browser.login(user.email)

        def upload(item: tuple[str, bytes]) -> None:
            name, data = item
            announcement = {
                "size": len(data),
                "checksum": hashlib.md5(data).hexdigest(),
                "name": name,
                "file_format": "pdf",
                "preset": "document",
            }
            status, answer = timed("upload_url", lambda: browser.request("POST", "/api/file/upload_url", announcement))
            if status != 200:
                with lock:
                    failures.append(f"{name}: upload_url {status} {answer}")
                return
            if not answer["might_skip"] and (status := timed("PUT", lambda: put(answer["uploadURL"], data))) != 200:
                with lock:
                    failures.append(f"{name}: PUT {status}")
                return
            node_id = new_hex_id()
            node = {
                "parent": parent,
                "kind": "document",
                "title": name.rsplit(".", 1)[0],
                "license": 1,
                "copyright_holder": "Uploads Inc.",
            }
            outbox.queue(
                created("contentnode", node_id, node, channel_id=channel.pk),
                updated("file", answer["file"]["id"], {"contentnode": node_id}, channel_id=channel.pk),
            )

        def send(batch: list[dict]) -> None:
            status, synced = timed("sync", lambda: browser.request("POST", "/api/sync/", {"changes": batch}))
            if status != 200 or synced.get("errors") or synced.get("disallowed"):
                with lock:
                    failures.append(f"sync {status} {synced}")

        outbox = Outbox(send)
        start = time.perf_counter()
        sender = threading.Thread(target=outbox.run, daemon=True)
        sender.start()
        with ThreadPoolExecutor(PARALLEL) as pool:
            list(pool.map(upload, files))
        outbox.close()
        sender.join()
        elapsed = time.perf_counter() - start
    finally:
        stop_server(server)

    nodes = ContentNode.objects.filter(parent_id=parent, kind_id="document")
    attached = File.objects.filter(contentnode__in=nodes, preset_id="document").count()
    complete = nodes.filter(complete=True).count()
    print(
        f"database: {vendor}; {FILES} files of {SIZE // 1024} KB, {PARALLEL} in flight; {outbox.batches} sync requests",
        flush=True,
    )
    report(f"{FILES} uploads to applied nodes (wall)", elapsed, TARGET)
    medians = ", ".join(f"{step} {1000 * statistics.median(t):.0f} ms" for step, t in steps.items() if t)
    print(f"median per request: {medians}")
    print(f"nodes {nodes.count()}, files attached {attached}, complete {complete}; failures {len(failures)}")
    for failure in failures[:5]:
        print("  ", failure)
    if failures or attached != FILES or complete != FILES:
        sys.exit(1)


if __name__ == "__main__":
    main()
