"""The channel side of a chef run: start an upload (``create_chef_tree``), end it
(``finish_upload``); a publish is asked for with ``channels.publishing.request_publish``.

A run builds a fresh chef tree; finishing makes it the staging tree and, with ``--deploy``
(``stage: false``), deploys it as the main tree. Ids are the client's (stable across runs),
so a re-run updates the same channel: its editors, tokens, versions and history stay.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from contentcuration import tree
from contentcuration.changes import record_server_change
from contentcuration.channels import lifecycle
from contentcuration.channels.deploy import DeployError, deploy_channel
from contentcuration.limits import InvalidJSON, load_json, max_length
from contentcuration.models import Channel, ContentNode, File, User, is_hex_id
from contentcuration.models.change_types import CHANNEL, DEPLOYED
from contentcuration.nodes.reference import reference_data

from .chef_errors import Forbidden, InvalidNodeData, InvalidRequest, NotFound
from .chef_nodes import check_files_stored
from .node_parsing import ParsedNode, ProblemCollector, parse_files


def _channel_fields(data: Any) -> dict[str, Any]:
    """The channel's model attributes from ``channel_data``, validated by the channel field
    table (``channels.lifecycle.clean_channel_values``: the limits sync and the admin use)."""
    if not isinstance(data, dict):
        raise InvalidRequest("channel_data must be an object", field="channel_data")
    for key in ("id", "name"):
        if key not in data:
            raise InvalidRequest(f"channel_data.{key} is required", field=f"channel_data.{key}")
    if not is_hex_id(data["id"]):
        raise InvalidRequest(f"{data['id']!r} is not a 32-character hex id", field="channel_data.id")
    # ricecooker sends None for what a chef left unset: that keeps the current value.
    given = {k: data[k] for k in (*lifecycle.TEXT_FIELDS, "language", "thumbnail") if data.get(k) is not None}
    fields = lifecycle.clean_channel_values(given, where="channel_data.")
    if not (fields.get("name") or "").strip():
        raise InvalidRequest("the channel name is empty", field="channel_data.name")
    fields.setdefault("thumbnail", None)
    if data.get("ricecooker_version") is not None:
        fields["ricecooker_version"] = str(data["ricecooker_version"])[: max_length(Channel, "ricecooker_version")]
    return fields


def editable_channel(*, user: User, channel_id: Any) -> Channel:
    """The channel ``channel_id`` if ``user`` may edit it; raises NotFound (also for channels
    the user cannot see, so ids of others' channels do not leak)."""
    if not is_hex_id(channel_id):
        raise InvalidRequest(f"{channel_id!r} is not a channel id", field="channel_id")
    channel = Channel.objects.editable_by(user).filter(pk=channel_id).first()
    if channel is None:
        raise NotFound(f"Channel {channel_id} not found or not editable", field="channel_id")
    return channel


@transaction.atomic
def create_chef_tree(*, user: User, channel_data: Any) -> Channel:
    """Get or create the channel ``channel_data["id"]`` and give it a fresh, empty chef tree.

    A new channel gets ``user`` as editor; an existing one must be editable by ``user``
    (Forbidden otherwise) and is undeleted. The previous chef tree, an unfinished earlier
    run, is deleted. ``channel_data.files`` are attached to the new root. Raises
    InvalidRequest / InvalidNodeData naming the field; atomic.
    """
    ref = reference_data()
    fields = _channel_fields(channel_data)
    channel_id = channel_data["id"]
    extra = channel_data.get("extra_fields") or {}
    if isinstance(extra, str):
        try:
            extra = load_json(extra or "{}")
        except InvalidJSON as exc:
            raise InvalidRequest(exc.message, field="channel_data.extra_fields") from None
    if not isinstance(extra, dict):
        raise InvalidRequest("must be a JSON object", field="channel_data.extra_fields")
    problems: list = []
    report = ProblemCollector({"node_id": channel_id, "title": fields["name"]}, problems)
    files = parse_files(channel_data.get("files"), field_name="channel_data.files", report=report, ref=ref)
    if not problems:
        check_files_stored(
            [ParsedNode(node=ContentNode(node_id=channel_id, title=fields["name"]), files=files)], problems
        )
    if problems:
        raise InvalidNodeData(problems)

    channel = Channel.objects.select_for_update().filter(pk=channel_id).first()
    if channel is None:
        channel = lifecycle.create_channel(actor=user, id=channel_id, source_url=fields.get("source_domain"), **fields)
    elif not Channel.objects.editable_by(user).filter(pk=channel_id).exists():
        raise Forbidden(f"You cannot edit channel {channel_id}", field="channel_data.id")
    else:
        for name, value in fields.items():
            setattr(channel, name, value)
        channel.deleted = False
        channel.save()

    old_chef_id = channel.chef_tree_id
    main_published = ContentNode.objects.filter(pk=channel.main_tree_id).values_list("published", flat=True).first()
    root = tree.create_root(
        title=channel.name,
        kind_id="topic",
        node_id=channel.pk,
        content_id=channel.pk,
        original_channel_id=channel.pk,
        source_channel_id=channel.pk,
        source_id=channel.source_id,
        source_domain=channel.source_domain,
        description=channel.description,
        language_id=channel.language_id,
        extra_fields={**extra, "ricecooker_version": channel.ricecooker_version},
        published=bool(main_published),
        complete=True,
    )
    File.objects.bulk_create([f.to_file(user=user, contentnode_id=root.pk) for f in files])
    channel.chef_tree = root
    channel.save(update_fields=["chef_tree"])
    if old_chef_id and old_chef_id not in channel.tree_root_ids():
        tree.delete_subtree(node=old_chef_id)
    return channel


@transaction.atomic
def finish_upload(*, user: User, channel: Channel, stage: bool = True) -> Channel:
    """End a chef run: the chef tree becomes the staging tree; with ``stage=False`` it is then
    deployed as the main tree (``deploy_channel``).

    Every uploaded node gets this channel as its original/source channel (unless it came
    from another one). The previous staging tree is deleted. Records an UPDATED channel
    change (``root_id``, ``staging_root_id``) for open editors. Raises InvalidRequest when
    no upload is in progress. Locks the channel row; atomic.
    """
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    chef_id = channel.chef_tree_id
    if not chef_id:
        raise InvalidRequest(
            f"Channel {channel.pk} has no upload in progress: call create_channel first", field="channel_id"
        )
    chef_tree_id = ContentNode.objects.values_list("tree_id", flat=True).get(pk=chef_id)
    ContentNode.objects.filter(tree_id=chef_tree_id, original_channel_id=None).update(
        original_channel_id=channel.pk, source_channel_id=channel.pk
    )
    old_staging_id = channel.staging_tree_id
    channel.staging_tree_id, channel.chef_tree_id = chef_id, None
    channel.save(update_fields=["staging_tree", "chef_tree"])
    if old_staging_id and old_staging_id not in channel.tree_root_ids():
        tree.delete_subtree(node=old_staging_id)
    record_server_change(
        table=CHANNEL,
        key=channel.pk,
        mods={"root_id": channel.main_tree_id, "staging_root_id": chef_id},
        channel_id=channel.pk,
        created_by_id=user.pk,
        unpublishable=True,
    )
    if not stage:
        channel = deploy_staged_tree(channel=channel, user=user)
    return channel


def deploy_staged_tree(*, channel: Channel, user: User) -> Channel:
    """Deploy the staged upload and record the DEPLOYED change (by ``user``) watchers see.

    Raises InvalidRequest when nothing is staged.
    """
    try:
        channel = deploy_channel(channel=channel)
    except DeployError as exc:
        raise InvalidRequest(str(exc), field="channel_id") from None
    record_server_change(
        table=CHANNEL, key=channel.pk, change_type=DEPLOYED, channel_id=channel.pk, created_by_id=user.pk
    )
    record_server_change(
        table=CHANNEL,
        key=channel.pk,
        mods={"root_id": channel.main_tree_id, "staging_root_id": None},
        channel_id=channel.pk,
        created_by_id=user.pk,
    )
    return channel
