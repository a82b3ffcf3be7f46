"""Versions: bump, no-change publish, diff, drafts, failure and cancel leave the previous
version intact, the Celery task and the sync change outcome."""

from __future__ import annotations

import hashlib

import pytest
from django.core.management import CommandError, call_command

from contentcuration import jobs, storage
from contentcuration.jobs import JobCancelled
from contentcuration.models import (
    AssessmentItem,
    Change,
    Channel,
    ChannelHistory,
    ChannelVersion,
    ContentNode,
    TaskMetadata,
)
from contentcuration.models.change_types import CHANNEL, PUBLISHED, TASK_ID
from contentcuration.publish import AlreadyPublishing, ChannelIncomplete, NodesFailed, publish_channel
from contentcuration.publish.tasks import publish_channel_task
from contentcuration.tests.factories import build_tree
from contentcuration.tests.publishing import build_sample_channel, database_path, open_export


@pytest.fixture
def sample(owner):
    return build_sample_channel(owner)


def stored_digest(key: str) -> str:
    return hashlib.md5(database_path(key).read_bytes()).hexdigest()


def channel_changes(channel) -> list[dict]:
    return [c.kwargs.get("mods", {}) for c in Change.objects.filter(channel=channel).order_by("server_rev")]


def test_publishing_bumps_the_version_and_records_it(sample, owner):
    channel, nodes = sample
    result = publish_channel(channel_id=channel.id, user=owner, version_notes="notes")
    channel.refresh_from_db()
    assert result.version == channel.version == 1
    assert storage.key_exists(storage.database_key(channel.id))
    assert storage.key_exists(storage.database_key(channel.id, 1))
    version = ChannelVersion.objects.get(channel=channel, version=1)
    assert version.version_notes == "notes" and version.resource_count == 5
    assert set(version.diff["added"]) == {
        row
        for row in ContentNode.objects.filter(tree_id=channel.main_tree.tree_id, published=True).values_list(
            "node_id", flat=True
        )
    }
    assert channel.published_data["1"]["resource_count"] == 5
    assert channel.total_resource_count == 5 and channel.last_published is not None
    assert channel.secret_tokens.filter(is_primary=True).exists()
    assert channel.secret_tokens.filter(token=channel.id).exists()
    assert ChannelHistory.objects.filter(channel=channel, action=ChannelHistory.PUBLICATION).count() == 1
    main = ContentNode.objects.filter(tree_id=channel.main_tree.tree_id)
    assert not main.filter(changed=True).exists()
    assert main.get(pk=nodes["video"].pk).published is True
    assert main.get(pk=nodes["incomplete_doc"].pk).published is False
    assert main.get(pk=channel.main_tree_id).publishing is False
    finished = channel_changes(channel)[-1]
    assert finished["published"] is True and finished["publishing"] is False and finished["version"] == 1
    assert finished["primary_token"] and finished["draft_token"] is None


def test_a_second_publish_records_what_was_added_changed_and_removed(sample, owner):
    channel, nodes = sample
    publish_channel(channel_id=channel.id, user=owner)
    ContentNode.objects.filter(pk=nodes["html5"].pk).update(title="New title", changed=True)
    ContentNode.objects.filter(pk=nodes["audio"].pk).update(complete=False, changed=True)
    (new,) = build_tree(nodes["topic_a"], [("document", [], {"complete": True, "title": "New doc"})])
    from contentcuration.tests.publishing import stored_file

    stored_file(new, b"%PDF new", "pdf", "document")
    result = publish_channel(channel_id=channel.id, user=owner)
    assert result.version == 2
    diff = ChannelVersion.objects.get(channel=channel, version=2).diff
    assert diff["previous_version"] == 1
    assert diff["added"] == [new.node_id]
    assert diff["removed"] == [nodes["audio"].node_id]
    assert nodes["html5"].node_id in diff["changed"]
    assert nodes["video"].node_id not in diff["changed"]
    with open_export(storage.database_key(channel.id, 1)) as conn:
        assert conn.execute("SELECT version FROM content_channelmetadata").fetchone()[0] == 1
    with open_export(storage.database_key(channel.id)) as conn:
        assert conn.execute("SELECT version FROM content_channelmetadata").fetchone()[0] == 2


