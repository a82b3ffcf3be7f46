"""Jobs run on a real Celery worker over the configured broker (filesystem or Redis), with
their outcome in the database."""

from __future__ import annotations

import time

import pytest
from celery import shared_task
from django.db import transaction

from contentcuration import jobs
from contentcuration.models import TaskMetadata
from contentcuration.tests.factories import UserFactory
from contentcuration.tests.jobs_helpers import wait_for


@shared_task(name="tests.count_to")
def count_to(n: int) -> int:
    task_id = count_to.request.id
    for i in range(1, n + 1):
        jobs.report_progress(task_id, 100 * i / n)
        time.sleep(0.05)
    return n


@pytest.mark.django_db(transaction=True)
def test_a_job_runs_on_the_worker_and_its_progress_and_result_are_stored(celery_worker):
    user = UserFactory()
    task_id = jobs.enqueue_job(count_to, kwargs={"n": 4}, user_id=user.pk)

    assert wait_for(task_id, {"SUCCESS", "FAILURE"}) == "SUCCESS"
    assert TaskMetadata.objects.get(task_id=task_id).progress == 100


@pytest.mark.django_db(transaction=True)
def test_the_same_job_queued_twice_runs_once(celery_worker):
    user = UserFactory()
    with transaction.atomic():
        first = jobs.enqueue_job(count_to, kwargs={"n": 3}, user_id=user.pk, channel_id="a" * 32)
        second = jobs.enqueue_job(count_to, kwargs={"n": 3}, user_id=user.pk, channel_id="a" * 32)
    assert first == second
    wait_for(first, {"SUCCESS"})
    third = jobs.enqueue_job(count_to, kwargs={"n": 3}, user_id=user.pk, channel_id="a" * 32)
    assert third != first  # finished jobs are not reused


@pytest.mark.django_db(transaction=True)
def test_a_running_job_stops_when_cancelled(celery_worker):
    user = UserFactory()
    task_id = jobs.enqueue_job(count_to, kwargs={"n": 200}, user_id=user.pk)
    wait_for(task_id, {"STARTED"})

    assert jobs.request_cancel(task_id)

    assert wait_for(task_id, {"SUCCESS", "FAILURE"}) == "FAILURE"
    assert TaskMetadata.objects.get(task_id=task_id).progress < 100


@pytest.mark.django_db(transaction=True)
def test_a_job_is_not_sent_when_its_transaction_rolls_back(celery_worker):
    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        task_id = jobs.enqueue_job(count_to, kwargs={"n": 1}, user_id=user.pk)
        raise RuntimeError("the edit that triggered the job failed")
    assert not TaskMetadata.objects.filter(task_id=task_id).exists()
