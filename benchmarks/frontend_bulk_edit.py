"""Bulk edit of 500 nodes in the channel editor, in Debian's Chromium against a live server.

Targets (issue 13, performance): a bulk edit of 500 nodes sends <= 5 sync requests and is
applied <= 1 s. The curator selects the 500 resources of a folder, opens Edit selected and
picks a license: the panel queues 500 UPDATED changes in one outbox transaction and the save
engine sends them 100 per request (MAX_CHUNK_CHANGES). Timed in the page from the click on
the license (the click event's time: Playwright's click first waits for the option to stop
moving, i.e. for the menu's opening transition, 0.25-0.3 s that the figures before
2026-12-06 included) until the save status says "All changes saved" (the server applied every
change: the engine deletes an outbox row only when its outcome is a success); afterwards the
database is checked. Counts the sync requests that carried changes, and every sync request
(polls too) in that time. Measured on the shared 2-core machine (SQLite, load average 4): 5
requests, 1.6 s (first send 0.44 s after the click; per chunk ~0.1 s on the server and ~0.15 s
in the page absorbing the answer and taking the next chunk), so the 1 s target is missed;
under load average 13 it was 4-7 s. After the server put the reasons on its verdict echo (no
re-read of the 500 nodes once the echoes arrive: ``reads`` is empty), under load average
9-12: 5 requests, 3.4 s (first send 0.5 s after the click; per chunk 0.3-0.6 s on the loaded
server and ~0.15 s in the page). PostgreSQL, load average 1: 5 requests, 1.38 s from
Playwright's click call (first send 0.47 s after it; per chunk ~70 ms on the server, 30-50 ms
absorbing, ~85 ms taking the next chunk, which waited behind the per-answer recount; the
status said saved only after the follow-up poll came back). After the engine took the next
chunk while the previous request was on its way, stopped counting a change-less poll as
"sending" and took a bulk write's first chunk before recounting, load average 5: 0.69 s from
the click (0.95 s from Playwright's call): first send 0.11 s after the click, then per chunk
the server's 65-80 ms, 25-40 ms absorbing and ~10 ms building the next envelope. Under load
average 7-8 the server's answers take 0.1-0.7 s each and the figure is 1.4-2.8 s (the engine
before the change, measured in turn with it: 1.8-2.7 s). On main after the upload work's
engine fixes, PostgreSQL, quiet machine (load average 1.5-2.3), five runs: 0.84-0.92 s from the
click (1.16 s from Playwright's call), 5 requests; SQLite 0.89-1.05 s, then 0.74-0.78 s once
SQLite's bulk updates joined a VALUES table instead of Django's CASE per column (db/bulk.py:
a request of 100 edits 75 -> 38 ms). ``BENCH_VERBOSE=1`` prints the
timeline. Not a test: it prints figures. Runs standalone (needs ``frontend/dist``:
``make frontend``):

    .venv/bin/python benchmarks/frontend_bulk_edit.py            # SQLite in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python benchmarks/frontend_bulk_edit.py

It creates a throwaway database ``bench_frontend_bulk_edit`` (dropped at the end on
PostgreSQL), a user with a channel whose folder holds 500 documents, serves it with
``manage.py runserver`` (``settings.e2e``) and drives Chromium through Playwright.
"""

from __future__ import annotations

import json
import os

from app_server import require_built_app, run_driver, served_app
from harness import report, settle, throwaway_database

NODES = 500
MAX_REQUESTS = 5
TARGET_S = 1.0
BENCH_DB = "bench_frontend_bulk_edit"
EMAIL, PASSWORD = "bulk@example.com", "Bench-pass-123"
LICENSE = "CC BY-SA"

