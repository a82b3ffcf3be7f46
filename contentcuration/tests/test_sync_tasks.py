"""Background jobs seen through sync: the `tasks` list, cancelling, and pending stragglers."""

from __future__ import annotations

from django.core.management import call_command
from django_celery_results.models import TaskResult

from contentcuration import jobs
from contentcuration.changes import record_server_change
from contentcuration.models import Change, ContentNode, TaskMetadata, new_hex_id
from contentcuration.tests.sync_helpers import client_for, post_sync


def _job(channel, user, status=None, progress=40):
    meta = TaskMetadata.objects.create(
        task_id=f"t-{status}-{progress}-{new_hex_id()}",  # unique, as Celery's ids are
        task_name="copy_nodes_task",
        user=user,
        channel_id=channel.pk,
        progress=progress,
    )
    if status:
        TaskResult.objects.create(
            task_id=meta.task_id, status=status, traceback="boom" if status == "FAILURE" else None
        )
    return meta


def test_running_and_failed_jobs_of_watched_channels_are_listed(owner, channel, editor):
    running = _job(channel, owner, "STARTED", 40)
    failed = _job(channel, owner, "FAILURE", 10)
    _job(channel, owner, "SUCCESS", 100)
    tasks = post_sync(client_for(editor), channel_revs={channel.pk: 0})["tasks"]
    assert {t["task_id"]: t["progress"] for t in tasks} == {running.task_id: 40, failed.task_id: 10}
    assert all("-" in t["channel_id"] for t in tasks)  # dashed UUID, as Studio renders it
    assert post_sync(client_for(editor))["tasks"] == []


def test_the_starter_or_an_editor_can_cancel_a_job_and_strangers_cannot(owner, channel, stranger, editor):
    job = _job(channel, owner, "STARTED")
    url = f"/api/sync/tasks/{job.task_id}/cancel"
    assert client_for(stranger).post(url).status_code == 404
    assert client_for(editor).post(url).status_code == 200
    # On SQLite a running job's cancel request is a marker until the job ends (decision 0003).
    assert jobs.is_cancel_requested(TaskMetadata.objects.get(pk=job.pk))
    done = _job(channel, owner, "SUCCESS", 100)
    assert client_for(owner).post(f"/api/sync/tasks/{done.task_id}/cancel").status_code == 409


def test_pending_changes_from_other_writers_are_applied_and_relogged(owner, channel, editor):
    client = client_for(editor)
    mark = max([0, *Change.objects.values_list("server_rev", flat=True)])
    pending = record_server_change(
        table="contentnode",
        key=channel.main_tree_id,
        mods={"title": "From a chef"},
        channel_id=channel.pk,
        created_by_id=owner.pk,
        applied=False,
    )
    later = record_server_change(table="channel", key=channel.pk, mods={"x": 1}, channel_id=channel.pk)
    seen = post_sync(client, channel_revs={channel.pk: mark})["changes"]
    assert [ch["server_rev"] for ch in seen] == [later.server_rev]  # unapplied rows are never delivered
    call_command("apply_pending_changes")
    assert ContentNode.objects.get(pk=channel.main_tree_id).title == "From a chef"
    assert not Change.objects.filter(server_rev=pending.server_rev).exists()
    relogged = post_sync(client, channel_revs={channel.pk: later.server_rev})["changes"]
    assert [ch["mods"] for ch in relogged] == [{"title": "From a chef"}]
