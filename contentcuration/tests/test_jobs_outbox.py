"""The broker is down when a job is requested (decision 0008): the request succeeds, the job
is recorded unsent, and it is sent once the broker is back (a worker's sweep) and runs once.

The broker lives outside the process, so its failure is injected where kombu hands a message
to it: every send raises kombu's OperationalError, as a refused connection does.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError
from kombu.messaging import Producer
from rest_framework.test import APIClient

from contentcuration import jobs
from contentcuration.models import Change, Channel, TaskMetadata
from contentcuration.models import change_types as c
from contentcuration.tests.files_helpers import token_for
from contentcuration.tests.jobs_helpers import wait_for
from contentcuration.tests.publishing import build_sample_channel
from contentcuration.tests.sync_helpers import SYNC_URL, change
from contentcuration.tests.worker_process import kill_hard, start_worker_process

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def broker_down() -> Iterator[mock.MagicMock]:
    refused = OperationalError("Error 111 connecting to the broker. Connection refused.")
    with mock.patch.object(Producer, "publish", side_effect=refused) as publish:
        yield publish


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


def sync(user, changes) -> dict:
    response = token_client(user).post(SYNC_URL, {"changes": changes}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def publish_change(channel, notes: str) -> dict:
    return change(c.PUBLISHED, "channel", channel.pk, channel_id=channel.pk, version_notes=notes, language="en")


def chef_publish(user, channel) -> dict:
    response = token_client(user).generic(
        "POST", "/api/internal/publish_channel", json.dumps({"channel_id": channel.pk}), content_type=""
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_a_publish_requested_while_the_broker_is_down_is_accepted_and_sent_once_it_is_back(celery_worker, owner):
    channel, _ = build_sample_channel(owner)
    with broker_down() as publish:
        first = sync(owner, [publish_change(channel, "v1")])
        again = sync(owner, [publish_change(channel, "v1")])  # the user retries
    assert publish.called  # the broker really was asked, and refused
    assert first["errors"] == again["errors"] == []
    [job] = TaskMetadata.objects.filter(channel_id=channel.pk)  # the retry joined the queued job
    assert job.sent_at is None and jobs.job_status(job.task_id) == "PENDING"
    announced = Change.objects.filter(channel_id=channel.pk, kwargs__mods__has_key=c.TASK_ID)
    assert {row.kwargs["mods"][c.TASK_ID] for row in announced} == {job.task_id}

    assert jobs.send_unsent_jobs(older_than=timedelta(0)) == [job.task_id]  # a worker's sweep

    assert wait_for(job.task_id, {"SUCCESS", "FAILURE"}, timeout=60) == "SUCCESS"
    assert Channel.objects.get(pk=channel.pk).version == 1
    job.refresh_from_db()
    assert job.sent_at is not None
    assert jobs.send_unsent_jobs(older_than=timedelta(0)) == []  # sent once


def test_a_chef_publish_while_the_broker_is_down_answers_its_task_and_runs_later(celery_worker, owner):
    channel, _ = build_sample_channel(owner)
    with broker_down():
        answer = chef_publish(owner, channel)
    job = TaskMetadata.objects.get(task_id=answer["task_id"])
    assert job.sent_at is None

    assert jobs.send_unsent_jobs(older_than=timedelta(0)) == [job.task_id]

    assert wait_for(job.task_id, {"SUCCESS", "FAILURE"}, timeout=60) == "SUCCESS"
    assert Channel.objects.get(pk=channel.pk).version == 1


@pytest.mark.slow
def test_a_starting_worker_sends_the_jobs_the_broker_did_not_take(owner):
    channel, _ = build_sample_channel(owner)
    with broker_down():
        sync(owner, [publish_change(channel, "v1")])
    [job] = TaskMetadata.objects.filter(channel_id=channel.pk)
    # The broker was down for a while: the job is past the grace an in-flight send gets.
    TaskMetadata.objects.filter(pk=job.pk).update(date_created=timezone.now() - timedelta(minutes=1))

    worker = start_worker_process()
    try:
        assert wait_for(job.task_id, {"SUCCESS", "FAILURE"}, timeout=60) == "SUCCESS"
    finally:
        kill_hard(worker)
    assert Channel.objects.get(pk=channel.pk).version == 1


def test_a_message_delivered_twice_runs_the_job_once(celery_worker, owner):
    channel, _ = build_sample_channel(owner)
    sync(owner, [publish_change(channel, "v1")])
    [job] = TaskMetadata.objects.filter(channel_id=channel.pk)
    assert wait_for(job.task_id, {"SUCCESS", "FAILURE"}, timeout=60) == "SUCCESS"

    from contentcuration.publish.tasks import publish_channel_task

    publish_channel_task.apply_async(kwargs=job.kwargs, task_id=job.task_id)  # the duplicate
    later = Change.objects.order_by("-server_rev").values_list("server_rev", flat=True).first()
    time.sleep(1.5)  # the worker takes the duplicate within a polling interval (0.1 s here)
    assert not Change.objects.filter(server_rev__gt=later, channel_id=channel.pk).exists()
    assert Channel.objects.get(pk=channel.pk).version == 1
