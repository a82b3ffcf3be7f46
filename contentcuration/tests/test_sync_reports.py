"""Sync reports (issue 15): each sync from sources keeps the list of nodes it changed and
which fields, read later from GET /api/channel/<id>/sync_reports (latest first)."""

from __future__ import annotations

import pytest

from contentcuration.channels import source_sync
from contentcuration.jobs import JobCancelled
from contentcuration.models import ContentNode, SyncReport
from contentcuration.tests import test_sync_synced as synced
from contentcuration.tests.sync_helpers import client_for
from contentcuration.tests.test_sync_synced import run_sync, source_of

# The source channel, its import into ``channel`` and the source's later edits, shared
# with the SYNCED tests.
source, imported, edited = synced.source, synced.imported, synced.edited

ALL = dict.fromkeys(source_sync.SYNC_OPTION_NAMES, True)


def reports(user, channel, **params) -> list[dict]:
    response = client_for(user).get(f"/api/channel/{channel.pk}/sync_reports", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_resource_renamed_in_its_source_is_listed_in_the_sync_report(
    owner, channel, source, imported, django_capture_on_commit_callbacks
):
    ContentNode.objects.filter(pk=source_of("Document", source).pk).update(title="Document (renamed)")

    run_sync(owner, channel, django_capture_on_commit_callbacks, titles_and_descriptions=True)

    (report,) = reports(owner, channel)
    document = imported["Document"]
    assert report["status"] == "finished" and report["synced"] == 1 and report["created_by_id"] == owner.pk
    assert report["options"] == {**dict.fromkeys(ALL, False), "titles_and_descriptions": True}
    assert report["nodes"] == [
        {
            "id": document.pk,
            "node_id": document.node_id,
            "title": "Document (renamed)",
            "kind": "document",
            "parent": document.parent_id,
            "fields": ["title"],
        }
    ]


def test_the_report_names_every_group_that_changed(
    owner, channel, edited, imported, django_capture_on_commit_callbacks
):
    run_sync(owner, channel, django_capture_on_commit_callbacks, **ALL)

    (report,) = reports(owner, channel)
    fields = {entry["id"]: entry["fields"] for entry in report["nodes"]}
    assert fields[imported["Video"].pk] == ["categories", "description", "files", "license", "tags", "title"]
    assert fields[imported["Exercise"].pk] == ["questions", "title"]
    assert imported["Document"].pk not in fields  # unchanged in the source


def test_a_cancelled_sync_keeps_the_report_of_what_it_did(owner, channel, source, imported):
    ContentNode.objects.filter(tree_id=source.main_tree.tree_id, parent__isnull=False).exclude(title="Topic").update(
        description="Changed"
    )
    calls = []

    def progress(percent):
        calls.append(percent)
        if len(calls) == 2:  # 0 %, then stop after the first batch (topic + video)
            raise JobCancelled("stop")

    with pytest.raises(JobCancelled):
        source_sync.sync_channel_from_sources(
            channel_id=channel.pk,
            options=source_sync.SyncOptions(titles_and_descriptions=True),
            actor_id=owner.pk,
            progress=progress,
            batch_size=2,
        )

    report = SyncReport.objects.get(channel=channel)
    assert report.status == "cancelled" and report.synced == 1
    assert [n["title"] for n in report.nodes] == ["Video"] and report.nodes[0]["fields"] == ["description"]


def test_only_the_latest_reports_are_kept_and_listed_newest_first(owner, channel, source, imported, monkeypatch):
    monkeypatch.setattr(SyncReport, "KEPT_PER_CHANNEL", 2)
    video = source_of("Video", source)
    for title in ("One", "Two", "Three"):
        ContentNode.objects.filter(pk=video.pk).update(title=title)
        source_sync.sync_channel_from_sources(
            channel_id=channel.pk, options=source_sync.SyncOptions(titles_and_descriptions=True), actor_id=owner.pk
        )

    listed = reports(owner, channel)
    assert [r["nodes"][0]["title"] for r in listed] == ["Three", "Two"]
    assert [r["nodes"][0]["title"] for r in reports(owner, channel, limit=1)] == ["Three"]
    assert SyncReport.objects.filter(channel=channel).count() == 2
