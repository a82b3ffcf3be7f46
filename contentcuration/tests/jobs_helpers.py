"""Waiting for jobs run by the real Celery worker of the ``celery_worker`` fixture (conftest)."""

from __future__ import annotations

import time

from contentcuration import jobs


def wait_for(task_id: str, states: set[str], timeout: float = 30) -> str:
    """Poll the job's status until it is one of ``states``; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = jobs.job_status(task_id)
        if status in states:
            return status
        time.sleep(0.02)
    raise AssertionError(f"task {task_id} still {jobs.job_status(task_id)} after {timeout} s")
