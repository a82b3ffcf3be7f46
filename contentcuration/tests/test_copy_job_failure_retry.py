"""A copy too large to apply inline runs as a job on a real worker: an injected failure
reaches watchers as ``__COPYING_STATUS: FAILED`` (the editor's Retry), and the same COPIED
change sent again (a new rev) queues a new job that copies."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from contentcuration import faults
from contentcuration.models import Change, ContentNode, new_hex_id
from contentcuration.models import change_types as c
from contentcuration.tests.factories import build_tree
from contentcuration.tests.jobs_helpers import wait_for
from contentcuration.tests.sync_helpers import change, client_for, post_sync

pytestmark = pytest.mark.django_db(transaction=True)


def copy_status(key: str) -> str | None:
    last = (
        Change.objects.filter(table="contentnode", kwargs__key=key, kwargs__mods__has_key=c.COPYING_STATUS)
        .order_by("server_rev")
        .last()
    )
    return last.kwargs["mods"][c.COPYING_STATUS] if last else None


def test_a_failed_copy_job_announces_failed_and_its_retry_copies(celery_worker, owner, channel, monkeypatch):
    from contentcuration.viewsets.sync.handlers import contentnode_changes

    monkeypatch.setattr(contentnode_changes, "COPY_INLINE_LIMIT", 3)  # 11 nodes: a job
    folder = build_tree(channel.main_tree, [("topic", ["video"] * 10, {"title": "Unit 1"})])[0]
    faults.disarm("copy")
    call_command("inject_fault", "copy")
    client = client_for(owner)
    key = new_hex_id()

    def send() -> str:
        item = change(
            c.COPIED, "contentnode", key, channel_id=channel.pk, from_key=folder.pk, target=folder.pk,
            position="right",
        )  # fmt: skip
        response = post_sync(client, [item], channel_revs={channel.pk: 0})
        assert not response["errors"], response["errors"]  # accepted: the job runs later
        echoes = [e["mods"] for e in response["changes"] if e["key"] == key and c.TASK_ID in e["mods"]]
        return echoes[-1][c.TASK_ID]

    first = send()
    assert wait_for(first, {"SUCCESS", "FAILURE"}) == "FAILURE"
    assert copy_status(key) == "FAILED" and not ContentNode.objects.filter(pk=key).exists()

    second = send()
    assert second != first
    assert wait_for(second, {"SUCCESS", "FAILURE"}) == "SUCCESS"
    assert copy_status(key) == "SUCCESS"
    copy = ContentNode.objects.get(pk=key)
    assert copy.get_descendant_count() == 10 and copy.get_previous_sibling() == folder
