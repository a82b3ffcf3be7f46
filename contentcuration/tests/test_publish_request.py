"""The browser app's publish request (POST /api/channel/<id>/publish): version notes are
required there (Studio's PUBLISHED change and the chef API keep allowing none); an injected
publish failure (``manage.py inject_fault publish``, contentcuration/faults.py: test settings
only, refused in production as test_copy_failure_retry checks) reaches the job result with
its message and leaves Publish enabled again."""

from __future__ import annotations

import json
import time

import pytest
from django.core.management import CommandError, call_command
from django_celery_results.models import TaskResult

from contentcuration import faults
from contentcuration.models import Change, Channel, ContentNode, TaskMetadata
from contentcuration.models import change_types as c
from contentcuration.publish import publish_channel
from contentcuration.tests import factories
from contentcuration.tests.jobs_helpers import wait_for
from contentcuration.tests.publishing import build_sample_channel
from contentcuration.tests.sync_helpers import browser_client, change, client_for, post_sync


@pytest.fixture
def no_armed_faults():
    for name in ("publish", "publish_pause"):
        faults.disarm(name)
    yield
    for name in ("publish", "publish_pause"):
        faults.disarm(name)


def publish(client, channel, body, **extra):
    return client.post(f"/api/channel/{channel.pk}/publish", json.dumps(body), content_type="application/json", **extra)


@pytest.mark.parametrize(
    "body",
    [{}, {"version_notes": ""}, {"version_notes": "   \n"}, {"version_notes": None}, {"version_notes": 3}],
    ids=["missing", "empty", "blank", "null", "number"],
)
def test_the_browser_apps_publish_needs_version_notes(owner, channel, body):
    response = publish(client_for(owner), channel, body)

    assert response.status_code == 400 and list(response.json()) == ["version_notes"], response.content
    assert not TaskMetadata.objects.filter(channel_id=channel.pk).exists()


def test_a_publish_with_notes_is_queued_and_logged(owner, channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = publish(client_for(owner), channel, {"version_notes": "Fixed typos"})

    assert response.status_code == 202, response.content
    task_id = response.json()["task_id"]
    assert response.json()["version"] == 1
    metadata = TaskMetadata.objects.get(task_id=task_id)
    assert metadata.kwargs["version_notes"] == "Fixed typos"
    logged = Change.objects.get(channel=channel, change_type=c.PUBLISHED)
    assert logged.kwargs["version_notes"] == "Fixed typos" and logged.created_by_id == owner.pk


def test_studios_published_change_still_needs_no_notes(owner, channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        answer = post_sync(client_for(owner), [change(c.PUBLISHED, c.CHANNEL, channel.pk, channel_id=channel.pk)])

    assert answer["errors"] == [] and TaskMetadata.objects.filter(channel_id=channel.pk).exists()


def test_a_session_publish_without_the_csrf_token_is_refused(owner, channel):
    client = browser_client(owner)
    del client.defaults["HTTP_X_CSRFTOKEN"]

    response = publish(client, channel, {"version_notes": "Notes"})

    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert not TaskMetadata.objects.filter(channel_id=channel.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_injected_failure_reaches_the_job_result_and_publish_is_enabled_again(celery_worker, no_armed_faults):
    owner = factories.UserFactory()
    channel, _ = build_sample_channel(owner)
    client = client_for(owner)
    call_command("inject_fault", "publish", "--message", "The disk is full (injected).")

    failed = publish(client, channel, {"version_notes": "First"}).json()["task_id"]

    assert wait_for(failed, {"SUCCESS", "FAILURE"}, timeout=60) == "FAILURE"
    result = json.loads(TaskResult.objects.get(task_id=failed).result)
    assert result["exc_message"] == ["The disk is full (injected)."]
    (shown,) = [t for t in post_sync(client, channel_revs={channel.pk: 0})["tasks"] if t["task_id"] == failed]
    assert shown["status"] == "FAILURE" and shown["traceback"] == "PublishError: The disk is full (injected)."
    assert not ContentNode.objects.get(pk=channel.main_tree_id).publishing
    assert Channel.objects.get(pk=channel.pk).version == 0

    retried = publish(client, channel, {"version_notes": "First"})
    assert retried.status_code == 202, retried.content
    assert wait_for(retried.json()["task_id"], {"SUCCESS", "FAILURE"}, timeout=60) == "SUCCESS"
    assert Channel.objects.get(pk=channel.pk).version == 1


def test_an_injected_pause_holds_the_progress_at_1_and_at_the_end_of_the_export(owner, no_armed_faults):
    """What the browser test uses to watch the progress rise: two pauses, at 1 % and at 88 %."""
    channel, _ = build_sample_channel(owner)
    call_command("inject_fault", "publish_pause", "--times", "2", "--message", "0.4")
    seen: list[tuple[float, float]] = []

    publish_channel(
        channel_id=channel.pk, user=owner, version_notes="v1", progress=lambda p: seen.append((time.monotonic(), p))
    )

    values = [p for _, p in seen]
    assert values == sorted(values) and values[0] == 1 and values[-1] == 100
    held = {p: later - at for (at, p), (later, _) in zip(seen, seen[1:], strict=False)}
    assert held[1] >= 0.4
    assert max(held[p] for p in held if 80 <= p <= 88) >= 0.4
    assert not list(faults._directory().glob("publish_pause.*"))  # both taken


@pytest.mark.parametrize("message", ["", "soon", "-1", "31"])
def test_a_pause_needs_a_number_of_seconds(message):
    with pytest.raises(CommandError, match="publish_pause needs a number of seconds"):
        call_command("inject_fault", "publish_pause", "--message", message)
