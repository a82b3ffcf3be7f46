"""The built browser app served for the benchmarks that drive Chromium (frontend_list.py,
frontend_bulk_edit.py, frontend_uploads.py...), and the Node driver they run.

``settings.e2e``: production code paths (DEBUG off) serving ``frontend/dist`` as it is, against
the database the harness set up (``DATABASE_URL`` in the environment). The server is
``manage.py runserver`` (what the browser tests run), or with ``server="gunicorn"`` (or
``BENCH_SERVER=gunicorn``) what the Docker image runs: gunicorn with the project's
gunicorn.conf.py, 2 workers (the machine's 2 cores) x 4 threads."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/api/bootstrap/reference", timeout=2)
            return
        except OSError:
            time.sleep(0.25)
    raise SystemExit("the server did not start")


def require_built_app() -> None:
    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        raise SystemExit("frontend/dist is missing: run `make frontend` first")


@contextmanager
def served_app(server: str | None = None) -> Iterator[tuple[str, str]]:
    """Run the app on a free port until the block ends; yields (base URL, server log path).
    ``server``: "runserver" (the default) or "gunicorn"; ``BENCH_SERVER`` overrides it."""
    from django.db import connections

    connections.close_all()  # the server process opens its own
    port = free_port()
    scratch = tempfile.mkdtemp(prefix="bench-frontend-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contentcuration.settings.e2e",
        "E2E_MAIL_DIR": scratch,
        "DATA_DIR": scratch,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("FRONTEND_DIST", None)  # settings.test (the harness's) points it at a stub shell
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-runserver-", suffix=".log", delete=False)
    kind = os.environ.get("BENCH_SERVER") or server or "runserver"
    if kind == "gunicorn":
        env.update(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2", GUNICORN_THREADS="4")
        command = [sys.executable, "-m", "gunicorn", "contentcuration.wsgi", "--access-logfile=/dev/null"]
    elif kind == "runserver":
        command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    else:
        raise SystemExit(f"BENCH_SERVER={kind!r}: expected runserver or gunicorn")
    server_process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        yield base, log.name
    finally:
        server_process.terminate()
        server_process.wait(timeout=20)


# What every browser benchmark's driver starts with: Debian's Chromium (never a downloaded
# browser) and the app's real sign-in page.
DRIVER_PRELUDE = r"""
const { chromium } = require('@playwright/test');
function launchChromium() {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
}
async function signIn(page, base, email, password) {
  await page.goto(base + '/accounts/login/');
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByRole('textbox', { name: 'Password' }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/accounts'));
}
"""


def run_driver(driver: str, *args: str, log: str) -> str:
    """Run a Node Playwright script from frontend/ (so @playwright/test resolves), after
    DRIVER_PRELUDE (``launchChromium()``, ``signIn(page, base, email, password)``); its stdout."""
    done = subprocess.run(
        ["node", "-e", DRIVER_PRELUDE + driver, *args], cwd=Path(ROOT, "frontend"), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"the Playwright driver failed (server log: {log}):\n{done.stderr}")
    return done.stdout
