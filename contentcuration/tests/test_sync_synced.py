"""SYNCED through /api/sync/: imported nodes pull updates from their source channel.

Most tests run the queued job inline (eager Celery, as test_sync_channel does); failures and
cancelling run on a real worker, where the sync ``tasks`` list reports them.
"""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contentcuration import jobs, tree
from contentcuration.channels import source_sync
from contentcuration.models import (
    AssessmentItem,
    Change,
    Channel,
    ContentNode,
    ContentTag,
    File,
    License,
    TaskMetadata,
    new_hex_id,
)
from contentcuration.models import change_types as c
from contentcuration.tests.factories import build_tree, make_assessment_item, make_channel, make_file
from contentcuration.tests.jobs_helpers import eager_celery, wait_for
from contentcuration.tests.sync_helpers import change, client_for, errors_by_rev, post_sync

FLAGS = ("titles_and_descriptions", "resource_details", "files", "assessment_items")
MASTERY = {"options": {"completion_criteria": {"model": "mastery", "threshold": {"mastery_model": "do_all"}}}}


def synced(channel, **flags) -> dict:
    return change(c.SYNCED, "channel", channel.pk, channel_id=channel.pk, **flags)


def _tag(node: ContentNode, name: str) -> None:
    tag, _ = ContentTag.objects.get_or_create(tag_name=name, channel=None)
    node.tags.add(tag)


def _licensed():
    return {"complete": True, "license_id": License.objects.get(license_name="CC BY").pk, "copyright_holder": "Ada"}


@pytest.fixture
def source(owner):
    """A source channel with a topic holding a video, an exercise and a document, all complete."""
    channel = make_channel(owner=owner, name="Source")
    topic, video, exercise, document = build_tree(
        channel.main_tree,
        [
            (
                "topic",
                [
                    ("video", [], {**_licensed(), "title": "Video", "categories": {"math": True}}),
                    ("exercise", [], {**_licensed(), "title": "Exercise", "extra_fields": MASTERY}),
                    ("document", [], {**_licensed(), "title": "Document"}),
                ],
                {"title": "Topic", "complete": True},
            )
        ],
    )
    make_file(contentnode=video, data=b"video v1", ext="mp4", preset_id="high_res_video")
    make_file(contentnode=video, data=b"WEBVTT en", ext="vtt", preset_id="video_subtitle", language_id="en")
    make_file(contentnode=document, data=b"doc v1")
    _tag(video, "algebra")
    for n, question in enumerate(("keep", "edit", "remove"), start=1):
        item = make_assessment_item(contentnode=exercise, question=question, order=n, assessment_id=f"{n}" * 32)
        make_file(assessment_item=item, contentnode=None, data=question.encode(), ext="png", preset_id="exercise_image")
    return channel


@pytest.fixture
def imported(source, channel):
    """The source's topic copied into ``channel``; returns {title: imported node}."""
    topic = ContentNode.objects.get(tree_id=source.main_tree.tree_id, title="Topic")
    tree.copy_subtree(source=topic, target=channel.main_tree)
    nodes = {n.title: n for n in ContentNode.objects.filter(tree_id=channel.main_tree.tree_id, parent__isnull=False)}
    ContentNode.objects.filter(pk__in=[n.pk for n in nodes.values()]).update(changed=False, complete=True)
    return nodes


def source_of(title: str, source) -> ContentNode:
    return ContentNode.objects.get(tree_id=source.main_tree.tree_id, title=title)


def source_for(node: ContentNode) -> ContentNode:
    main_tree = Channel.objects.get(pk=node.original_channel_id).main_tree
    return ContentNode.objects.get(tree_id=main_tree.tree_id, node_id=node.original_source_node_id)


