"""The small tables: contentnode_prerequisite, bookmark, clipboard, channelset, invitation,
editor_m2m / viewer_m2m. Spec 4.3 and 4.6-4.10."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from contentcuration import tree
from contentcuration.channels import sharing
from contentcuration.channels.lifecycle import proquint
from contentcuration.models import (
    Channel,
    ChannelSet,
    ContentNode,
    Invitation,
    PrerequisiteContentRelationship,
    SecretToken,
    User,
    is_hex_id,
)

from .base import (
    INTERNAL_ERROR,
    NOT_FOUND,
    ApplyContext,
    ChangeError,
    Outcome,
    each_atomic,
    fold_mods,
    merge,
    require_dict,
    require_key,
)

# --- contentnode_prerequisite -----------------------------------------------------------------


def _prerequisite_nodes(ctx: ApplyContext, change: dict) -> tuple[ContentNode, ContentNode]:
    target_id, prerequisite_id = require_key(change, parts=2)
    nodes = {n.pk: n for n in ContentNode.objects.editable_by(ctx.user).filter(pk__in=[target_id, prerequisite_id])}
    if target_id not in nodes or prerequisite_id not in nodes:
        raise ChangeError(NOT_FOUND)
    return nodes[target_id], nodes[prerequisite_id]


def prerequisite_create(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        target, prerequisite = _prerequisite_nodes(ctx, change)
        if target.pk == prerequisite.pk:
            raise ChangeError(["Prerequisite relationship cannot be self referential"])
        if target.tree_id != prerequisite.tree_id:
            raise ChangeError(["Prerequisite relationship cannot cross trees"])
        edges = PrerequisiteContentRelationship.objects
        if edges.filter(target_node=prerequisite, prerequisite=target).exists():
            raise ChangeError(["Prerequisite relationship cannot be reciprocal"])
        if edges.filter(target_node=target, prerequisite=prerequisite).exists():
            raise ChangeError(["Relationship already exists"])
        edges.create(target_node=target, prerequisite=prerequisite)
        tree.mark_changed([target.pk])

    return each_atomic(changes, apply_one)


def prerequisite_delete(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        target, prerequisite = _prerequisite_nodes(ctx, change)
        PrerequisiteContentRelationship.objects.filter(target_node=target, prerequisite=prerequisite).delete()
        tree.mark_changed([target.pk])

    return each_atomic(changes, apply_one)


# --- bookmark ----------------------------------------------------------------------------------


def bookmark_create(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        channel = Channel.objects.viewable_by(ctx.user).filter(pk=key).first()
        if channel is None:
            raise ChangeError({"channel": [f'Invalid pk "{key}" - object does not exist.']})
        channel.bookmarked_by.add(ctx.user)

    return each_atomic(changes, apply_one)


def bookmark_delete(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        Channel.bookmarked_by.through.objects.filter(channel_id=require_key(change), user=ctx.user).delete()

    return each_atomic(changes, apply_one)


# --- clipboard ---------------------------------------------------------------------------------


def _clipboard_root(ctx: ApplyContext) -> ContentNode:
    user = User.objects.get(pk=ctx.user.pk)
    if user.clipboard_tree_id is None:
        user.clipboard_tree = tree.create_root(title=f"{user.email} clipboard", kind_id="topic")
        user.save(update_fields=["clipboard_tree"])
    return user.clipboard_tree


def _in_clipboard(ctx: ApplyContext, root: ContentNode, node_id: Any):
    return ContentNode.objects.filter(pk=node_id if isinstance(node_id, str) else "", tree_id=root.tree_id)


def _clipboard_extra(value: Any, current: dict | None) -> dict:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ChangeError({"extra_fields": ["Must be an object."]})
    merged = merge(current or {}, value)
    excluded = merged.get("excluded_descendants")
    if excluded is not None and not isinstance(excluded, dict):
        raise ChangeError({"extra_fields": {"excluded_descendants": ["Must be an object of node ids."]}})
    merged.setdefault("CLIPBOARD_NODE_FLAG", True)
    return merged


def clipboard_create(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        if not is_hex_id(key):
            raise ChangeError({"id": ["Must be a 32-character hex id."]})
        obj = require_dict(change, "obj")
        source_node_id, source_channel_id = obj.get("source_node_id"), obj.get("source_channel_id")
        errors = {
            n: ["This field is required."] for n in ("source_node_id", "source_channel_id") if not is_hex_id(obj.get(n))
        }
        if errors:
            raise ChangeError(errors)
        # An unreadable channel answers as a missing one: no probing for what exists.
        channel = Channel.objects.viewable_by(ctx.user).filter(pk=source_channel_id).first()
        source = None
        if channel and channel.main_tree_id:
            source = ContentNode.objects.filter(
                node_id=source_node_id,
                tree_id__in=ContentNode.objects.filter(pk=channel.main_tree_id).values("tree_id"),
            ).first()
        if source is None:
            raise ChangeError(["ContentNode does not exist"])
        if ContentNode.objects.filter(pk=key).exists():
            raise ChangeError({"id": ["contentnode with this id already exists."]})
        root = _clipboard_root(ctx)
        parent = root
        if obj.get("parent"):
            parent = _in_clipboard(ctx, root, obj["parent"]).first()
            if parent is None:
                raise ChangeError({"parent": [f'Invalid pk "{obj["parent"]}" - object does not exist.']})
        node = ContentNode(
            id=key,
            kind_id=source.kind_id,
            title=source.title,
            content_id=source.content_id,
            source_node_id=source_node_id,
            source_channel_id=source_channel_id,
            extra_fields=_clipboard_extra(obj.get("extra_fields"), None),
        )
        tree.insert_node(node=node, target=parent)

    return each_atomic(changes, apply_one)


def clipboard_update(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        mods = fold_mods(require_dict(change, "mods"))
        node = _in_clipboard(ctx, _clipboard_root(ctx), require_key(change)).first()
        if node is None:
            raise ChangeError(NOT_FOUND)
        if "parent" in mods:
            raise ChangeError({"parent": ["This field should only be changed by a move operation"]})
        if "extra_fields" in mods:
            node.extra_fields = _clipboard_extra(mods["extra_fields"], node.extra_fields)
            node.save(update_fields=["extra_fields"])

    return each_atomic(changes, apply_one)


def clipboard_delete(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        root = _clipboard_root(ctx)
        node = _in_clipboard(ctx, root, require_key(change)).first()
        if node is not None and node.pk != root.pk:
            tree.delete_subtree(node=node.pk)

    return each_atomic(changes, apply_one)


# --- channelset --------------------------------------------------------------------------------


def _channelset_values(ctx: ApplyContext, data: dict, channelset: ChannelSet | None) -> tuple[dict, dict]:
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for name, limit in (("name", 200), ("description", 400)):
        if name in data:
            if not isinstance(data[name], str):
                errors[name] = ["Not a valid string."]
            elif len(data[name]) > limit:
                errors[name] = [f"Ensure this field has no more than {limit} characters."]
            else:
                values[name] = data[name]
    channels = data.get("channels") or {}
    if not isinstance(channels, dict):
        errors["channels"] = ["Must be an object of channel ids."]
        channels = {}
    wanted = {k for k, v in channels.items() if v}
    visible = set(Channel.objects.viewable_by(ctx.user).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - visible:
        errors["channels"] = [f'Invalid pk "{sorted(wanted - visible)[0]}" - object does not exist.']
    if errors:
        raise ChangeError(errors)
    return values, channels


def channelset_create(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        if not is_hex_id(key):
            raise ChangeError({"id": ["Must be a 32-character hex id."]})
        if ChannelSet.objects.filter(pk=key).exists():
            raise ChangeError({"id": ["channel set with this id already exists."]})
        values, channels = _channelset_values(ctx, require_dict(change, "obj"), None)
        token = SecretToken.objects.create(token=_unique_token())
        channelset = ChannelSet.objects.create(id=key, secret_token=token, **values)
        channelset.editors.add(ctx.user)
        token.channels.set([k for k, v in channels.items() if v])
        ctx.echo("channelset", key, {"secret_token": token.token}, user_id=ctx.user.pk)

    return each_atomic(changes, apply_one)


def _unique_token() -> str:
    while True:
        value = proquint(64)[:10]
        if not SecretToken.objects.filter(token=value).exists():
            return value


def channelset_update(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        mods = fold_mods(require_dict(change, "mods"), map_fields=frozenset({"channels"}))
        channelset = ChannelSet.objects.filter(pk=key, editors=ctx.user).first()
        if channelset is None:
            raise ChangeError(NOT_FOUND)
        values, channels = _channelset_values(ctx, mods, channelset)
        for name, value in values.items():
            setattr(channelset, name, value)
        if values:
            channelset.save(update_fields=list(values))
        if channels and channelset.secret_token_id:
            token = channelset.secret_token
            token.channels.add(*[k for k, v in channels.items() if v])
            token.channels.remove(*[k for k, v in channels.items() if not v])

    return each_atomic(changes, apply_one)


def channelset_delete(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        channelset = ChannelSet.objects.filter(pk=require_key(change), editors=ctx.user).first()
        if channelset is not None:
            token_id = channelset.secret_token_id
            channelset.delete()
            SecretToken.objects.filter(pk=token_id).delete()

    return each_atomic(changes, apply_one)


# --- invitation --------------------------------------------------------------------------------


def _invitations_editable(ctx: ApplyContext):
    user = ctx.user
    if user.is_admin:
        return Invitation.objects.all()
    return Invitation.objects.filter(
        Q(pk__in=Invitation.objects.addressed_to(user).values("pk"))
        | Q(sender=user)
        | Q(channel__in=Channel.objects.editable_by(user))
    )


def invitation_create(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        key = require_key(change)
        if not is_hex_id(key):
            raise ChangeError({"id": ["Must be a 32-character hex id."]})
        obj = require_dict(change, "obj")
        errors: dict[str, Any] = {}
        channel = (
            Channel.objects.editable_by(ctx.user)
            .filter(pk=obj.get("channel") if isinstance(obj.get("channel"), str) else "")
            .first()
        )
        if channel is None:
            errors["channel"] = [f'Invalid pk "{obj.get("channel")}" - object does not exist.']
        email = obj.get("email")
        if not isinstance(email, str) or "@" not in email:
            errors["email"] = ["Enter a valid email address."]
        share_mode = obj.get("share_mode", "edit")
        if share_mode not in ("edit", "view"):
            errors["share_mode"] = [f'"{share_mode}" is not a valid choice.']
        if Invitation.objects.filter(pk=key).exists():
            errors["id"] = ["invitation with this id already exists."]
        if errors:
            raise ChangeError(errors)
        # Only a verified account is named: an unverified one may not be the address's owner.
        invited = User.objects.filter(email__iexact=email, email_verified=True, deleted=False).first()
        Invitation.objects.create(
            id=key,
            channel=channel,
            email=email,
            share_mode=share_mode,
            sender=ctx.user,
            invited=invited,
            first_name=obj.get("first_name") or "",
            last_name=obj.get("last_name") or "",
        )

    return each_atomic(changes, apply_one)


def invitation_update(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    """The invitee answers (``accepted`` / ``declined``: ``channels.sharing``, the same rules as
    the REST actions); the sender revokes; the sender or the channel's editors change
    ``share_mode`` while the invitation is pending. Nobody else changes anything."""

    def apply_one(change):
        mods = require_dict(change, "mods")
        invitation = _invitations_editable(ctx).filter(pk=require_key(change)).first()
        if invitation is None:
            raise ChangeError(NOT_FOUND)
        user = ctx.user
        is_invitee = user.is_admin or (invitation.email or "").lower() == user.email.lower()
        manages = (
            user.is_admin
            or invitation.sender_id == user.pk
            or Channel.objects.editable_by(user).filter(pk=invitation.channel_id).exists()
        )
        errors: dict[str, Any] = {}
        for name in ("accepted", "declined", "revoked"):
            if name in mods and not isinstance(mods[name], bool):
                errors[name] = ["Must be a valid boolean."]
        if "accepted" in mods and "accepted" not in errors:
            if not is_invitee:
                errors["accepted"] = ["Only the invited user can change this."]
            elif not mods["accepted"]:
                errors["accepted"] = ["An accepted invitation stays accepted; leave the channel instead."]
        if "declined" in mods and "declined" not in errors:
            if not is_invitee:
                errors["declined"] = ["Only the invited user can change this."]
            elif not mods["declined"]:
                errors["declined"] = ["A declined invitation stays declined."]
        if "revoked" in mods and "revoked" not in errors and invitation.sender_id != user.pk and not user.is_admin:
            errors["revoked"] = ["Only the sender can revoke an invitation."]
        if "share_mode" in mods:
            if not manages:
                errors["share_mode"] = ["Only the sender or an editor of the channel can change this."]
            elif mods["share_mode"] not in ("edit", "view"):
                errors["share_mode"] = [f'"{mods["share_mode"]}" is not a valid choice.']
            elif invitation.accepted and mods["share_mode"] != invitation.share_mode:
                errors["share_mode"] = ["The invitation was accepted; change the member's access instead."]
        if errors:
            raise ChangeError(errors)
        changed = [name for name in ("revoked", "share_mode") if name in mods]
        for name in changed:
            setattr(invitation, name, mods[name])
        if changed:
            invitation.save(update_fields=changed)
        try:
            if mods.get("accepted"):
                sharing.accept_invitation(invitation_id=invitation.pk, user=user)
            elif mods.get("declined"):
                sharing.decline_invitation(invitation_id=invitation.pk, user=user)
        except sharing.InvitationError as exc:
            raise ChangeError({"accepted" if mods.get("accepted") else "declined": [str(exc)]}) from None

    return each_atomic(changes, apply_one)


def invitation_delete(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        _invitations_editable(ctx).filter(pk=require_key(change)).delete()

    return each_atomic(changes, apply_one)


# --- editor_m2m / viewer_m2m ------------------------------------------------------------------


def _membership(ctx: ApplyContext, change: dict, relation: str):
    user_id, channel_id = require_key(change, parts=2)
    channel = Channel.objects.editable_by(ctx.user).filter(pk=str(channel_id)).first()
    if channel is None or isinstance(user_id, bool) or not isinstance(user_id, int):
        raise ChangeError(NOT_FOUND)
    if not User.objects.filter(pk=user_id).exists():
        raise ChangeError(NOT_FOUND)
    return getattr(channel, relation), user_id


def membership_create(relation: str):
    def handler(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
        def apply_one(change):
            members, user_id = _membership(ctx, change, relation)
            if members.filter(pk=user_id).exists():
                raise ChangeError(INTERNAL_ERROR)
            members.add(user_id)

        return each_atomic(changes, apply_one)

    return handler


def membership_delete(relation: str):
    def handler(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
        def apply_one(change):
            members, user_id = _membership(ctx, change, relation)
            members.remove(user_id)

        return each_atomic(changes, apply_one)

    return handler
