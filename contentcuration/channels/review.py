"""Review changes since the last publish: what a publish now would bring, read from the
change log.

None of the anchors has this (issue 15). The log is the record of who changed what and when;
the tree only says that something changed. Reading the log (Change rows of the channel past
the last published version's ``change_rev``) gives, per node, whether it was added,
updated (which fields), moved or deleted, by whom and when; the current tree and the last
version's manifest (PublishedNode) name the nodes, including those no longer in the tree.

Collapsing rules (one entry per node and kind of change):

* a node added since the publish is only "added": its later updates and moves are part of
  it; added and then deleted, it is not listed at all;
* a node no longer in the main tree (deleted, or moved to the trash) is only "deleted";
* otherwise a node may be both "updated" (fields merged over all its changes) and "moved".

Only content is reviewed: nodes, their questions, files and prerequisites. Server echoes
(``node_id``, ``complete``, copy status) are not changes of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypedDict

from django.db.models import Q

from ..models import Change, Channel, ChannelVersion, ContentNode, File, PublishedNode, User
from ..models.change_types import (
    ASSESSMENTITEM,
    CONTENTNODE,
    CONTENTNODE_PREREQUISITE,
    COPIED,
    CREATED,
    DELETED,
    FILE,
    MOVED,
    PUBLISHED,
    UPDATED,
    UPDATED_DESCENDANTS,
)

ChangeKind = Literal["added", "updated", "moved", "deleted"]
CHANGE_KINDS: tuple[ChangeKind, ...] = ("added", "updated", "moved", "deleted")
REVIEWED_TABLES = (CONTENTNODE, ASSESSMENTITEM, FILE, CONTENTNODE_PREREQUISITE)
# Mods the server sends about a node that are not edits of it (spec 2.9 echoes).
SERVER_STATE_MODS = frozenset({"node_id", "content_id", "complete", "changed", "published", "publishing"})


class Actor(TypedDict, total=False):
    id: int
    name: str
    email: str  # only for the channel's members (or when an admin asks)


class ReviewEntry(TypedDict):
    id: str
    node_id: str | None
    title: str
    kind: str | None
    parent: str | None  # the parent's ContentNode id: the folder to open (deleted: the old one)
    change: ChangeKind
    fields: list[str]  # "updated": top-level field names; others: []
    changed_by: list[Actor]  # in the order they first changed it
    changed_at: str  # ISO time of the latest change
    changes: int  # log rows folded into this entry


@dataclass
class _Seen:
    """The log rows of one node and kind, folded."""

    fields: set[str] = field(default_factory=set)
    users: list[int | None] = field(default_factory=list)
    last: datetime | None = None
    count: int = 0

    def add(self, user_id: int | None, when: datetime, fields: Iterable[str] = ()) -> None:
        self.fields.update(fields)
        if user_id not in self.users:
            self.users.append(user_id)
        self.last = when if self.last is None or when > self.last else self.last
        self.count += 1

    def merge(self, other: _Seen) -> None:
        for user_id in other.users:
            if user_id not in self.users:
                self.users.append(user_id)
        if other.last is not None and (self.last is None or other.last > self.last):
            self.last = other.last
        self.count += other.count


class PublishedVersion(TypedDict):
    pk: str
    version: int | None
    change_rev: int | None


def last_published_version(channel_id: str) -> PublishedVersion | None:
    """``{pk, version, change_rev}`` of the channel's latest published version, or None."""
    return (
        ChannelVersion.objects.filter(channel_id=channel_id, version__isnull=False)
        .order_by("-version")
        .values("pk", "version", "change_rev")
        .first()
    )


def published_rev(channel_id: str, version: PublishedVersion | None) -> int:
    """The last server_rev the published ``version`` holds: its ``change_rev``; for a version
    published before that was recorded, the last accepted PUBLISHED change; 0 when never
    published."""
    if version is None:
        return 0
    if version["change_rev"] is not None:
        return version["change_rev"]
    last = (
        Change.objects.filter(channel_id=channel_id, table="channel", change_type=PUBLISHED, errored=False)
        .order_by("-server_rev")
        .values_list("server_rev", flat=True)
        .first()
    )
    return last or 0


def _updated_fields(mods: Any) -> set[str]:
    if not isinstance(mods, dict):
        return set()
    names = {str(path).split(".", 1)[0] for path in mods}
    return {n for n in names if n not in SERVER_STATE_MODS and not n.startswith("__")}


def _pair_key(key: Any) -> str | None:
    return key[0] if isinstance(key, list) and key and isinstance(key[0], str) else None


