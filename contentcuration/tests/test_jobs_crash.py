"""A job whose worker is killed (``kill -9``) mid-way: a real worker process, a real kill.

What a user must see afterwards: the job reported failed (sync ``tasks``), the channel no
longer "publishing" (watchers get ``{publishing: false}`` and ``{__TASK_ID: null}``), the
previous version intact, no scratch files left, and a new publish that succeeds.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from contentcuration import jobs, storage
from contentcuration.models import Change, ContentNode, TaskMetadata
from contentcuration.models import change_types as c
from contentcuration.publish import publish_channel
from contentcuration.tests.files_helpers import token_for
from contentcuration.tests.jobs_helpers import wait_for
from contentcuration.tests.publishing import build_sample_channel, database_path
from contentcuration.tests.sync_helpers import SYNC_URL, change
from contentcuration.tests.worker_process import kill_hard, start_worker_process

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def sync(user, changes=(), **envelope) -> dict:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    response = client.post(SYNC_URL, {"changes": list(changes), **envelope}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def publish_change(channel, notes: str) -> dict:
    return change(c.PUBLISHED, "channel", channel.pk, channel_id=channel.pk, version_notes=notes, language="en")


def digest(key: str) -> str:
    return hashlib.md5(database_path(key).read_bytes()).hexdigest()


def publishing(channel) -> bool:
    return ContentNode.objects.get(pk=channel.main_tree_id).publishing


def scratch_of(task_id: str) -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"publish-{task_id}-*"))


def channel_mods(channel, after: int) -> list[dict]:
    rows = Change.objects.filter(channel_id=channel.pk, server_rev__gt=after, applied=True).order_by("server_rev")
    return [row.kwargs.get("mods", {}) for row in rows]


def chef_publish(user, channel) -> str:
    """``POST /api/internal/publish_channel`` as ricecooker sends it; returns the task id."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    body = json.dumps({"channel_id": channel.pk})
    response = client.generic("POST", "/api/internal/publish_channel", body, content_type="")
    assert response.status_code == 200, response.content
    return response.json()["task_id"]


def publish_and_kill_mid_way(owner, channel, before_kill=lambda: None, request=None) -> str:
    """Publish version 2 (through sync unless ``request`` is given) on a worker that hangs
    mid-export, then ``kill -9`` it."""
    worker = start_worker_process(hang_publish=True)
    try:
        if request is None:
            sync(owner, [publish_change(channel, "second")])
        else:
            request()
        task_id = TaskMetadata.objects.filter(channel_id=channel.pk).latest("date_created").task_id
        wait_for(task_id, {"STARTED"})
        deadline = time.monotonic() + 30
        while TaskMetadata.objects.get(task_id=task_id).progress < 2:
            assert time.monotonic() < deadline, "the publish never got under way"
            time.sleep(0.05)
        assert publishing(channel) and scratch_of(task_id)
        before_kill()
    finally:
        kill_hard(worker)
    return task_id


@pytest.fixture
def published(owner):
    """A channel published once (version 1), with an edit waiting for version 2."""
    channel, nodes = build_sample_channel(owner)
    publish_channel(channel_id=channel.id, user=owner, version_notes="first")
    ContentNode.objects.filter(pk=nodes["html5"].pk).update(title="Edited after version 1", changed=True)
    return channel


def test_a_killed_publish_is_reported_failed_and_the_channel_can_be_published_again(owner, published):
    channel = published
    version_1 = digest(storage.database_key(channel.id))
    mark = Change.objects.order_by("-server_rev").values_list("server_rev", flat=True).first()
    task_id = publish_and_kill_mid_way(owner, channel)

    # No worker runs now. The next poll of the channel finds the dead job.
    tasks = sync(owner, channel_revs={channel.pk: 0})["tasks"]

    [task] = [t for t in tasks if t["task_id"] == task_id]
    assert task["status"] == "FAILURE" and "stopped before the job finished" in task["traceback"]
    assert jobs.job_status(task_id) == "FAILURE"
    assert not publishing(channel)
    mods = channel_mods(channel, mark)
    assert {"publishing": False, "unpublished_changes": True} in mods and mods[-1] == {c.TASK_ID: None}
    assert not scratch_of(task_id)
    channel.refresh_from_db()
    assert channel.version == 1 and digest(storage.database_key(channel.id)) == version_1

    # Publishable again: the same request (same notes) makes a new job, which succeeds.
    worker = start_worker_process()
    try:
        response = sync(owner, [publish_change(channel, "second")])
        assert response["errors"] == []
        retry = TaskMetadata.objects.filter(channel_id=channel.pk).latest("date_created").task_id
        assert retry != task_id
        assert wait_for(retry, {"SUCCESS", "FAILURE"}, timeout=60) == "SUCCESS"
    finally:
        kill_hard(worker)
    channel.refresh_from_db()
    assert channel.version == 2 and not publishing(channel)
    assert digest(storage.database_key(channel.id, 1)) == version_1
    assert [t["task_id"] for t in sync(owner, channel_revs={channel.pk: 0})["tasks"]] == [
        task_id
    ]  # FAILURE stays listed