def test_publishing_with_nothing_changed_makes_no_new_version(sample, owner):
    channel, _ = sample
    publish_channel(channel_id=channel.id, user=owner)
    before = stored_digest(storage.database_key(channel.id))
    result = publish_channel(channel_id=channel.id, user=owner)
    channel.refresh_from_db()
    assert result.no_changes is True
    assert channel.version == 1
    assert ChannelVersion.objects.filter(channel=channel).count() == 1
    assert stored_digest(storage.database_key(channel.id)) == before
    assert ContentNode.objects.get(pk=channel.main_tree_id).publishing is False


def test_a_failing_node_fails_the_publish_names_it_and_keeps_the_previous_version(sample, owner):
    channel, nodes = sample
    publish_channel(channel_id=channel.id, user=owner)
    before = stored_digest(storage.database_key(channel.id))
    AssessmentItem.objects.create(contentnode=nodes["exercise"], order=9, type="perseus_question", raw_data="{oops")
    ContentNode.objects.filter(pk=nodes["exercise"].pk).update(changed=True)

    with pytest.raises(NodesFailed) as failure:
        publish_channel(channel_id=channel.id, user=owner)

    assert nodes["exercise"].pk in str(failure.value) and "invalid Perseus data" in str(failure.value)
    channel.refresh_from_db()
    assert channel.version == 1
    assert not storage.key_exists(storage.database_key(channel.id, 2))
    assert stored_digest(storage.database_key(channel.id)) == before
    assert ContentNode.objects.get(pk=channel.main_tree_id).publishing is False
    assert ContentNode.objects.get(pk=nodes["exercise"].pk).changed is True
    assert channel_changes(channel)[-1] == {"publishing": False, "unpublished_changes": True}


def test_a_cancelled_publish_keeps_the_previous_version(sample, owner):
    channel, nodes = sample
    publish_channel(channel_id=channel.id, user=owner)
    before = stored_digest(storage.database_key(channel.id))
    ContentNode.objects.filter(pk=nodes["html5"].pk).update(title="Edited", changed=True)

    def cancel_halfway(percent: float) -> None:
        if percent >= 50:
            raise JobCancelled("cancelled")

    with pytest.raises(JobCancelled):
        publish_channel(channel_id=channel.id, user=owner, progress=cancel_halfway)
    channel.refresh_from_db()
    assert channel.version == 1
    assert stored_digest(storage.database_key(channel.id)) == before
    assert ContentNode.objects.get(pk=channel.main_tree_id).publishing is False
    assert ContentNode.objects.get(pk=nodes["html5"].pk).changed is True


def test_a_second_publish_while_one_runs_is_refused_without_clearing_the_flag(sample, owner):
    channel, _ = sample
    ContentNode.objects.filter(pk=channel.main_tree_id).update(publishing=True)
    ChannelHistory.objects.create(channel=channel, actor=owner, action=ChannelHistory.PUBLICATION)
    with pytest.raises(AlreadyPublishing):
        publish_channel(channel_id=channel.id, user=owner)
    assert ContentNode.objects.get(pk=channel.main_tree_id).publishing is True


def test_a_publishing_flag_left_by_a_dead_publisher_is_taken_over(sample, owner):
    from datetime import timedelta

    from django.utils import timezone

    channel, _ = sample
    ContentNode.objects.filter(pk=channel.main_tree_id).update(publishing=True)
    ChannelHistory.objects.create(
        channel=channel, actor=owner, action=ChannelHistory.PUBLICATION, performed=timezone.now() - timedelta(hours=7)
    )
    assert publish_channel(channel_id=channel.id, user=owner).version == 1
    assert ContentNode.objects.get(pk=channel.main_tree_id).publishing is False


