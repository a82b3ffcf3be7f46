"""Editing nodes: ``update_nodes``, the one path for changing a node's values, used by the sync
``contentnode`` handler (UPDATED and UPDATED_DESCENDANTS) and by the Django admin.

A batch costs a fixed number of queries: one read of the nodes, one UPDATE per set of fields
written, the tag writes, the completeness reads (``completeness.incomplete_reasons``) and one
UPDATE per verdict. An edit to a tracked field marks the node changed (the next publish
carries it); completeness is the server's verdict, recomputed for every edited node.

``record_changes``: the sync endpoint logs the client's own change and echoes the verdicts
itself, so its handler passes False; the admin lets the function record the same UPDATED
change and the same ``complete`` changes, so publish and watchers see an admin edit as they
see a browser's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from contentcuration.changes import record_server_changes
from contentcuration.db.bulk import update_fields
from contentcuration.errors import DomainError, Invalid, NotFound
from contentcuration.models import ContentNode, ContentTag, User
from contentcuration.models.change_types import CONTENTNODE

from .completeness import incomplete_reasons
from .node_values import WRITABLE, apply_values
from .reference import reference_data


@dataclass(frozen=True)
class NodeUpdate:
    """New values for one node, named as the APIs name them (``node_values``), already folded
    (label and tag maps ``{id: add?}``, nested JSON); ``channel_id`` is where the change is
    logged."""

    node_id: str
    values: Mapping[str, Any]
    channel_id: str | None = None


@dataclass
class UpdateOutcome:
    """Per update, in order: None (applied) or the DomainError refusing it; the nodes
    whose ``complete`` verdict changed, with the new value; and every written node's
    incomplete reasons (``[]``: complete)."""

    errors: list[DomainError | None]
    complete: dict[str, bool] = field(default_factory=dict)
    reasons: dict[str, list[str]] = field(default_factory=dict)


def _clone(node: ContentNode) -> ContentNode:
    """A cheap shallow copy (copy.copy of a model instance goes through pickling hooks)."""
    clone = ContentNode.__new__(ContentNode)
    clone.__dict__.update(node.__dict__)
    return clone


@transaction.atomic
def update_nodes(
    *,
    user: User,
    updates: Sequence[NodeUpdate],
    record_changes: bool = True,
    keep_kind: bool = False,
) -> UpdateOutcome:
    """Apply ``updates`` to nodes ``user`` may edit, in order.

    Several updates to one node are written once, in their final state; a refused update
    (NotFound: not a node the user edits; Invalid naming each bad field) leaves no trace for
    the next one to the same node. ``keep_kind`` drops ``kind`` from the values (a subtree
    edit never changes kinds). Unknown names are ignored. The writes are atomic; should the
    database refuse the batch, each update is written in its own savepoint and only the
    refused ones fail.
    """
    outcome = UpdateOutcome(errors=[None] * len(updates))
    nodes = {n.pk: n for n in ContentNode.objects.editable_by(user).filter(pk__in={u.node_id for u in updates})}
    now, ref = timezone.now(), reference_data()
    ready: list[tuple[int, ContentNode, set[str], dict[str, bool] | None]] = []
    for index, update in enumerate(updates):
        node = nodes.get(update.node_id)
        if node is None:
            outcome.errors[index] = NotFound("Not found")
            continue
        # A shallow copy: a refused update must leave no trace for the next one to the node
        # (apply_values replaces JSON values, never mutates them in place).
        candidate = _clone(node)
        values = {k: v for k, v in update.values.items() if k in WRITABLE and not (keep_kind and k == "kind")}
        try:
            fields, tags = apply_values(candidate, values, creating=False, now=now, ref=ref)
        except Invalid as exc:
            outcome.errors[index] = exc
            continue
        nodes[update.node_id] = candidate
        ready.append((index, candidate, fields, tags))
    if not ready:
        return outcome
    try:
        with transaction.atomic():
            _write(ready)
    except DatabaseError:
        for item in ready:
            try:
                with transaction.atomic():
                    _write([item])
            except DatabaseError as exc:
                outcome.errors[item[0]] = Invalid(str(exc).strip()[:500] or exc.__class__.__name__)
    written = {node.pk: node for index, node, _, _ in ready if outcome.errors[index] is None}
    outcome.complete, outcome.reasons = _settle_complete(list(written.values()))
    if record_changes:
        channel_of = {u.node_id: u.channel_id for u in updates}
        entries = [
            dict(
                table=CONTENTNODE,
                key=updates[index].node_id,
                mods=dict(updates[index].values),
                channel_id=updates[index].channel_id,
                created_by_id=user.pk,
            )
            for index, _, _, _ in ready
            if outcome.errors[index] is None
        ]
        entries += [
            dict(
                table=CONTENTNODE,
                key=node_id,
                mods=mods,
                channel_id=channel_of.get(node_id),
                created_by_id=user.pk,
            )
            for node_id, mods in verdict_mods(outcome.complete, outcome.reasons, incomplete_too=True).items()
        ]
        record_server_changes(entries)
    return outcome


def _write(ready: list[tuple[int, ContentNode, set[str], dict[str, bool] | None]]) -> None:
    """The final state of each node, one UPDATE per set of fields, then the tags."""
    final: dict[str, tuple[ContentNode, set[str]]] = {}
    tag_ops: dict[str, dict[str, bool]] = defaultdict(dict)
    for _, node, fields, tags in ready:
        previous = final.get(node.pk)
        final[node.pk] = (node, (previous[1] if previous else set()) | fields)
        if tags:
            tag_ops[node.pk].update(tags)
    by_fields: dict[frozenset[str], list[ContentNode]] = defaultdict(list)
    for node, fields in final.values():
        by_fields[frozenset(fields)].append(node)
    for names, group in by_fields.items():
        update_fields(ContentNode, group, sorted(names))
    set_tags(dict(tag_ops), replace=False)


def verdict_mods(
    complete: dict[str, bool], reasons: dict[str, list[str]], *, incomplete_too: bool
) -> dict[str, dict[str, Any]]:
    """The server's verdicts to announce after a write, per node: ``{"complete",
    "incomplete_reasons"}`` (the reasons as reads give them, so the editor need not read the
    node again) for each node whose ``complete`` flipped and, ``incomplete_too``, each node
    that stays incomplete (its reasons may have changed). A node that stays complete is not
    announced: its reasons stay ``[]``."""
    flagged = dict(complete)
    if incomplete_too:
        flagged.update({pk: False for pk, why in reasons.items() if why and pk not in complete})
    return {pk: {"complete": value, "incomplete_reasons": reasons.get(pk, [])} for pk, value in flagged.items()}


def _settle_complete(nodes: list[ContentNode]) -> tuple[dict[str, bool], dict[str, list[str]]]:
    """Completeness is the server's verdict: recompute it for every node this write touched,
    whatever a client claimed, and store it where it differs. Returns what changed, and
    every node's reasons."""
    if not nodes:
        return {}, {}
    verdicts = incomplete_reasons(nodes)
    changed: dict[str, bool] = {}
    for value in (True, False):
        differing = [n.pk for n in nodes if (not verdicts[n.pk]) is value and n.complete is not value]
        if differing:
            ContentNode.objects.filter(pk__in=differing).update(complete=value)
            changed.update(dict.fromkeys(differing, value))
    return changed, verdicts