# Runs in Node from frontend/ (so @playwright/test resolves); prints one JSON line.
DRIVER = r"""
(async () => {
  const [base, email, password, channel, folder, count, license] = process.argv.slice(1);
  const browser = await launchChromium();
  const page = await (await browser.newContext()).newPage();
  await signIn(page, base, email, password);
  await page.goto(`${base}/channels/${channel}/folders/${folder}`);
  // Every child loaded (the list reads 100 at a time as it scrolls), then select all.
  const list = page.getByRole('list', { name: /^Contents of/ });
  await list.waitFor();
  for (;;) {
    const text = await page.locator('.folder-count').textContent();
    if (text && text.trim() === `${count} items`) break;
    await list.evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await page.waitForTimeout(100);
  }
  await page.getByText('Select all').click();
  await page.getByRole('button', { name: 'Edit selected' }).click();
  const panel = page.getByRole('complementary', { name: 'Edit panel' });
  await panel.getByRole('heading', { name: `Edit ${count} items` }).waitFor();
  const status = page.getByRole('status');
  await status.filter({ hasText: 'All changes saved' }).waitFor();

  // Every sync request from here on; those with changes are the edit's.
  const requests = [];
  const reads = [];
  page.on('request', (request) => {
    if (request.method() === 'GET' && request.url().includes('/api/')) reads.push([Date.now(), request.url().slice(base.length, base.length + 60)]);
    if (request.method() !== 'POST' || !request.url().includes('/api/sync')) return;
    const body = JSON.parse(request.postData() || '{}');
    requests.push((body.changes || []).length);
    const sent = Date.now();
    request.response().then(() => timeline.push([sent, Date.now(), (body.changes || []).length]), () => undefined);
  });
  const timeline = [];
  await page.evaluate(() => {
    // The save status's text over time, from the click on.
    const el = document.querySelector('[role="status"]');
    window.__statusLog = [];
    window.__long = [];
    // When the click reached the page (Playwright's click first waits for the option to be
    // stable: the menu's opening transition).
    window.__clicked = null;
    window.addEventListener('click', (event) => { if (window.__clicked === null) window.__clicked = event.timeStamp; }, true);
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push([Math.round(e.startTime), Math.round(e.duration)]); }).observe({ type: 'longtask' });
    new MutationObserver(() => window.__statusLog.push([performance.now(), el.textContent.trim()]))
      .observe(el, { subtree: true, childList: true, characterData: true });
  });
  await panel.getByRole('combobox', { name: 'License' }).focus();
  await page.keyboard.press('Enter');
  const option = page.getByRole('option', { name: license, exact: true });
  await option.waitFor();
  const called = await page.evaluate(() => performance.now());
  await option.click();
  await page.waitForFunction(() => {
    const log = window.__statusLog;
    const saving = log.findIndex(([, text]) => !text.includes('All changes saved'));
    return saving >= 0 && log.slice(saving).some(([, text]) => text.includes('All changes saved'));
  }, null, { timeout: 30_000, polling: 10 });
  const figures = await page.evaluate((called) => {
    const log = window.__statusLog;
    const start = window.__clicked;
    const saving = log.findIndex(([, text]) => !text.includes('All changes saved'));
    const done = log.slice(saving).find(([, text]) => text.includes('All changes saved'));
    const measures = performance.getEntriesByType('measure').filter((e) => e.startTime >= start).map((e) => [e.name, Math.round(e.startTime - start), Math.round(e.duration)]);
    return {
      applied: (done[0] - start) / 1000,
      fromCall: (done[0] - called) / 1000,
      clickedAt: performance.timeOrigin + start,
      measures,
      long: window.__long.map(([t, d]) => [Math.round(t - start), d]),
      statuses: log.map(([t, text]) => [Math.round(t - start), text.slice(0, 30)]),
    };
  }, called);
  figures.requestsWithChanges = requests.filter((n) => n > 0).length;
  figures.changesSent = requests.reduce((a, b) => a + b, 0);
  figures.allRequests = requests.length;
  const at = (t) => Math.round(t - figures.clickedAt);
  figures.timeline = timeline.map(([sent, answered, n]) => [at(sent), at(answered), n]);
  figures.reads = reads.map(([t, url]) => [at(t), url]);
  console.log(JSON.stringify(figures));
  await browser.close();
})().catch((error) => { console.error(error); process.exit(1); });
"""


def build_fixture() -> tuple[str, str]:
    from contentcuration import tree
    from contentcuration.channels.lifecycle import create_channel
    from contentcuration.models import ContentNode, User

    user = User.objects.create_user(EMAIL, PASSWORD, first_name="Bench", last_name="Curator", is_active=True)
    channel = create_channel(actor=user, name="Bulk edit", description="", language_id="en")
    folder = ContentNode(kind_id="topic", title="Sheets")
    tree.insert_nodes(nodes=[folder], target=channel.main_tree_id)
    sheets = [
        ContentNode(kind_id="document", title=f"Sheet {i:03d}", license_id=None, copyright_holder="Org")
        for i in range(NODES)
    ]
    tree.insert_nodes(nodes=sheets, target=folder.pk)
    settle()
    return channel.pk, folder.pk


def licensed(folder_id: str) -> int:
    from contentcuration.models import ContentNode, License

    license_id = License.objects.get(license_name=LICENSE).pk
    return ContentNode.objects.filter(parent_id=folder_id, license_id=license_id).count()


def main() -> None:
    require_built_app()
    with throwaway_database(BENCH_DB) as vendor:
        channel_id, folder_id = build_fixture()
        with served_app() as (base, log):
            out = run_driver(DRIVER, base, EMAIL, PASSWORD, channel_id, folder_id, str(NODES), LICENSE, log=log)
        figures = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
        applied = licensed(folder_id)
    print(f"bulk edit of {NODES} nodes (license), {vendor}")
    print(f"  nodes with the new license in the database               {applied:8d}   (expected {NODES})")
    print(f"  changes sent                                              {figures['changesSent']:8d}")
    verdict = "met" if figures["requestsWithChanges"] <= MAX_REQUESTS else "MISSED"
    print(
        f"  sync requests carrying the edit                           {figures['requestsWithChanges']:8d}"
        f"   (target <= {MAX_REQUESTS}: {verdict})"
    )
    print(f"  sync requests in that time (with the engine's polls)      {figures['allRequests']:8d}")
    if os.environ.get("BENCH_VERBOSE"):
        print("  requests (sent ms, answered ms, changes):", figures["timeline"])
        print("  engine measures (name, at ms, ms):", figures["measures"])
        print("  long tasks (at ms, ms):", figures["long"])
        print("  reads (at ms, url):", figures["reads"])
        print("  save status (ms, text):", figures["statuses"])
        print(f"  from Playwright's click call (its waits for the menu included): {figures['fromCall']:.3f} s")
    report("  click → applied (save status: All changes saved)", figures["applied"], TARGET_S)


if __name__ == "__main__":
    main()
