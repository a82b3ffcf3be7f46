"""The upload queue in Debian's Chromium against a live server (issue 14, performance).

Targets:
- md5 of a 1 GB file in the browser >= 200 MB/s, the page staying responsive: the app's own
  md5 Web Worker (``frontend/dist/assets/md5.worker-*.js``, what the queue runs) hashes a
  1 GB file of random bytes written to a temporary directory and set on an ``<input
  type=file>`` in the page: a disk-backed File, as a curator chooses one (recently written,
  so read from the page cache rather than the disk). Its answer is checked against
  ``hashlib``. Meanwhile the page counts its long tasks (PerformanceObserver ``longtask``)
  and the largest gap between 10 ms timer ticks: the longest main-thread stall is printed
  beside a 100 ms target (a frame or two: typing and scrolling stay smooth).
- Upload of 100 small files (100 KB) to applied nodes <= 10 s through the browser UI: Add →
  Upload files, 100 distinct PDFs set on the chooser; timed from setting the files until
  every row says "Added" and the save status says "All changes saved" (the CREATED nodes and
  the file attachments applied on the server); then the database is checked.

Measured on the shared 2-core machine (SQLite), md5 with hash-wasm's WebAssembly md5 in 8 MiB
slices, two read ahead while one is hashed: 278, 286, 376 MB/s at load 5-6 (timer gaps up to
73 ms); 251, 250, 191 MB/s at load 8.5, against 184, 103, 117 MB/s for the former JS md5 (4 MiB
slices read one after another) in runs interleaved with them; never a long task on the page
(timer gaps up to 53 ms, up to 264 ms with the former worker: the machine's load, as no task
ran). When this benchmark hashed an in-memory Blob instead of
a file, the former worker did 156 MB/s at load 3 and 79 MB/s at load 10.

The server is what the Docker image runs: gunicorn (2 workers x 4 threads, settings.e2e);
``BENCH_SERVER=runserver`` runs what the browser tests run instead. No Celery worker: nothing
on the upload path is a background job (the sync endpoint applies changes in its request).

After the figures, the breakdown: per stage of a file (the queue's User Timing in
stores/uploads.ts: hash, announce, send, create) its median and when the first started and
the last ended; per kind of request (announce, PUT, sync) how many, their median and total
time in flight. ``BENCH_VERBOSE=1`` adds every file's stages, the save engine's sends and
every request in order. ``BENCH_ONLY=uploads`` runs the 100 files alone (not the 1 GB md5).

100 files, measured before (SQLite, runserver): applied in 24.7 s at load ~10, 13.0 s at load 3,
17.8 s at load 7. Where it went:
each file announced, sent and attached on its own, 3 at a time; the upload dialog
re-rendering all 100 rows on every progress event of any file (the page's main thread, and
with it IndexedDB, was saturated: a recount of the outbox took 300-800 ms); the save engine
sending nothing for 4-8 s at a stretch (its debounce restarted with every change, then its
recount never ended while changes kept coming); the server attaching each file in ~50 ms.
Now: files hashed and announced ahead (one request for those waiting), up to 12 small files
sent at once, one component per row, resources queued together (CREATED nodes, then the
attachments) and applied in one go by the server. Measured after (SQLite): gunicorn 6.4 /
7.0 / 6.9 s at load 5.7-6.2 (4.5 / 4.3 s at load 4.8), runserver 6.8 / 4.1 / 5.6 s at load
5.5-7.0, PostgreSQL + gunicorn 5.1 s at load 6.1; of each, 1.1-1.9 s is Playwright carrying
the 10 MB of files into the page. A run at load 6: the 100 files hashed by 3.4 s (median
5 ms each), announced in 6 requests (median 463 ms), 100 PUTs (median 310 ms, 12 in flight),
6 sync requests (median 492 ms); the last resource queued at 5.1 s, applied at 6.4 s.
``BENCH_HASH_MB`` shrinks the md5 workload, ``BENCH_FILES`` the upload one; ``BENCH_FILES=0``
runs the md5 part only, ``BENCH_ONLY=uploads`` the upload part only.

Not a test: it prints figures. Runs standalone (needs ``frontend/dist``: ``make frontend``):

    .venv/bin/python benchmarks/frontend_uploads.py            # SQLite in a temp dir
    BENCH_ONLY=uploads .venv/bin/python benchmarks/frontend_uploads.py   # the 100 files only
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python benchmarks/frontend_uploads.py
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from app_server import require_built_app, run_driver, served_app
from harness import ROOT, report, settle, throwaway_database

FILES = int(os.environ.get("BENCH_FILES", 100))
# BENCH_ONLY=uploads: only the 100-file part (skips the 1 GB md5 one).
ONLY = os.environ.get("BENCH_ONLY", "")
FILE_BYTES = 100 * 1000
HASH_BYTES = int(os.environ.get("BENCH_HASH_MB", 1024)) * 1024 * 1024
MIN_MB_S = 200.0
MAX_STALL_MS = 100.0
TARGET_UPLOAD_S = 10.0
BENCH_DB = "bench_frontend_uploads"
EMAIL, PASSWORD = "uploads@example.com", "Bench-pass-123"

# Runs in Node from frontend/ (so @playwright/test resolves); prints one JSON line.
DRIVER = r"""