def set_tags(tag_ops: dict[str, dict[str, bool]], *, replace: bool) -> None:
    """Apply ``{node_id: {tag: add?}}`` with one query per step, not per node; ``replace``
    first removes every tag of those nodes (a created node's tags are exactly those given)."""
    if not tag_ops:
        return
    names = {name for ops in tag_ops.values() for name, add in ops.items() if add}
    existing = dict(ContentTag.objects.filter(channel=None, tag_name__in=names).values_list("tag_name", "pk"))
    missing = names - set(existing)
    if missing:
        ContentTag.objects.bulk_create([ContentTag(tag_name=n) for n in missing], ignore_conflicts=True)
        existing = dict(ContentTag.objects.filter(channel=None, tag_name__in=names).values_list("tag_name", "pk"))
    through = ContentNode.tags.through
    if replace:
        through.objects.filter(contentnode_id__in=list(tag_ops)).delete()
    removals = [(node_id, name) for node_id, ops in tag_ops.items() for name, add in ops.items() if not add]
    if removals:
        removed_tags = ContentTag.objects.filter(tag_name__in={n for _, n in removals})
        for node_id, name in removals:
            through.objects.filter(contentnode_id=node_id, contenttag__in=removed_tags.filter(tag_name=name)).delete()
    rows = [
        through(contentnode_id=node_id, contenttag_id=existing[name])
        for node_id, ops in tag_ops.items()
        for name, add in ops.items()
        if add
    ]
    through.objects.bulk_create(rows, ignore_conflicts=True)