def test_a_restarted_worker_recovers_a_publish_killed_mid_way_by_itself(owner, published):
    channel = published
    task_id = publish_and_kill_mid_way(owner, channel)
    assert publishing(channel) and jobs.job_status(task_id) == "STARTED"

    worker = start_worker_process()  # nobody polls: the worker's start-up finds the dead job
    try:
        assert wait_for(task_id, {"FAILURE"}, timeout=30) == "FAILURE"
        deadline = time.monotonic() + 10
        while publishing(channel) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not publishing(channel) and not scratch_of(task_id)
    finally:
        kill_hard(worker)
    channel.refresh_from_db()
    assert channel.version == 1


def test_a_live_worker_finds_a_job_killed_on_another_worker_within_its_sweep_interval(owner, published):
    channel = published
    workers = []
    try:
        # A second worker, started once the first runs the publish, keeps running.
        task_id = publish_and_kill_mid_way(
            owner, channel, before_kill=lambda: workers.append(start_worker_process(sweep_seconds=1))
        )
        assert jobs.job_status(task_id) == "STARTED"  # its start-up sweep left the live job alone
        started = time.monotonic()
        assert wait_for(task_id, {"FAILURE"}, timeout=15) == "FAILURE"
        assert time.monotonic() - started < 5
        deadline = time.monotonic() + 5
        while publishing(channel) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not publishing(channel)
    finally:
        for worker in workers:
            kill_hard(worker)


def test_a_chef_publishing_again_after_a_killed_publish_gets_a_new_job_that_succeeds(owner, published):
    channel = published
    task_id = publish_and_kill_mid_way(owner, channel, request=lambda: chef_publish(owner, channel))

    retry = chef_publish(owner, channel)  # the same request: it used to attach to the dead job

    assert retry != task_id and jobs.job_status(task_id) == "FAILURE"
    worker = start_worker_process()
    try:
        assert wait_for(retry, {"SUCCESS", "FAILURE"}, timeout=60) == "SUCCESS"
    finally:
        kill_hard(worker)
    channel.refresh_from_db()
    assert channel.version == 2 and not publishing(channel)


@pytest.mark.parametrize(
    "task_name, announced",
    [
        ("copy_nodes_task", {c.COPYING_STATUS: "FAILED", c.TASK_ID: None}),
        ("sync_channel_task", {c.TASK_ID: None}),
    ],
)
def test_the_end_of_every_long_job_whose_worker_died_is_announced(owner, channel, task_name, announced):
    # What a killed worker leaves (the kill itself is exercised on publishes above): a job
    # started, never finished, whose liveness lock nobody holds.
    from django.utils import timezone

    placeholder = "e" * 32
    kwargs = {"channel_id": channel.pk, "user_id": owner.pk, "new_id": placeholder}
    job = TaskMetadata.objects.create(
        task_id="f" * 32, task_name=task_name, channel_id=channel.pk, kwargs=kwargs, started_at=timezone.now()
    )
    mark = Change.objects.order_by("-server_rev").values_list("server_rev", flat=True).first() or 0

    [task] = sync(owner, channel_revs={channel.pk: 0})["tasks"]

    assert task["task_id"] == job.task_id and task["status"] == "FAILURE"
    key = placeholder if task_name == "copy_nodes_task" else channel.pk
    [row] = Change.objects.filter(server_rev__gt=mark, applied=True)
    assert row.kwargs == {"key": key, "mods": announced}
    assert jobs.recover_abandoned_jobs() == []  # once
