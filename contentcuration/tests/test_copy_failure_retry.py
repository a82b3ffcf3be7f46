"""A copy that fails leaves nothing behind and is retried by sending the COPIED change again
(with a new rev); tests inject the failure with ``manage.py inject_fault copy``, which only
test settings allow (contentcuration/faults.py, docs/editor-api.md)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from contentcuration import faults, tree
from contentcuration.models import ContentNode, new_hex_id
from contentcuration.models import change_types as c
from contentcuration.tests.factories import build_tree
from contentcuration.tests.sync_helpers import change, client_for, errors_by_rev, post_sync
from contentcuration.tests.test_deployment import REAL_SECRET, controlled_env, run_manage


@pytest.fixture(autouse=True)
def no_armed_faults():
    faults.disarm("copy")
    yield
    faults.disarm("copy")


@pytest.fixture
def folder_of_10(channel):
    return build_tree(channel.main_tree, [("topic", ["video"] * 10, {"title": "Unit 1"})])[0]


def duplicate(channel, source, key: str) -> dict:
    """The COPIED change "Make a copy" sends: right after the source, a fresh id."""
    return change(
        c.COPIED, "contentnode", key, channel_id=channel.pk, from_key=source.pk, target=source.pk, position="right"
    )


def test_an_injected_copy_failure_fails_the_change_and_leaves_nothing(owner, channel, folder_of_10):
    call_command("inject_fault", "copy")
    before = ContentNode.objects.filter(tree_id=channel.main_tree.tree_id).count()
    key = new_hex_id()
    response = post_sync(client_for(owner), [duplicate(channel, folder_of_10, key)], channel_revs={channel.pk: 0})
    assert [e["errors"] for e in response["errors"]] == [["The copy failed (a fault injected by a test)."]]
    assert not response["successes"]
    assert not ContentNode.objects.filter(pk=key).exists()
    assert ContentNode.objects.filter(tree_id=channel.main_tree.tree_id).count() == before
    assert tree.find_tree_error(channel.main_tree.tree_id) is None


def test_resending_the_failed_copy_with_a_new_rev_copies_the_folder(owner, channel, folder_of_10):
    call_command("inject_fault", "copy")
    client = client_for(owner)
    key = new_hex_id()
    failed = post_sync(client, [duplicate(channel, folder_of_10, key)], channel_revs={channel.pk: 0})
    assert failed["errors"]

    item = duplicate(channel, folder_of_10, key)
    retry = post_sync(client, [item], channel_revs={channel.pk: 0})
    assert errors_by_rev(retry, [item]) == {item["rev"]: None}
    copy = ContentNode.objects.get(pk=key)
    assert copy.title == "Unit 1" and copy.get_descendant_count() == 10
    assert copy.get_previous_sibling() == folder_of_10
    status = [e["mods"] for e in retry["changes"] if e["key"] == key]
    assert status == [{c.COPYING_STATUS: "SUCCESS", "node_id": copy.node_id}]


def test_a_fault_fails_only_as_many_copies_as_it_was_armed_for(owner, channel, folder_of_10):
    call_command("inject_fault", "copy", "--times", "2")
    client = client_for(owner)
    outcomes = []
    for _ in range(3):
        item = duplicate(channel, folder_of_10, new_hex_id())
        response = post_sync(client, [item], channel_revs={channel.pk: 0})
        outcomes.append(errors_by_rev(response, [item])[item["rev"]] is not None)
    assert outcomes == [True, True, False]


def test_fault_injection_is_refused_without_test_settings(settings):
    settings.FAULT_INJECTION_DIR = None
    with pytest.raises(CommandError, match="Fault injection is off"):
        call_command("inject_fault", "copy")
    assert faults.take("copy") is False


def test_production_settings_cannot_arm_a_fault(tmp_path):
    env = controlled_env(
        DJANGO_SETTINGS_MODULE="contentcuration.settings.production",
        SECRET_KEY=REAL_SECRET,
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        DATA_DIR=str(tmp_path),
    )
    result = run_manage("inject_fault", "copy", env=env)
    assert result.returncode != 0 and "Fault injection is off" in result.stderr, result.stderr
    assert not list(tmp_path.rglob("copy.*"))


@pytest.mark.parametrize("position", ["left", "right"])
def test_a_folder_is_duplicated_beside_itself(owner, channel, folder_of_10, position):
    key = new_hex_id()
    item = change(
        c.COPIED, "contentnode", key, channel_id=channel.pk, from_key=folder_of_10.pk, target=folder_of_10.pk,
        position=position,
    )  # fmt: skip
    assert not post_sync(client_for(owner), [item])["errors"]
    copy = ContentNode.objects.get(pk=key)
    sibling = copy.get_next_sibling() if position == "left" else copy.get_previous_sibling()
    assert sibling == folder_of_10 and copy.get_descendant_count() == 10
    assert tree.find_tree_error(channel.main_tree.tree_id) is None


@pytest.mark.parametrize("position", ["left", "right", "last-child"])
def test_a_folder_is_not_copied_beside_or_under_its_own_descendant(owner, channel, folder_of_10, position):
    child = folder_of_10.get_children().first()
    item = change(
        c.COPIED, "contentnode", new_hex_id(), channel_id=channel.pk, from_key=folder_of_10.pk, target=child.pk,
        position=position,
    )  # fmt: skip
    assert post_sync(client_for(owner), [item])["errors"]