@pytest.fixture
def edited(source, imported):
    """Edit every group of data in the source after the import."""
    video, exercise = source_of("Video", source), source_of("Exercise", source)
    cc_by_sa = License.objects.get(license_name="CC BY-SA")
    ContentNode.objects.filter(pk=video.pk).update(
        title="Video (new)", description="Now described", license=cc_by_sa, categories={"math": True, "science": True}
    )
    _tag(video, "geometry")
    File.objects.filter(contentnode=video, preset_id="high_res_video").delete()
    make_file(contentnode=video, data=b"video v2", ext="mp4", preset_id="high_res_video")
    make_file(contentnode=video, data=b"WEBVTT fr", ext="vtt", preset_id="video_subtitle", language_id="fr")
    ContentNode.objects.filter(pk=exercise.pk).update(title="Exercise (new)")
    items = {i.question: i for i in AssessmentItem.objects.filter(contentnode=exercise)}
    AssessmentItem.objects.filter(pk=items["edit"].pk).update(question="edited")
    File.objects.filter(assessment_item=items["edit"]).delete()
    make_file(assessment_item=items["edit"], contentnode=None, data=b"edited", ext="png", preset_id="exercise_image")
    items["remove"].delete()
    added = make_assessment_item(contentnode=exercise, question="added", order=4, assessment_id="4" * 32)
    make_file(assessment_item=added, contentnode=None, data=b"added", ext="png", preset_id="exercise_image")
    return source


def groups(node: ContentNode) -> dict:
    """What each flag governs, in a form comparable between a source node and its copy."""
    node = ContentNode.objects.get(pk=node.pk)
    items = AssessmentItem.objects.filter(contentnode=node).order_by("assessment_id")
    return {
        "titles_and_descriptions": (node.title, node.description),
        "resource_details": (
            node.license_id,
            node.copyright_holder,
            node.categories,
            node.extra_fields,
            sorted(node.tags.values_list("tag_name", flat=True)),
        ),
        "files": sorted(File.objects.filter(contentnode=node).values_list("preset_id", "language_id", "checksum")),
        "assessment_items": [
            (i.assessment_id, i.question, sorted(i.files.values_list("checksum", flat=True))) for i in items
        ],
    }


def last_rev() -> int:
    return max([0, *Change.objects.values_list("server_rev", flat=True)])


def run_sync(user, channel, capture, **flags) -> dict:
    with eager_celery(), capture(execute=True):
        return post_sync(client_for(user), [synced(channel, **flags)], channel_revs={channel.pk: 0})


def test_an_imported_node_remembers_its_source(source, imported, channel):
    video = imported["Video"]
    original = source_of("Video", source)
    assert (video.original_channel_id, video.original_source_node_id) == (source.pk, original.node_id)
    assert video.node_id != original.node_id and video.content_id == original.content_id


FLAG_CASES = [{name: True} for name in FLAGS] + [dict.fromkeys(FLAGS, True)]


@pytest.mark.parametrize("flags", FLAG_CASES, ids=["titles", "details", "files", "items", "all"])
def test_only_the_flagged_data_is_pulled_from_the_source(
    owner, channel, edited, imported, flags, django_capture_on_commit_callbacks
):
    before = {title: groups(node) for title, node in imported.items()}

    response = run_sync(owner, channel, django_capture_on_commit_callbacks, **flags)

    assert not response["errors"]
    for title, node in imported.items():
        now, wanted = groups(node), groups(source_for(node))
        for group in FLAGS:
            expected = wanted[group] if flags.get(group) else before[title][group]
            assert now[group] == expected, (title, group)
    # The source changed on every flag, so every flag changes something.
    assert any(groups(n) != before[t] for t, n in imported.items())


def test_synced_files_point_at_the_same_stored_objects(
    owner, channel, edited, imported, django_capture_on_commit_callbacks
):
    run_sync(owner, channel, django_capture_on_commit_callbacks, files=True, assessment_items=True)
    for title in ("Video", "Exercise"):
        mine = File.objects.filter(contentnode=imported[title]).values_list("checksum", "file_on_disk")
        theirs = File.objects.filter(contentnode=source_for(imported[title])).values_list("checksum", "file_on_disk")
        assert sorted(mine) == sorted(theirs)
    # New rows, not the source's rows moved over.
    assert File.objects.filter(contentnode=source_of("Video (new)", edited)).count() == 3


def test_a_subtitle_in_an_unchanged_language_keeps_its_file(
    owner, channel, edited, imported, django_capture_on_commit_callbacks
):
    english = File.objects.get(contentnode=imported["Video"], preset_id="video_subtitle", language_id="en")
    run_sync(owner, channel, django_capture_on_commit_callbacks, files=True)
    subtitles = File.objects.filter(contentnode=imported["Video"], preset_id="video_subtitle")
    assert sorted(subtitles.values_list("language_id", flat=True)) == ["en", "fr"]
    assert subtitles.filter(pk=english.pk).exists()


