"""A real Celery worker in a process of its own, on the test database and broker, for tests
that kill it (``kill -9``) mid-job.

``python -m contentcuration.tests.worker_process [--hang-publish]``; ``--hang-publish`` makes
every publish stop for good at its first progress report of the export (the scratch database
written, nothing recorded yet), so a test can kill the worker at a known point. The hook lives here, not in the product.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HANG_FROM, HANG_BELOW = 2, 91  # publisher: the export runs from 2 to 88 %, recording from 91 %


def start_worker_process(*, hang_publish: bool = False, sweep_seconds: int = 0) -> subprocess.Popen:
    """Start the worker on this test run's database, storage and broker; return once it
    answers a ping."""
    from django.conf import settings
    from django.db import connection

    from contentcuration.celery import app

    env = {
        # Not the log settings an in-process test worker left for forked children (_MP_FORK_*).
        **{k: v for k, v in os.environ.items() if not k.startswith("_MP_FORK_")},
        "DJANGO_SETTINGS_MODULE": "contentcuration.settings.test",
        "DATA_DIR": str(settings.DATA_DIR),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DATABASE_URL": database_url(connection.settings_dict),
        "JOB_SWEEP_SECONDS": str(sweep_seconds),
    }
    command = [sys.executable, "-m", "contentcuration.tests.worker_process"]
    if hang_publish:
        command.append("--hang-publish")
    worker = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[2], env=env)
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise AssertionError("the worker process did not start")
    return worker


def kill_hard(worker: subprocess.Popen) -> None:
    """``kill -9``: no cleanup code of the worker runs."""
    if worker.poll() is None:
        os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)


def database_url(settings_dict: dict) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contentcuration.settings.test")
    django.setup()
    from contentcuration.celery import app

    if "--hang-publish" in sys.argv:
        from contentcuration.publish import tasks as publish_tasks

        report = publish_tasks.report_progress

        def report_then_hang(task_id, progress, **kwargs):
            report(task_id, progress, **kwargs)
            if HANG_FROM <= progress < HANG_BELOW:
                time.sleep(3600)

        publish_tasks.report_progress = report_then_hang
    app.worker_main(["worker", "--pool", "solo", "--loglevel", "INFO", "--without-gossip", "--without-mingle"])


if __name__ == "__main__":
    main()
