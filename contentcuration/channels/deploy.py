"""DEPLOYED: a channel's staging tree becomes its main tree.

Used by the sync DEPLOYED change, by ``finish_channel`` when a chef runs with ``--deploy``
and by the Channel admin action; the adapters record the change clients see. The old main
tree is kept as ``previous_tree`` so a bad upload can be inspected; the tree that was
``previous_tree`` before is detached from the channel but not deleted (nothing is lost;
``garbage_collect`` removes detached trees after its grace period).

A re-run of a chef uploads a whole new tree with the same node ids. Deploying compares it with
the main tree it replaces: a node whose content, files, questions and place are the same
keeps the old node's ``changed`` / ``published`` flags, so after a re-run only what the chef
really changed reads as changed (and the channel is "unpublished" only if something did).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict

from django.db import transaction

from ..errors import Conflict
from ..models import AssessmentItem, Channel, ContentNode, File
from ..nodes.content_changes import content_changed


class DeployError(Conflict):
    """Nothing to deploy; the message is safe to show."""


@transaction.atomic
def deploy_channel(*, channel: Channel) -> Channel:
    """Make ``channel.staging_tree`` its main tree; returns the channel, re-read.

    Raises DeployError when there is nothing staged. Locks the channel row (so two deploys,
    or a deploy and a chef's finish_channel, run one after the other). Atomic: a failure
    leaves every tree where it was. Records no change: that is the caller's (the adapter's).
    """
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    staging_id, main_id = channel.staging_tree_id, channel.main_tree_id
    if not staging_id:
        raise DeployError(f"Channel {channel.pk} has no staged tree to deploy.")
    channel.previous_tree_id = main_id
    channel.main_tree_id = staging_id
    channel.staging_tree_id = None
    channel.save(update_fields=["previous_tree", "main_tree", "staging_tree"])
    # The deployed root must read as the channel (Kolibri uses its title and ids).
    ContentNode.objects.filter(pk=staging_id).update(title=channel.name, node_id=channel.pk, content_id=channel.pk)
    if main_id:
        carry_over_unchanged(new_root_id=staging_id, old_root_id=main_id)
    else:
        content_changed(node_ids=[staging_id], new_content=False)
    return channel


FINGERPRINT_FIELDS = (
    "title", "description", "kind_id", "license_id", "license_description", "copyright_holder",
    "language_id", "extra_fields", "author", "aggregator", "provider", "role_visibility",
    "grade_levels", "resource_types", "learning_activities", "accessibility_labels", "categories",
    "learner_needs", "suggested_duration", "content_id", "thumbnail_encoding",
)  # fmt: skip
UPDATE_BATCH = 1000


def _fingerprints(root_id: str) -> dict[str, tuple[str, str, bool, bool]]:
    """node_id -> (pk, fingerprint, changed, published) for every node of the tree of ``root_id``.

    Five queries whatever the size: nodes, node files, questions, question files (and the root).
    """
    tree_id = ContentNode.objects.values_list("tree_id", flat=True).get(pk=root_id)
    rows = list(
        ContentNode.objects.filter(tree_id=tree_id)
        .order_by("lft")
        .values("id", "node_id", "parent__node_id", "changed", "published", *FINGERPRINT_FIELDS)
    )
    files: dict[str, list] = defaultdict(list)
    for node, checksum, preset, language in File.objects.filter(contentnode__tree_id=tree_id).values_list(
        "contentnode_id", "checksum", "preset_id", "language_id"
    ):
        files[node].append((checksum, preset, language))
    questions: dict[str, list] = defaultdict(list)
    item_files: dict[int, list] = defaultdict(list)
    for item, checksum in File.objects.filter(assessment_item__contentnode__tree_id=tree_id).values_list(
        "assessment_item_id", "checksum"
    ):
        item_files[item].append(checksum)
    for item in AssessmentItem.objects.filter(contentnode__tree_id=tree_id, deleted=False).values(
        "id",
        "contentnode_id",
        "assessment_id",
        "type",
        "question",
        "answers",
        "hints",
        "raw_data",
        "order",
        "randomize",
    ):
        item_id = item.pop("id")
        questions[item.pop("contentnode_id")].append((item, sorted(item_files[item_id])))
    position: dict[str | None, int] = defaultdict(int)
    result = {}
    for row in rows:
        parent = row.pop("parent__node_id")
        position[parent] += 1
        payload = {
            **{name: row[name] for name in FINGERPRINT_FIELDS},
            "parent": parent,
            "position": position[parent],
            "files": sorted(files[row["id"]], key=str),
            "questions": sorted(questions[row["id"]], key=lambda q: q[0]["assessment_id"]),
        }
        digest = hashlib.md5(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
        result[row["node_id"]] = (row["id"], digest, row["changed"], row["published"])
    return result


def carry_over_unchanged(*, new_root_id: str, old_root_id: str) -> int:
    """Give each node of the new tree that equals its namesake (same node_id) in the old tree
    the old node's ``changed`` and ``published`` flags; every other node is changed (an
    edited node keeps ``published``: an older version of it was published).

    The new root is changed when any node was added, removed, moved or edited. Returns the
    number of nodes that differ. Runs in the caller's transaction (deploy_channel).
    """
    old, new = _fingerprints(old_root_id), _fingerprints(new_root_id)
    root_node_id = next(node_id for node_id, (pk, *_rest) in new.items() if pk == new_root_id)
    old_root_node_id = next(node_id for node_id, (pk, *_rest) in old.items() if pk == old_root_id)
    same: dict[tuple[bool, bool], list[str]] = defaultdict(list)
    differ: list[str] = []
    for node_id, (pk, digest, _changed, _published) in new.items():
        if node_id == root_node_id:
            continue
        match = old.get(node_id)
        if match is not None and match[1] == digest:
            same[(match[2], match[3])].append(pk)
        else:
            differ.append(pk)
            if match is not None:  # edited: changed, and still "published once" if it was
                same[(True, match[3])].append(pk)
    removed = set(old) - set(new) - {old_root_node_id}
    for (changed, published), pks in same.items():
        for start in range(0, len(pks), UPDATE_BATCH):
            ContentNode.objects.filter(pk__in=pks[start : start + UPDATE_BATCH]).update(
                changed=changed, published=published
            )
    old_root_changed = old[old_root_node_id][2]
    ContentNode.objects.filter(pk=new_root_id).update(
        changed=bool(differ or removed or old_root_changed or any(c for c, _ in same)),
        published=old[old_root_node_id][3],
    )
    return len(differ)