def _fold_log(channel_id: str, since: int) -> tuple[dict[tuple[str, str], _Seen], dict[str, str | None]]:
    """(node id, "added"|"updated"|"moved"|"deleted") -> folded rows, and the titles that
    CREATED changes gave nodes (for nodes gone since)."""
    seen: dict[tuple[str, str], _Seen] = {}
    created_titles: dict[str, str | None] = {}
    file_rows: list[tuple[str, int | None, datetime]] = []  # file id, user, time: node looked up after

    def note(node: Any, kind: str, user_id: int | None, when: datetime, fields: Iterable[str] = ()) -> None:
        if isinstance(node, str) and node:
            seen.setdefault((node, kind), _Seen()).add(user_id, when, fields)

    rows = (
        Change.objects.filter(channel_id=channel_id, server_rev__gt=since, applied=True, table__in=REVIEWED_TABLES)
        .order_by("server_rev")
        .values_list("table", "change_type", "kwargs", "created_by_id", "created")
    )
    for table, change_type, kwargs, user_id, when in rows.iterator(chunk_size=2000):
        kwargs = kwargs if isinstance(kwargs, dict) else {}
        key = kwargs.get("key")
        if table == CONTENTNODE:
            if change_type in (CREATED, COPIED):
                note(key, "added", user_id, when)
                obj = kwargs.get("obj") if change_type == CREATED else kwargs.get("mods")
                if isinstance(key, str) and isinstance(obj, dict) and isinstance(obj.get("title"), str):
                    created_titles[key] = obj["title"]
            elif change_type in (UPDATED, UPDATED_DESCENDANTS):
                fields = _updated_fields(kwargs.get("mods"))
                if fields:
                    note(key, "updated", user_id, when, fields)
            elif change_type == MOVED:
                note(key, "moved", user_id, when)
            elif change_type == DELETED:
                note(key, "deleted", user_id, when)
        elif table == ASSESSMENTITEM:
            note(_pair_key(key), "updated", user_id, when, ["questions"])
        elif table == CONTENTNODE_PREREQUISITE:
            note(_pair_key(key), "updated", user_id, when, ["prerequisites"])
        elif table == FILE:
            payload = kwargs.get("mods") if change_type == UPDATED else kwargs.get("obj")
            node = payload.get("contentnode") if isinstance(payload, dict) else None
            if isinstance(node, str):
                note(node, "updated", user_id, when, ["files"])
            elif isinstance(key, str):
                file_rows.append((key, user_id, when))
    if file_rows:
        # A file deleted or edited without naming its node: the node it still belongs to
        # (a deleted File row is gone, and with it which node it was on).
        owners = dict(
            File.objects.filter(pk__in={f for f, _, _ in file_rows}, contentnode__isnull=False).values_list(
                "pk", "contentnode_id"
            )
        )
        for file_id, file_user, file_when in file_rows:
            note(owners.get(file_id), "updated", file_user, file_when, ["files"])
    return seen, created_titles


def _actors(user_ids: set[int], *, channel_id: str, viewer: User) -> dict[int, Actor]:
    members: set[int] = set()
    if not viewer.is_admin:
        members = set(
            Channel.editors.through.objects.filter(channel_id=channel_id, user_id__in=user_ids).values_list(
                "user_id", flat=True
            )
        ) | set(
            Channel.viewers.through.objects.filter(channel_id=channel_id, user_id__in=user_ids).values_list(
                "user_id", flat=True
            )
        )
    actors: dict[int, Actor] = {}
    for pk, first, last, email in User.objects.filter(pk__in=user_ids).values_list(
        "pk", "first_name", "last_name", "email"
    ):
        actor: Actor = {"id": pk, "name": f"{first} {last}".strip()}
        if viewer.is_admin or pk in members:
            actor["email"] = email
        actors[pk] = actor
    return actors


@dataclass
class _Collapsed:
    """The folded log of a channel, one (node id, kind, rows) per entry, before naming."""

    version: PublishedVersion | None
    entries: list[tuple[str, ChangeKind, _Seen]]
    nodes: dict[str, dict[str, Any]]  # the entries' nodes still in the database
    created_titles: dict[str, str | None]


