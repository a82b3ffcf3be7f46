"""The browser save engine's figures (issue 12): applying 1,000 incoming feed changes
(target <= 200 ms) and sending 10,000 pending changes in chunks without freezing the page
(target: no task > 200 ms, measured with a PerformanceObserver for long tasks in Chromium).

Runs frontend/tests/bench/engine.bench.ts with Playwright (Debian's /usr/bin/chromium)
against a live server and Celery worker started like the e2e suite's (a fresh ``<name>_e2e``
PostgreSQL database when DATABASE_URL is set, else SQLite). Standalone:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anything .venv/bin/python benchmarks/frontend_engine.py

Needs the app's packages (``make frontend``); BENCH_PENDING=1000 for a shorter run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    frontend = REPO / "frontend"
    if not (frontend / "node_modules").exists():
        print("frontend/node_modules is missing: run `make frontend` first", file=sys.stderr)
        return 1
    env = {**os.environ, "PYTHON": str(REPO / ".venv" / "bin" / "python")}
    command = ["npx", "playwright", "test", "-c", "playwright.bench.config.ts"]
    return subprocess.call(command, cwd=frontend, env=env)


if __name__ == "__main__":
    sys.exit(main())
