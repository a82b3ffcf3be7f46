"""Concurrent clients on one channel over real HTTP: does every acknowledged change stick?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/load.py [N M]

N clients (default 20) each post M mixed batches (default 50) to ``/api/sync/`` of ONE
channel, all at once, against a gunicorn server this script starts on a free loopback port
(2 workers x 4 threads, the test settings). Half the clients are browsers of distinct users
(login page, session cookie, X-CSRFToken); the other half are scripts sharing ONE user's API
token, each numbering its changes from 1 and sending no X-Client-Id (the case that lost
changes, issue 10 item 4). Each batch: 3 CREATED topics, an UPDATED title and a MOVED of the
client's nodes from its previous batch, every 5th batch a DELETED, every 10th a COPIED. Each
node is updated, moved, deleted at most once, so every change leaves a mark of its own.

Then it counts, per change: sent; applied (the answer reported it applied); lost (acknowledged
in ``allowed`` but without an applied log row of that content, or its effect missing from the
final tree); 5xx answers; and runs ``check_trees``. Targets: lost 0, 5xx 0, trees consistent.
Creates (and drops afterwards) the database ``bench_load``; on SQLite, a temporary file.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from harness import ROOT, throwaway_database

BENCH_DB = "bench_load"
CLIENTS, BATCHES = 20, 50
CREATES_PER_BATCH = 3


@dataclass
class Sent:
    """One change and the mark it must leave."""

    change: dict
    marker: str  # what the logged kwargs must contain: a title, a move target, a copy source
    status: str = "unanswered"  # applied | errored | disallowed | unanswered
    acknowledged: bool = False  # listed in the answer's "allowed"


@dataclass
class ClientState:
    name: str
    home: str
    sent: list[Sent] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    five_xx: int = 0
    other_failures: list[str] = field(default_factory=list)
    # expected final state: node id -> (parent id, title), and ids that must be gone
    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, *, access_log: bool = True) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "contentcuration.wsgi",
            f"--bind=127.0.0.1:{port}",
            "--workers=2",
            "--threads=4",
            "--timeout=120",
            "--log-level=warning",
            *([] if access_log else ["--access-logfile=/dev/null"]),
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "contentcuration.settings.test"},
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=30):
                return server
        except OSError:  # refused, reset or timed out (URLError is one): not up yet
            if server.poll() is not None:
                sys.exit("gunicorn exited during start-up")
            time.sleep(0.3)
    server.terminate()
    sys.exit("gunicorn did not answer within 120 s")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def run_client(state: ClientState, post, channel_id: str, batches: int, new_id, created_change, change) -> None:
    from contentcuration.models import change_types as c

    rev = 0
    previous: list[str] = []

    def next_rev() -> int:
        nonlocal rev
        rev += 1
        return rev

    for batch in range(batches):
        items: list[Sent] = []
        made = []
        for i in range(CREATES_PER_BATCH):
            key, title = new_id(), f"{state.name}-b{batch}-n{i}"
            obj = {"title": title, "kind": "topic", "parent": state.home}
            items.append(Sent(created_change("contentnode", key, obj, channel_id=channel_id, rev=next_rev()), title))
            state.nodes[key] = (state.home, title)
            made.append(key)
        if previous:
            updated, moved, spare = previous
            title = f"{state.name}-b{batch}-renamed"
            items.append(
                Sent(
                    change(
                        c.UPDATED, "contentnode", updated, mods={"title": title}, channel_id=channel_id, rev=next_rev()
                    ),
                    title,
                )
            )
            state.nodes[updated] = (state.nodes[updated][0], title)
            items.append(
                Sent(
                    change(
                        c.MOVED,
                        "contentnode",
                        moved,
                        target=updated,
                        position="last-child",
                        channel_id=channel_id,
                        rev=next_rev(),
                    ),
                    updated,
                )
            )
            state.nodes[moved] = (updated, state.nodes[moved][1])
            if batch % 5 == 0:
                items.append(
                    Sent(change(c.DELETED, "contentnode", spare, channel_id=channel_id, rev=next_rev()), spare)
                )
                del state.nodes[spare]
                state.gone.add(spare)
            if batch % 10 == 0:
                copy_key = new_id()
                items.append(
                    Sent(
                        change(
                            c.COPIED,
                            "contentnode",
                            copy_key,
                            from_key=moved,
                            target=state.home,
                            position="last-child",
                            mods={},
                            excluded_descendants=None,
                            channel_id=channel_id,
                            rev=next_rev(),
                        ),
                        moved,
                    )
                )
                state.nodes[copy_key] = (state.home, state.nodes[moved][1])
        previous = made
        state.sent.extend(items)
        body = {"changes": [s.change for s in items]}
        for _attempt in range(3):  # a client retries a batch that got no good answer, as the browser does
            start = time.perf_counter()
            status, answer = post(body)
            state.latencies.append(time.perf_counter() - start)
            if status >= 500:
                state.five_xx += 1
                continue
            break
        if status != 200:
            state.other_failures.append(f"batch {batch}: HTTP {status}: {str(answer)[:200]}")
            continue
        server_rev_of = {a["rev"]: a["server_rev"] for a in answer["allowed"]}
        succeeded = {s["server_rev"] for s in answer["successes"]}
        failed = {e["server_rev"]: e.get("errors") for e in answer["errors"]}
        disallowed = {d.get("rev") for d in answer["disallowed"]}
        for sent in items:
            server_rev = server_rev_of.get(sent.change["rev"])
            sent.acknowledged = server_rev is not None
            if sent.change["rev"] in disallowed:
                sent.status = "disallowed"
            elif server_rev in succeeded:
                sent.status = "applied"
            elif server_rev in failed:
                sent.status = "errored"
                state.other_failures.append(f"rev {sent.change['rev']} errored: {failed[server_rev]}")


def main() -> None:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else CLIENTS
    batches = int(sys.argv[2]) if len(sys.argv) > 2 else BATCHES
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("benchmarks/load.py needs DATABASE_URL=postgres://... (SQLite has one writer)")
    with throwaway_database(BENCH_DB) as vendor:
        run(vendor, clients, batches)


def run(vendor: str, clients: int, batches: int) -> None:
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from contentcuration.models import Change, ContentNode, new_hex_id
    from contentcuration.tests.factories import UserFactory, build_tree, make_channel
    from contentcuration.tests.sync_helpers import LiveBrowser, change, created

    owner = UserFactory(email="load-owner@example.com")
    channel = make_channel(owner=owner, name="Load")
    script_user = UserFactory(email="load-script@example.com")
    channel.editors.add(script_user)
    token = Token.objects.get_or_create(user=script_user)[0].key
    homes = build_tree(channel.main_tree, ["topic"] * clients)

    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        states, posters = [], []
        browsers = clients - clients // 2
        for index in range(clients):
            if index < browsers:
                user = UserFactory(email=f"load-browser-{index}@example.com")
                channel.editors.add(user)
                browser = LiveBrowser(base)
                browser.login(user.email)
                posters.append(lambda body, b=browser: b.request("POST", "/api/sync/", body))
                name = f"browser{index}"
            else:
                posters.append(lambda body: token_post(base, token, body))
                name = f"script{index}"
            states.append(ClientState(name=name, home=homes[index].pk))

        print(
            f"database: {vendor}; {clients} clients ({browsers} browsers of distinct users, "
            f"{clients - browsers} scripts sharing one token) x {batches} batches on one channel",
            flush=True,
        )
        start = time.perf_counter()
        threads = [
            threading.Thread(
                target=run_client, args=(state, post, channel.pk, batches, new_hex_id, created, change), daemon=True
            )
            for state, post in zip(states, posters, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=1800)
        elapsed = time.perf_counter() - start
    finally:
        stop_server(server)

    # Lost: acknowledged, but no applied log row carries its content, or its effect is missing.
    logged = set()
    for row in Change.objects.filter(channel=channel, applied=True, client_rev__isnull=False).iterator():
        kw = row.kwargs
        marker = (kw.get("obj") or {}).get("title") or (kw.get("mods") or {}).get("title") or kw.get("target")
        if row.change_type == 3:
            marker = kw.get("key")
        if row.change_type == 5:
            marker = kw.get("from_key")
        logged.add((row.change_type, kw.get("key"), marker))
    final = {n["id"]: (n["parent_id"], n["title"]) for n in ContentNode.objects.values("id", "parent_id", "title")}
    sent = applied = lost = 0
    missing_effects = 0
    for state in states:
        for item in state.sent:
            sent += 1
            applied += item.status == "applied"
            if item.acknowledged and (item.change["type"], item.change["key"], item.marker) not in logged:
                lost += 1
        for node_id, expected in state.nodes.items():
            if final.get(node_id) != expected:
                missing_effects += 1
        missing_effects += sum(1 for node_id in state.gone if node_id in final)
    five_xx = sum(s.five_xx for s in states)
    failures = [f"{s.name}: {f}" for s in states for f in s.other_failures]
    latencies = sorted(x for s in states for x in s.latencies)

    try:
        call_command("check_trees", "--channel", channel.pk, stdout=open(os.devnull, "w"))
        trees = "consistent"
    except Exception as exc:  # noqa: BLE001 - reported as the figure
        trees = f"BROKEN: {exc}"

    def line(label: str, value, target: str = "", ok: bool | None = None) -> None:
        verdict = "" if ok is None else f"  (target {target}: {'met' if ok else 'MISSED'})"
        print(f"{label:<44} {value!s:>10}{verdict}", flush=True)

    line("changes sent", sent)
    line("changes applied (reported by the server)", applied, f"= {sent}", applied == sent)
    line("changes lost (acknowledged, not applied)", lost, "0", lost == 0)
    line("final-tree mismatches", missing_effects, "0", missing_effects == 0)
    line("5xx answers", five_xx, "0", five_xx == 0)
    line("other failed batches / errored changes", len(failures), "0", not failures)
    line("check_trees", trees, "consistent", trees == "consistent")
    line("requests", len(latencies))
    line("wall time (s)", f"{elapsed:.1f}")
    line("changes applied per second", f"{applied / elapsed:.0f}")
    if latencies:
        line("request latency median (s)", f"{statistics.median(latencies):.3f}")
        line("request latency p95 (s)", f"{latencies[int(len(latencies) * 0.95) - 1]:.3f}")
    for failure in failures[:10]:
        print("  ", failure)
    if lost or five_xx or missing_effects or failures or trees != "consistent":
        sys.exit(1)


def token_post(base: str, token: str, body: dict):
    request = urllib.request.Request(
        base + "/api/sync/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, raw


if __name__ == "__main__":
    main()