def _collapse(channel_id: str) -> _Collapsed:
    channel = Channel.objects.filter(pk=channel_id).values("main_tree__tree_id").first()
    version = last_published_version(channel_id) if channel else None
    collapsed = _Collapsed(version=version, entries=[], nodes={}, created_titles={})
    if channel is None:
        return collapsed
    seen, collapsed.created_titles = _fold_log(channel_id, published_rev(channel_id, version))
    if not seen:
        return collapsed
    node_ids = {node for node, _ in seen}
    nodes = collapsed.nodes = {
        row["id"]: row
        for row in ContentNode.objects.filter(pk__in=node_ids).values(
            "id", "node_id", "title", "kind_id", "parent_id", "tree_id"
        )
    }
    main_tree_id = channel["main_tree__tree_id"]
    entries = collapsed.entries
    for node_pk in node_ids:
        kinds = {kind: seen[(node_pk, kind)] for kind in CHANGE_KINDS if (node_pk, kind) in seen}
        row = nodes.get(node_pk)
        in_tree = row is not None and row["tree_id"] == main_tree_id
        if "added" in kinds or not in_tree:
            everything = _Seen()
            for folded in kinds.values():
                everything.merge(folded)
            if not in_tree:
                if "added" not in kinds:  # added and deleted since the publish: nothing to review
                    entries.append((node_pk, "deleted", everything))
            else:
                entries.append((node_pk, "added", everything))
            continue
        for kind in ("updated", "moved"):
            if kind in kinds:
                entries.append((node_pk, kind, kinds[kind]))
    return collapsed


@dataclass
class UnpublishedChanges:
    since_version: int | None  # the last published version (None: never published)
    entries: list[ReviewEntry]


def list_unpublished_changes(*, channel_id: str, viewer: User) -> UnpublishedChanges:
    """Every node added, updated, moved or deleted in the channel since its last published
    version (see the module docstring), most recently changed first.

    ``viewer`` (who asks; the caller checked they may edit the channel) decides whether the
    actors' e-mail addresses are shown: to admins, and for the channel's own members. A fixed
    number of queries whatever the number of changes (benchmarks/review.py).
    """
    collapsed = _collapse(channel_id)
    since = collapsed.version["version"] if collapsed.version else None
    if not collapsed.entries:
        return UnpublishedChanges(since_version=since, entries=[])
    gone = [node_pk for node_pk, kind, _ in collapsed.entries if kind == "deleted"]
    published = _published_names(collapsed.version, gone)
    user_ids = {u for _, _, s in collapsed.entries for u in s.users if u is not None}
    actors = _actors(user_ids, channel_id=channel_id, viewer=viewer) if user_ids else {}
    result: list[ReviewEntry] = []
    for node_pk, kind, folded in collapsed.entries:
        row = collapsed.nodes.get(node_pk)
        if kind == "deleted":
            was = published.get(node_pk, {})
            title = was.get("title") or (row or {}).get("title") or collapsed.created_titles.get(node_pk) or ""
            node_id, node_kind, parent = was.get("node_id"), was.get("kind"), was.get("parent")
            if row is not None:
                node_id, node_kind = row["node_id"], row["kind_id"]
        else:
            assert row is not None
            title, node_id, node_kind, parent = row["title"], row["node_id"], row["kind_id"], row["parent_id"]
        result.append(
            {
                "id": node_pk,
                "node_id": node_id,
                "title": title,
                "kind": node_kind,
                "parent": parent,
                "change": kind,
                "fields": sorted(folded.fields) if kind == "updated" else [],
                "changed_by": [actors[u] for u in folded.users if u in actors],
                "changed_at": folded.last.isoformat() if folded.last else "",
                "changes": folded.count,
            }
        )
    result.sort(key=lambda e: (e["changed_at"], e["id"], e["change"]), reverse=True)
    return UnpublishedChanges(since_version=since, entries=result)


def _published_names(version: PublishedVersion | None, node_pks: list[str]) -> dict[str, dict[str, Any]]:
    """For nodes gone from the tree: their title, kind, node_id and parent (ContentNode id) as
    the last version published them."""
    if version is None or not node_pks:
        return {}
    rows = list(
        PublishedNode.objects.filter(version_id=version["pk"], node_pk__in=node_pks).values(
            "node_pk", "node_id", "title", "kind", "parent_node_id"
        )
    )
    parents = dict(
        PublishedNode.objects.filter(
            Q(version_id=version["pk"]), Q(node_id__in={r["parent_node_id"] for r in rows if r["parent_node_id"]})
        ).values_list("node_id", "node_pk")
    )
    return {
        r["node_pk"]: {
            "node_id": r["node_id"],
            "title": r["title"],
            "kind": r["kind"],
            "parent": parents.get(r["parent_node_id"]) or None,
        }
        for r in rows
    }


def count_unpublished_changes(*, channel_id: str) -> dict[str, int]:
    """``{total, added, updated, moved, deleted}``: the entries ``list_unpublished_changes``
    would list (the top bar's "N unpublished changes"), without naming them."""
    counts: dict[str, int] = dict.fromkeys(CHANGE_KINDS, 0)
    for _, kind, _ in _collapse(channel_id).entries:
        counts[kind] += 1
    return {"total": sum(counts.values()), **counts}