def test_only_changed_nodes_are_marked_changed(owner, channel, edited, imported, django_capture_on_commit_callbacks):
    run_sync(owner, channel, django_capture_on_commit_callbacks, titles_and_descriptions=True)
    changed = dict(ContentNode.objects.filter(pk__in=[n.pk for n in imported.values()]).values_list("title", "changed"))
    assert changed == {"Video (new)": True, "Exercise (new)": True, "Document": False, "Topic": False}


def test_watchers_receive_one_update_per_changed_node(
    owner, editor, channel, edited, imported, django_capture_on_commit_callbacks
):
    mark = last_rev()
    run_sync(owner, channel, django_capture_on_commit_callbacks, titles_and_descriptions=True, resource_details=True)

    seen = post_sync(client_for(editor), channel_revs={channel.pk: mark})["changes"]
    node_updates = {ch["key"]: ch["mods"] for ch in seen if ch["table"] == "contentnode"}
    video = imported["Video"]
    assert set(node_updates) == {video.pk, imported["Exercise"].pk}
    assert node_updates[video.pk]["title"] == "Video (new)"
    assert node_updates[video.pk]["license"] == License.objects.get(license_name="CC BY-SA").pk
    assert node_updates[video.pk]["tags"] == {"algebra": True, "geometry": True}
    assert node_updates[video.pk]["categories"] == {"math": True, "science": True}
    assert "author" not in node_updates[video.pk]  # unchanged fields are not announced
    task_updates = [ch["mods"] for ch in seen if ch["table"] == "channel" and c.TASK_ID in ch.get("mods", {})]
    assert task_updates[0][c.TASK_ID] and task_updates[-1] == {c.TASK_ID: None}


def test_file_and_question_changes_are_announced(
    owner, editor, channel, edited, imported, django_capture_on_commit_callbacks
):
    mark = last_rev()
    run_sync(owner, channel, django_capture_on_commit_callbacks, files=True, assessment_items=True)
    seen = post_sync(client_for(editor), channel_revs={channel.pk: mark})["changes"]
    exercise = imported["Exercise"].pk
    items = {(ch["type"], tuple(ch["key"])) for ch in seen if ch["table"] == "assessmentitem"}
    assert items == {
        (c.DELETED, (exercise, "3" * 32)),
        (c.CREATED, (exercise, "2" * 32)),
        (c.CREATED, (exercise, "4" * 32)),
    }
    created_files = [ch["obj"] for ch in seen if ch["table"] == "file" and ch["type"] == c.CREATED]
    assert {f["preset"] for f in created_files if f["contentnode"] == imported["Video"].pk} == {
        "high_res_video",
        "video_subtitle",
    }


def test_syncing_again_changes_nothing(owner, channel, edited, imported, django_capture_on_commit_callbacks):
    run_sync(owner, channel, django_capture_on_commit_callbacks, **dict.fromkeys(FLAGS, True))
    mark = last_rev()
    after = {t: groups(n) for t, n in imported.items()}
    run_sync(owner, channel, django_capture_on_commit_callbacks, **dict.fromkeys(FLAGS, True))
    assert {t: groups(n) for t, n in imported.items()} == after
    assert not Change.objects.filter(server_rev__gt=mark, table__in=["contentnode", "file", "assessmentitem"]).exists()