def test_the_command_takes_over_at_once_a_flag_held_by_a_publish_job_whose_worker_died(sample, owner):
    from django.utils import timezone

    channel, _ = sample
    # What a killed worker leaves: the flag, and its job started and never finished. Nobody
    # holds the job's liveness lock (test_jobs_crash.py kills a real worker for this).
    ContentNode.objects.filter(pk=channel.main_tree_id).update(publishing=True)
    ChannelHistory.objects.create(channel=channel, actor=owner, action=ChannelHistory.PUBLICATION)
    dead = TaskMetadata.objects.create(
        task_id="d" * 32,
        task_name=publish_channel_task.name,
        channel_id=channel.id,
        kwargs={"channel_id": channel.id, "user_id": owner.id},
        started_at=timezone.now(),
    )

    call_command("publish_channel", channel.id, "--no-progress")

    assert Channel.objects.get(pk=channel.pk).version == 1
    dead.refresh_from_db()
    assert dead.finished_at is not None and jobs.job_status(dead.task_id) == "FAILURE"


def test_a_channel_without_language_or_deleted_cannot_be_published(owner):
    channel, _ = build_sample_channel(owner)
    Channel.objects.filter(pk=channel.pk).update(language=None)
    with pytest.raises(ChannelIncomplete, match="language"):
        publish_channel(channel_id=channel.id, user=owner)
    assert ContentNode.objects.get(pk=channel.main_tree_id).publishing is False
    assert publish_channel(channel_id=channel.id, user=owner, language="fr").version == 1
    Channel.objects.filter(pk=channel.pk).update(deleted=True)
    with pytest.raises(ChannelIncomplete, match="deleted"):
        publish_channel(channel_id=channel.id, user=owner, force=True)


def test_a_draft_publish_leaves_the_published_version_alone(sample, owner):
    channel, nodes = sample
    publish_channel(channel_id=channel.id, user=owner)
    before = stored_digest(storage.database_key(channel.id))
    ContentNode.objects.filter(pk=nodes["html5"].pk).update(title="Draft title", changed=True)

    draft = publish_channel(channel_id=channel.id, user=owner, draft=True)

    channel.refresh_from_db()
    assert channel.version == 1 and draft.version is None
    assert stored_digest(storage.database_key(channel.id)) == before
    with open_export(storage.database_key(channel.id, "next")) as conn:
        titles = {r[0] for r in conn.execute("SELECT title FROM content_contentnode")}
    assert "Draft title" in titles
    draft_version = ChannelVersion.objects.get(channel=channel, version=None)
    assert draft_version.secret_token.token == draft.draft_token
    assert ContentNode.objects.get(pk=nodes["html5"].pk).changed is True
    assert channel_changes(channel)[-1] == {"draft_token": draft.draft_token}

    publish_channel(channel_id=channel.id, user=owner)
    assert not ChannelVersion.objects.filter(channel=channel, version=None).exists()
    assert not storage.key_exists(storage.database_key(channel.id, "next"))


def logged_publish_change(channel, user) -> Change:
    """A PUBLISHED change as the sync endpoint logs it: final, before the job runs."""
    return Change.objects.create(
        channel=channel,
        created_by=user,
        table=CHANNEL,
        change_type=PUBLISHED,
        kwargs={"key": channel.id},
        applied=True,
        unpublishable=True,
    )


def assert_untouched(change: Change) -> None:
    # Decision 0001: a logged row never changes (watchers may be past its rev already).
    before = (change.applied, change.errored, change.kwargs)
    change.refresh_from_db()
    assert (change.applied, change.errored, change.kwargs) == before


