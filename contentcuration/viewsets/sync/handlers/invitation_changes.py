"""The ``invitation`` table: invitations to edit or view a channel (sent by its editors,
accepted or declined by the invitee)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from contentcuration.channels import sharing
from contentcuration.models import Channel, Invitation, User, is_hex_id

from .apply_context import NOT_FOUND, ApplyContext, ChangeError, Outcome, each_atomic, require_dict, require_key


def _invitations_editable(ctx: ApplyContext):
    user = ctx.user
    if user.is_admin:
        return Invitation.objects.all()
    return Invitation.objects.filter(
        Q(pk__in=Invitation.objects.addressed_to(user).values("pk"))
        | Q(sender=user)
        | Q(channel__in=Channel.objects.editable_by(user))
    )


def create_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
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


def update_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
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


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    def apply_one(change):
        _invitations_editable(ctx).filter(pk=require_key(change)).delete()

    return each_atomic(changes, apply_one)
