"""Jobs in tests: waiting for the real worker of the ``celery_worker`` fixture (conftest), or
running queued jobs inline."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from contentcuration import jobs
from contentcuration.celery import app


def wait_for(task_id: str, states: set[str], timeout: float = 30) -> str:
    """Poll the job's status until it is one of ``states``; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = jobs.job_status(task_id)
        if status in states:
            return status
        time.sleep(0.02)
    raise AssertionError(f"task {task_id} still {jobs.job_status(task_id)} after {timeout} s")


@contextlib.contextmanager
def eager_celery() -> Iterator[None]:
    """Run queued jobs inline, in the enqueuing process (no worker)."""
    # The app reads Django settings under the CELERY_ namespace: the prefixed key is the live one.
    previous = app.conf.get("CELERY_TASK_ALWAYS_EAGER")
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = True
    try:
        yield
    finally:
        app.conf["CELERY_TASK_ALWAYS_EAGER"] = previous