def test_small_batches_give_the_same_result(
    owner, channel, edited, imported, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(source_sync, "BATCH_SIZE", 1)
    run_sync(owner, channel, django_capture_on_commit_callbacks, **dict.fromkeys(FLAGS, True))
    for node in imported.values():
        assert groups(node) == groups(source_for(node))


def test_an_incomplete_source_is_skipped(owner, channel, edited, imported, django_capture_on_commit_callbacks):
    ContentNode.objects.filter(pk=source_of("Video (new)", edited).pk).update(complete=False)
    run_sync(owner, channel, django_capture_on_commit_callbacks, titles_and_descriptions=True)
    titles = set(ContentNode.objects.filter(pk__in=[n.pk for n in imported.values()]).values_list("title", flat=True))
    assert titles == {"Video", "Exercise (new)", "Document", "Topic"}


def test_a_node_whose_source_node_id_is_gone_is_matched_by_content_id(
    owner, channel, edited, imported, django_capture_on_commit_callbacks
):
    ContentNode.objects.filter(pk=imported["Video"].pk).update(original_source_node_id=new_hex_id())
    run_sync(owner, channel, django_capture_on_commit_callbacks, titles_and_descriptions=True)
    assert ContentNode.objects.get(pk=imported["Video"].pk).title == "Video (new)"


def test_a_node_made_complete_by_the_sync_is_marked_complete(
    owner, editor, channel, source, imported, django_capture_on_commit_callbacks
):
    document = imported["Document"]
    File.objects.filter(contentnode=document).delete()
    ContentNode.objects.filter(pk=document.pk).update(complete=False)
    mark = last_rev()
    run_sync(owner, channel, django_capture_on_commit_callbacks, files=True)
    assert ContentNode.objects.get(pk=document.pk).complete is True
    seen = post_sync(client_for(editor), channel_revs={channel.pk: mark})["changes"]
    assert any(ch["key"] == document.pk and ch["mods"].get("complete") is True for ch in seen)


def test_the_job_echoes_its_task_id_and_reaches_100(
    owner, channel, edited, imported, django_capture_on_commit_callbacks
):
    item = synced(channel, titles_and_descriptions=True)
    with eager_celery(), django_capture_on_commit_callbacks(execute=True):
        response = post_sync(client_for(owner), [item], channel_revs={channel.pk: 0})
    assert errors_by_rev(response, [item]) == {item["rev"]: None}
    metadata = TaskMetadata.objects.get(channel_id=channel.pk)
    assert metadata.task_name == "sync_channel_task" and metadata.progress == 100
    echoes = [
        ch["mods"]
        for ch in response["changes"] + response["successes"]
        if ch["table"] == "channel" and ch.get("mods", {}).get(c.TASK_ID)
    ]
    assert echoes == [{c.TASK_ID: metadata.task_id}]


def test_the_same_sync_requested_twice_while_queued_is_one_job(
    owner, channel, imported, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        for _ in range(2):
            post_sync(client_for(owner), [synced(channel, files=True)])
        post_sync(client_for(owner), [synced(channel, files=True, assessment_items=True)])
    assert TaskMetadata.objects.filter(channel_id=channel.pk).count() == 2


@pytest.mark.parametrize("persona", ["viewer", "stranger"])
def test_only_editors_can_sync(request, persona, channel, imported):
    user = request.getfixturevalue(persona)
    item = synced(channel, titles_and_descriptions=True)
    response = post_sync(client_for(user), [item])
    assert [d["rev"] for d in response["disallowed"]] == [item["rev"]]
    assert not TaskMetadata.objects.filter(channel_id=channel.pk).exists()


def test_a_flag_that_is_not_a_boolean_is_an_error_naming_it(owner, channel, imported):
    item = synced(channel, titles_and_descriptions=True, files="yes")
    response = post_sync(client_for(owner), [item])
    assert errors_by_rev(response, [item]) == {item["rev"]: {"files": ["Must be a valid boolean."]}}
    assert not TaskMetadata.objects.exists()


def test_syncing_a_deleted_channel_is_not_found(owner, channel, imported):
    Channel.objects.filter(pk=channel.pk).update(deleted=True)
    item = synced(channel, titles_and_descriptions=True)
    assert errors_by_rev(post_sync(client_for(owner), [item]), [item]) == {item["rev"]: ["Not found"]}


def test_missing_flags_sync_nothing(owner, channel, edited, imported, django_capture_on_commit_callbacks):
    before = {t: groups(n) for t, n in imported.items()}
    run_sync(owner, channel, django_capture_on_commit_callbacks)
    assert {t: groups(n) for t, n in imported.items()} == before
    assert TaskMetadata.objects.get(channel_id=channel.pk).progress == 100


def _queries_to_sync(owner, videos: int, *, retitle: bool = False) -> int:
    source = make_channel(owner=owner, name=f"Source of {videos}")
    topic = build_tree(source.main_tree, [("topic", ["video"] * videos)])[0]
    ContentNode.objects.filter(tree_id=source.main_tree.tree_id).update(complete=True)
    target = make_channel(owner=owner, name=f"Target of {videos}")
    tree.copy_subtree(source=topic, target=target.main_tree)
    if retitle:
        ContentNode.objects.filter(tree_id=source.main_tree.tree_id, kind_id="video").update(title="Retitled")
    with CaptureQueriesContext(connection) as queries:
        result = source_sync.sync_channel_from_sources(
            channel_id=target.pk, options=source_sync.SyncOptions(**dict.fromkeys(FLAGS, True))
        )
    assert result.imported == videos + 1 and result.synced == (videos if retitle else 0)
    return len(queries)


def test_reading_a_batch_costs_the_same_whatever_its_size(owner):
    assert _queries_to_sync(owner, 3) == _queries_to_sync(owner, 30)


def test_writing_and_announcing_a_batch_costs_the_same_whatever_its_size(owner):
    # Every changed node is announced, but with one INSERT per batch, not one per node.
    assert _queries_to_sync(owner, 3, retitle=True) == _queries_to_sync(owner, 30, retitle=True)


# --- on a real worker -------------------------------------------------------------------------


def _post_and_get_task(user, channel, **flags) -> str:
    response = post_sync(client_for(user), [synced(channel, **flags)], channel_revs={channel.pk: 0})
    assert not response["errors"], response["errors"]
    return TaskMetadata.objects.get(channel_id=channel.pk).task_id


@pytest.mark.django_db(transaction=True)
def test_a_channel_without_imported_content_fails_the_job_with_a_message(celery_worker, owner, channel):
    build_tree(channel.main_tree, ["video"])
    task_id = _post_and_get_task(owner, channel, titles_and_descriptions=True)

    assert wait_for(task_id, {"SUCCESS", "FAILURE"}) == "FAILURE"
    tasks = post_sync(client_for(owner), channel_revs={channel.pk: 0})["tasks"]
    assert [t["task_id"] for t in tasks] == [task_id]
    assert tasks[0]["status"] == "FAILURE"
    assert "The channel has no imported content to sync." in tasks[0]["traceback"]
    ends = Change.objects.filter(table="channel", channel_id=channel.pk, kwargs__mods__has_key=c.TASK_ID)
    assert ends.order_by("server_rev").last().kwargs["mods"] == {c.TASK_ID: None}


@pytest.mark.django_db(transaction=True)
def test_a_running_sync_stops_when_cancelled(celery_worker, owner, channel, monkeypatch):
    source = make_channel(owner=owner, name="Big source")
    topic = build_tree(source.main_tree, [("topic", ["video"] * 150, {"complete": True})])[0]
    ContentNode.objects.filter(tree_id=source.main_tree.tree_id).update(complete=True)
    tree.copy_subtree(source=topic, target=channel.main_tree)
    ContentNode.objects.filter(tree_id=source.main_tree.tree_id, parent=topic).update(title="Renamed")
    monkeypatch.setattr(source_sync, "BATCH_SIZE", 1)  # the worker runs in this process
    # Hold the job after its first committed batch until the cancel is in (no race with a
    # fast machine finishing all 150 batches first).
    first_batch, cancel_sent = threading.Event(), threading.Event()
    report = jobs.report_progress

    def report_and_pause(task_id, progress, **kwargs):
        if 0 < progress < 100 and not first_batch.is_set():
            first_batch.set()
            cancel_sent.wait(timeout=30)
        report(task_id, progress, **kwargs)

    monkeypatch.setattr(jobs, "report_progress", report_and_pause)

    task_id = _post_and_get_task(owner, channel, titles_and_descriptions=True)
    assert first_batch.wait(timeout=30)
    assert client_for(owner).post(f"/api/sync/tasks/{task_id}/cancel").status_code == 200
    cancel_sent.set()

    assert wait_for(task_id, {"SUCCESS", "FAILURE"}) == "FAILURE"
    assert TaskMetadata.objects.get(task_id=task_id).progress < 100
    copies = ContentNode.objects.filter(tree_id=channel.main_tree.tree_id, kind_id="video")
    assert copies.exclude(title="Renamed").exists()


def test_operators_can_sync_a_channel_from_the_command_line(channel, edited, imported):
    out = io.StringIO()
    call_command("sync_channel", channel.pk, "--titles-and-descriptions", stdout=out)
    assert "2 updated" in out.getvalue()
    assert ContentNode.objects.get(pk=imported["Video"].pk).title == "Video (new)"
    with pytest.raises(CommandError, match="no imported content"):
        call_command("sync_channel", edited.pk, "--all")