function pdf(n, size) {
  const head = '%PDF-1.4\n';
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>'];
  let body = head + `%sheet ${n} ` + 'x'.repeat(size) + '\n';
  const offsets = [];
  objects.forEach((o, i) => { offsets.push(body.length); body += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n` + offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

(async () => {
  const [base, email, password, channel, worker, count, fileBytes, hashFile, only] = process.argv.slice(1);
  const browser = await launchChromium();
  const page = await (await browser.newContext()).newPage();
  await signIn(page, base, email, password);
  await page.goto(`${base}/channels/${channel}/`);
  await page.getByRole('button', { name: 'Add' }).waitFor();

  // 1. md5 of a 1 GB file chosen on an <input type=file>, in the app's worker, the main
  // thread watched meanwhile (not with BENCH_ONLY=uploads).
  let hashing = null;
  if (only !== 'uploads') {
  await page.evaluate(() => {
    const input = Object.assign(document.createElement('input'), { type: 'file', id: 'bench-md5-file' });
    input.hidden = true;
    document.body.append(input);
  });
  await page.setInputFiles('#bench-md5-file', hashFile);
  hashing = await page.evaluate(async ({ worker }) => {
    const file = document.getElementById('bench-md5-file').files[0];
    const long = [];
    const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(e.duration); });
    observer.observe({ type: 'longtask' });
    let last = performance.now();
    let maxGap = 0;
    const ticker = setInterval(() => { const now = performance.now(); maxGap = Math.max(maxGap, now - last); last = now; }, 10);
    const w = new Worker(worker, { type: 'module' });
    const start = performance.now();
    const md5 = await new Promise((resolve, reject) => {
      w.onmessage = (event) => { if (event.data.md5) resolve(event.data.md5); else if (event.data.error) reject(new Error(event.data.error)); };
      w.onerror = (event) => reject(new Error(`the md5 worker did not load: ${event.message}`));
      w.postMessage({ id: 'bench', file });
    });
    const seconds = (performance.now() - start) / 1000;
    clearInterval(ticker);
    observer.disconnect();
    w.terminate();
    return { md5, size: file.size, seconds, longest: Math.max(0, ...long), longTasks: long.length, maxGap };
  }, { worker });
  }
  if (Number(count) === 0) {
    console.log(JSON.stringify({ hashing }));
    await browser.close();
    return;
  }

  // 2. 100 files through Add → Upload files, until applied.
  const files = Array.from({ length: Number(count) }, (_, i) => ({ name: `Sheet ${String(i + 1).padStart(3, '0')}.pdf`,
    mimeType: 'application/pdf', buffer: pdf(i, Number(fileBytes) - 400) }));
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Add' }).click();
  await page.getByRole('menuitem', { name: 'Upload files' }).click();
  const picker = await chooser;
  const dialog = page.getByRole('dialog', { name: 'Upload files' });
  // The network timeline of the upload (BENCH_VERBOSE): every request from here on, by kind.
  const requests = [];
  const kindOf = (request) => {
    const url = request.url();
    if (url.includes('/api/file/upload_url')) return 'announce';
    if (url.includes('/api/file/upload/')) return request.method() === 'PUT' ? 'put' : 'head';
    if (url.includes('/api/sync/')) return 'sync';
    return null;
  };
  const opened = new Map();
  page.on('request', (request) => {
    const kind = kindOf(request);
    if (!kind) return;
    let changes = null;
    if (kind === 'sync') { try { changes = JSON.parse(request.postData() || '{}').changes.length; } catch {} }
    if (kind === 'announce') { try { const body = JSON.parse(request.postData() || '{}'); changes = Array.isArray(body.files) ? body.files.length : 1; } catch {} }
    opened.set(request, { kind, changes, sent: Date.now() - start });
  });
  const closed = (request, failed) => {
    const entry = opened.get(request);
    if (!entry) return;
    requests.push({ ...entry, done: Date.now() - start, failed });
  };
  page.on('requestfinished', (request) => closed(request, false));
  page.on('requestfailed', (request) => closed(request, true));
  // When the chooser's change event reaches the page (Playwright carries the 10 MB of files
  // over the DevTools protocol first: that part is the harness, not the app).
  await page.evaluate(() => document.addEventListener('change', () => { window.__chosenAt = window.__chosenAt || Date.now(); }, true));
  const start = Date.now();
  await picker.setFiles(files);
  await page.waitForFunction((n) => {
    const rows = [...document.querySelectorAll('.upload-row')];
    return rows.length === n && rows.every((row) => /Added|Refused|Failed/.test(row.textContent));
  }, Number(count), { timeout: 120_000, polling: 20 });
  const rowsDone = (Date.now() - start) / 1000;
  await page.getByRole('status').filter({ hasText: 'All changes saved' }).waitFor({ timeout: 120_000 });
  const applied = (Date.now() - start) / 1000;
  const added = await dialog.locator('.upload-row', { hasText: 'Added' }).count();
  const chosen = (await page.evaluate(() => window.__chosenAt) - start) / 1000;
  // The queue's own User Timing per file and stage (stores/uploads.ts), in ms after the start.
  const stages = await page.evaluate((start) => performance.getEntriesByType('measure')
    .filter((e) => e.name.startsWith('cc-upload-') || e.name.startsWith('cc-sync-'))
    .map((e) => ({ stage: e.name.replace(/^cc-(upload-)?/, ''), id: e.detail.id ?? e.detail.sent ?? e.detail.queued, at: Math.round(performance.timeOrigin + e.startTime - start), ms: Math.round(e.duration) }))
    .filter((e) => e.at >= 0), start);
  console.log(JSON.stringify({ hashing, chosen, rowsDone, applied, added, requests, stages }));
  await browser.close();
})().catch((error) => { console.error(error); process.exit(1); });
"""


def build_fixture() -> str:
    from contentcuration.channels.lifecycle import create_channel
    from contentcuration.models import User

    user = User.objects.create_user(EMAIL, PASSWORD, first_name="Bench", last_name="Curator", is_active=True)
    channel = create_channel(actor=user, name="Uploads", description="", language_id="en")
    settle()
    return channel.pk


def uploaded(channel_id: str) -> int:
    from contentcuration.models import Channel, File

    root = Channel.objects.get(pk=channel_id).main_tree_id
    return File.objects.filter(contentnode__parent_id=root, file_format_id="pdf").count()


def random_file(directory: str, size: int) -> tuple[Path, str]:
    """A file of ``size`` random bytes (4 MiB pieces) in ``directory``; its path and md5."""
    path, md5, piece = Path(directory, "upload.bin"), hashlib.md5(), 4 * 1024 * 1024
    with path.open("wb") as out:
        for at in range(0, size, piece):
            data = os.urandom(min(piece, size - at))
            md5.update(data)
            out.write(data)
    return path, md5.hexdigest()


def main() -> None:
    require_built_app()
    workers = sorted((ROOT / "frontend" / "dist" / "assets").glob("md5.worker-*.js"))
    if not workers:
        raise SystemExit("frontend/dist has no md5 worker: run `make frontend` first")
    with throwaway_database(BENCH_DB) as vendor, tempfile.TemporaryDirectory(prefix="bench-md5-") as scratch:
        channel_id = build_fixture()
        hash_file, expected_md5 = random_file(scratch, HASH_BYTES) if ONLY != "uploads" else ("", "")
        with served_app("gunicorn") as (base, log):
            worker = f"{base}/static/app/assets/{workers[-1].name}"
            out = run_driver(
                DRIVER, base, EMAIL, PASSWORD, channel_id, worker, str(FILES), str(FILE_BYTES), str(hash_file), ONLY,
                log=log,
            )  # fmt: skip
        figures = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
        in_db = uploaded(channel_id) if FILES else 0
    print(f"upload queue in the browser, {vendor}")
    hashing = figures["hashing"]
    if hashing is not None:
        if hashing["md5"] != expected_md5 or hashing["size"] != HASH_BYTES:
            raise SystemExit(f"the worker answered {hashing['md5']} for {hashing['size']} bytes, not {expected_md5}")
        rate = HASH_BYTES / (1024 * 1024) / hashing["seconds"]
        hash_mb = HASH_BYTES // (1024 * 1024)
        stall = max(hashing["longest"], hashing["maxGap"])
        print(
            f"  md5 of a {hash_mb} MB file in the worker                         {rate:8.0f} MB/s"
            f"  (target >= {MIN_MB_S:.0f} MB/s: {'met' if rate >= MIN_MB_S else 'MISSED'}; {hashing['seconds']:.2f} s)"
        )
        print(
            f"  longest main-thread stall meanwhile                       {stall:8.0f} ms"
            f"  (target <= {MAX_STALL_MS:.0f} ms: {'met' if stall <= MAX_STALL_MS else 'MISSED'};"
            f" {hashing['longTasks']} long tasks, longest {hashing['longest']:.0f} ms, largest timer gap {hashing['maxGap']:.0f} ms)"
        )
    if not FILES:
        return
    print(
        f"  files added in the dialog / with a file in the database   {figures['added']:4d} / {in_db:4d}   (expected {FILES})"
    )
    report(f"  {FILES} files of {FILE_BYTES // 1000} KB: chosen files reach the page", figures["chosen"])
    report(f"  {FILES} files of {FILE_BYTES // 1000} KB: every row Added", figures["rowsDone"])
    report(
        f"  {FILES} files of {FILE_BYTES // 1000} KB: applied (All changes saved)", figures["applied"], TARGET_UPLOAD_S
    )
    print_breakdown(figures["requests"], figures["stages"], verbose=bool(os.environ.get("BENCH_VERBOSE")))


def print_breakdown(requests: list[dict], stages: list[dict], *, verbose: bool) -> None:
    """Where the upload's time went (ms since the files were set): per stage of a file (the
    queue's User Timing: hash, announce, send, create) its median and the span from the first
    start to the last end; per kind of request, how many, their median and total time in flight,
    first start and last end. With ``verbose`` every request in the order it started, and each
    file's stages."""
    import statistics

    print("  stages of a file (the queue's User Timing, ms after the files were set):")
    for stage in ("hash", "announce", "send", "create"):
        rows = [r for r in stages if r["stage"] == stage]
        if rows:
            print(
                f"    {stage:<9}{len(rows):4d} files     median {statistics.median(r['ms'] for r in rows):6.0f} ms"
                f"                 first start {min(r['at'] for r in rows):6d}  last end  {max(r['at'] + r['ms'] for r in rows):6d}"
            )

    print("  requests during the upload (ms after the files were set):")
    for kind in ("announce", "put", "head", "sync"):
        rows = [r for r in requests if r["kind"] == kind]
        if not rows:
            continue
        spans = [r["done"] - r["sent"] for r in rows]
        items = sum(r["changes"] or 0 for r in rows)
        what = {"announce": "files announced", "sync": "changes sent"}.get(kind)
        print(
            f"    {kind:<9}{len(rows):4d} requests  median {statistics.median(spans):6.0f} ms  total {sum(spans) / 1000:6.1f} s"
            f"  first sent {min(r['sent'] for r in rows):6d}  last done {max(r['done'] for r in rows):6d}"
            + (f"  ({items} {what})" if what else "")
            + (f"  {sum(r['failed'] for r in rows)} FAILED" if any(r["failed"] for r in rows) else "")
        )
    if verbose:
        by_file: dict[int, dict] = {}
        for r in stages:
            if not r["stage"].startswith("sync-"):
                by_file.setdefault(r["id"], {})[r["stage"]] = r
        for file_id, row in sorted(by_file.items()):
            cells = "  ".join(
                f"{s} {row[s]['at']:6d}+{row[s]['ms']:<5d}" for s in ("hash", "announce", "send", "create") if s in row
            )
            print(f"    file {file_id:3d}  {cells}")
        for r in sorted((r for r in stages if r["stage"].startswith("sync-")), key=lambda r: r["at"]):
            print(f"    {r['at']:6d} +{r['ms']:5d}  {r['stage']} ({r.get('id', '?')} changes)")
        for r in sorted(requests, key=lambda r: r["sent"]):
            extra = f" ({r['changes']})" if r["changes"] is not None else ""
            print(f"    {r['sent']:6d} -> {r['done']:6d}  {r['kind']}{extra}{'  FAILED' if r['failed'] else ''}")


if __name__ == "__main__":
    main()
