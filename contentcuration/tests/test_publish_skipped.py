"""A publish says what it left out: every dropped node (empty topic, incomplete resource) with
its reason, in the job result, the ``publish_channel`` output and the channel's
``version_detail`` (issue 16 item 4; the demo channel published "5 nodes" and ``skipped: []``)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django_celery_results.models import TaskResult

from contentcuration.demo import DEMO_CHANNEL_ID, create_demo_channel
from contentcuration.models import TaskMetadata
from contentcuration.models import change_types as c
from contentcuration.publish.mapper import EMPTY_TOPIC
from contentcuration.tests import factories
from contentcuration.tests.jobs_helpers import wait_for
from contentcuration.tests.sync_helpers import change, post_sync, token_client_for

EMPTY_DEMO_TOPIC = "Unit 2: Shapes"


@pytest.mark.django_db(transaction=True)
def test_publishing_the_demo_channel_reports_its_empty_topic_in_the_job_result_and_version_detail(celery_worker):
    owner = factories.UserFactory()
    create_demo_channel(owner=owner)
    client = token_client_for(owner)

    answer = post_sync(
        client, [change(c.PUBLISHED, c.CHANNEL, DEMO_CHANNEL_ID, channel_id=DEMO_CHANNEL_ID, version_notes="first")]
    )
    assert answer["disallowed"] == []
    task_id = TaskMetadata.objects.get(channel_id=DEMO_CHANNEL_ID).task_id
    assert wait_for(task_id, {"SUCCESS", "FAILURE"}, timeout=60) == "SUCCESS"

    result = json.loads(TaskResult.objects.get(task_id=task_id).result)
    assert [(s["title"], s["reason"]) for s in result["skipped"]] == [(EMPTY_DEMO_TOPIC, EMPTY_TOPIC)]

    detail = client.get(f"/api/channel/{DEMO_CHANNEL_ID}/version_detail")
    assert detail.status_code == 200
    assert detail.json()["version"] == 1
    assert [(s["title"], s["reason"]) for s in detail.json()["skipped"]] == [(EMPTY_DEMO_TOPIC, EMPTY_TOPIC)]


@pytest.mark.django_db
def test_the_publish_channel_command_prints_each_skipped_node_with_its_reason():
    create_demo_channel(owner=factories.UserFactory())
    out = io.StringIO()

    call_command("publish_channel", DEMO_CHANNEL_ID, "--no-progress", stdout=out)

    assert f"Skipped {EMPTY_TOPIC}: {EMPTY_DEMO_TOPIC!r}" in out.getvalue()
