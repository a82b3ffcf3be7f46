"""Remote-content nodes: a chef's ``StudioContentNode`` copies a resource from another channel.

Node dicts carrying ``source_channel_id`` (and no ``kind``) name a resource in the main tree of
a channel the user can view, by ``source_node_id`` or else ``source_content_id``; it is copied
under the chef's parent through ``tree.copy_subtree`` with the chef's overrides (spec 6.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contentcuration import tree
from contentcuration.limits import extra_fields_problem
from contentcuration.models import Channel, ContentNode, File, FormatPreset, User, is_hex_id
from contentcuration.nodes import field_table

from .node_parsing import parse_files, parse_json_field, parse_tags

OVERRIDE_STRINGS = ("title", "description", "aggregator", "provider")


@dataclass
class RemoteCopy:
    source_id: str
    can_edit_source: bool
    mods: dict[str, Any]
    role: str | None


def parse_remote(data: dict, *, user: User, report, ref) -> tuple[RemoteCopy, list, list[str]] | None:
    """Resolve the source node and check the overrides; None (with problems reported) if bad.

    ``report`` and ``ref`` are the caller's problem collector (``node_parsing``) and reference data.
    """
    if not is_hex_id(data.get("node_id")):
        report("node_id", f"{data.get('node_id')!r} is not a 32-character hex id")
        return None
    channel_id = data.get("source_channel_id")
    if not is_hex_id(channel_id):
        report("source_channel_id", f"{channel_id!r} is not a channel id")
        return None
    channel = Channel.objects.viewable_by(user).filter(pk=channel_id, deleted=False).first()
    if channel is None or channel.main_tree_id is None:
        report("source_channel_id", f"channel {channel_id} not found or not viewable")
        return None
    main = ContentNode.objects.filter(pk=channel.main_tree_id).values("tree_id").get()
    resources = ContentNode.objects.filter(tree_id=main["tree_id"]).exclude(kind_id="topic")
    source = None
    if data.get("source_node_id"):
        source = resources.filter(node_id=data["source_node_id"]).values_list("pk", flat=True).first()
    if source is None and data.get("source_content_id"):
        source = resources.filter(content_id=data["source_content_id"]).values_list("pk", flat=True).first()
    if source is None:
        report("source_node_id", f"no resource with this source_node_id/source_content_id in channel {channel_id}")
        return None

    mods: dict[str, Any] = {"node_id": data["node_id"]}
    for name in OVERRIDE_STRINGS:
        if data.get(name) is None:
            continue
        try:
            mods[name] = field_table.parse_text(name, data[name])
        except field_table.InvalidField as exc:
            report(name, exc.message)
    for name, allowed in field_table.LABEL_VOCABULARY.items():
        value = data.get(name)
        if value in (None, []):
            continue
        if not isinstance(value, list) or any(v not in allowed for v in value):
            report(name, "must be a list of known label ids")
        else:
            mods[name] = {v: True for v in value}
    if data.get("extra_fields") is not None:
        extra = parse_json_field(data["extra_fields"], field_name="extra_fields", report=report, expected=dict)
        if extra is not None and (problem := extra_fields_problem(extra)):
            report("extra_fields", problem)
        elif extra is not None:
            mods["extra_fields"] = extra
    if data.get("suggested_duration") is not None:
        try:
            mods["suggested_duration"] = field_table.parse_suggested_duration(data["suggested_duration"])
        except field_table.InvalidField as exc:
            report("suggested_duration", exc.message)
    role = data.get("role")
    if role is not None and role not in field_table.ROLES:
        report("role", f"must be one of {', '.join(sorted(field_table.ROLES))}")
    tags = parse_tags(data.get("tags"), report=report)
    files = parse_files(data.get("files"), field_name="files", report=report, ref=ref)
    can_edit = Channel.objects.editable_by(user).filter(pk=channel_id).exists()
    return RemoteCopy(source_id=source, can_edit_source=can_edit, mods=mods, role=role), files, tags


def copy_remote(entry, *, parent: ContentNode, user: User, channel_id: str | None) -> ContentNode:
    """Copy ``entry.remote``'s source as the last child of ``parent``; apply tags and files.

    Runs inside the caller's transaction (add_nodes), which holds the parent's tree lock.
    """
    remote: RemoteCopy = entry.remote
    copy = tree.copy_subtree(
        source=remote.source_id, target=parent, mods=remote.mods, can_edit_source=remote.can_edit_source
    )
    updates: dict[str, Any] = {"sort_order": entry.node.sort_order}
    if remote.role:
        updates["role_visibility"] = remote.role
    ContentNode.objects.filter(pk=copy.pk).update(**updates)
    if entry.files:
        thumbnails = set(FormatPreset.objects.filter(thumbnail=True).values_list("id", flat=True))
        if any(f.preset_id in thumbnails for f in entry.files):
            File.objects.filter(contentnode_id=copy.pk, preset_id__in=thumbnails).delete()
        File.objects.bulk_create([f.to_file(user=user, contentnode_id=copy.pk) for f in entry.files])
    return copy