def test_the_task_reports_progress_and_announces_start_and_end(sample, owner):
    channel, _ = sample
    change = logged_publish_change(channel, owner)
    TaskMetadata.objects.create(task_id="t" * 32, task_name=publish_channel_task.name, channel_id=channel.id)
    outcome = publish_channel_task.apply(
        kwargs={"channel_id": channel.id, "user_id": owner.id, "version_notes": "via task"}, task_id="t" * 32
    )
    assert outcome.result["version"] == 1
    assert_untouched(change)
    assert TaskMetadata.objects.get(task_id="t" * 32).progress == 100
    mods = channel_changes(channel)
    assert {TASK_ID: "t" * 32} in mods and mods[-1] == {TASK_ID: None}
    assert any(m.get("published") is True and m.get("version") == 1 for m in mods)


def test_a_cancelled_task_keeps_the_channel_unpublished_and_announces_the_end(sample, owner):
    channel, _ = sample
    change = logged_publish_change(channel, owner)
    TaskMetadata.objects.create(
        task_id="c" * 32, task_name=publish_channel_task.name, channel_id=channel.id, cancel_requested=True
    )
    publish_channel_task.apply(kwargs={"channel_id": channel.id, "user_id": owner.id}, task_id="c" * 32)
    channel.refresh_from_db()
    assert_untouched(change)
    assert channel.version == 0
    assert ContentNode.objects.get(pk=channel.main_tree_id).publishing is False
    assert channel_changes(channel)[-1] == {TASK_ID: None}


def test_a_stranger_cannot_publish_through_the_task(sample, stranger):
    channel, _ = sample
    outcome = publish_channel_task.apply(kwargs={"channel_id": channel.id, "user_id": stranger.id})
    assert outcome.failed() and "may not publish" in str(outcome.result)
    assert Channel.objects.get(pk=channel.pk).version == 0


def test_the_commands_publish_and_export_a_folder(sample, owner, tmp_path, capsys):
    channel, nodes = sample
    call_command("publish_channel", channel.id, "--notes", "from the command", "--no-progress")
    out = capsys.readouterr().out
    assert "version 1" in out and "Incomplete document" in out
    call_command("export_channel", channel.id, str(tmp_path), "--no-progress")
    content = tmp_path / "content"
    assert (content / "databases" / f"{channel.id}.sqlite3").exists()
    video_file = nodes["video"].files.get(preset_id="high_res_video")
    stored = content / "storage" / video_file.checksum[0] / video_file.checksum[1] / f"{video_file.checksum}.mp4"
    assert stored.read_bytes() == b"fake mp4 bytes"
    assert not (content / "manifest.json").exists()


def test_exporting_a_folder_with_a_missing_stored_file_names_the_node(sample, owner, tmp_path):
    channel, nodes = sample
    publish_channel(channel_id=channel.id, user=owner)
    pdf = nodes["document"].files.get()
    database_path(storage.storage_key(pdf.checksum, "pdf")).unlink()
    with pytest.raises(CommandError, match=nodes["document"].node_id):
        call_command("export_channel", channel.id, str(tmp_path), "--no-progress")


def test_a_draft_can_be_published_from_the_staging_tree_but_a_version_cannot(sample, owner):
    from contentcuration import tree
    from contentcuration.publish import PublishError
    from contentcuration.tests.publishing import stored_file

    channel, _ = sample
    staging = tree.create_root(
        title="staging", kind_id="topic", node_id=channel.id, content_id=channel.id, complete=True
    )
    (staged,) = build_tree(staging, [("document", [], {"complete": True, "title": "Staged document"})])
    stored_file(staged, b"%PDF staged", "pdf", "document")
    Channel.objects.filter(pk=channel.pk).update(staging_tree=staging)

    with pytest.raises(PublishError, match="draft"):
        publish_channel(channel_id=channel.id, user=owner, use_staging_tree=True)
    publish_channel(channel_id=channel.id, user=owner, draft=True, use_staging_tree=True)

    with open_export(storage.database_key(channel.id, "next")) as conn:
        titles = {r[0] for r in conn.execute("SELECT title FROM content_contentnode WHERE kind != 'topic'")}
    assert titles == {"Staged document"}
    assert Channel.objects.get(pk=channel.pk).version == 0
