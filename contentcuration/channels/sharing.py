"""Sharing a channel: accepting or declining an invitation, a viewer leaving a channel,
adding or removing an editor or viewer.

Each function is one transaction and records the sync changes other clients need. The REST
actions and the sync ``invitation`` / ``editor_m2m`` / ``viewer_m2m`` handlers call these;
the rules about who may answer an invitation live here, the adapters only shape the errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from django.db import transaction

from contentcuration.changes import record_server_change
from contentcuration.errors import Conflict, DomainError, PermissionDenied
from contentcuration.models import Channel, Invitation, User
from contentcuration.models.change_types import CREATED, DELETED, EDITOR_M2M, INVITATION, VIEWER_M2M

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import ManyRelatedManager


class InvitationError(DomainError):
    """Why an invitation cannot be answered; the message is shown to the user."""


class InvitationRevoked(InvitationError, Conflict):
    pass


class InvitationAlreadyAccepted(InvitationError, Conflict):
    """An accepted invitation is used up: access removed later is not regained through it."""


class EmailNotVerified(InvitationError, Conflict):
    pass


class InvitationWithoutChannel(InvitationError, Conflict):
    """The invitation's channel is not set (the column allows it): there is nothing to join."""


class NotAViewer(Conflict):
    pass


class NotTheInvitee(InvitationError, PermissionDenied):
    pass


def _answerable(invitation_id: str, user: User) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
    if user.is_admin:
        return invitation
    if (invitation.email or "").lower() != user.email.lower():
        raise NotTheInvitee("Only the invited user can respond to an invitation.")
    if not user.email_verified:
        raise EmailNotVerified("Confirm your email address (the link we sent you) to answer this invitation.")
    return invitation


@transaction.atomic
def accept_invitation(*, invitation_id: str, user: User) -> Invitation:
    """Make ``user`` an editor (share_mode "edit") or viewer ("view") of the invitation's channel.

    The one accept rule, for the REST action and the sync ``invitation`` handler alike: only
    the invitee with a verified address (or an admin) may accept, as offered (the invitee
    cannot change ``share_mode``), once (an accepted invitation cannot be accepted again), and
    not after it was revoked. Raises NotTheInvitee, EmailNotVerified, InvitationRevoked,
    InvitationAlreadyAccepted, InvitationWithoutChannel, Invitation.DoesNotExist. Locks the
    invitation row so a double accept adds one membership.
    """
    invitation = _answerable(invitation_id, user)
    if invitation.revoked:
        raise InvitationRevoked("Invitation has been revoked")
    if invitation.accepted:
        raise InvitationAlreadyAccepted("This invitation has already been accepted.")
    channel = invitation.channel
    if channel is None:
        raise InvitationWithoutChannel("This invitation is not for any channel.")
    # The two memberships differ only in their through model.
    join: ManyRelatedManager[User, Any]
    leave: ManyRelatedManager[User, Any]
    if invitation.share_mode == "view":
        table, other, join, leave = VIEWER_M2M, EDITOR_M2M, channel.viewers, channel.editors
    else:
        table, other, join, leave = EDITOR_M2M, VIEWER_M2M, channel.editors, channel.viewers
    left = leave.filter(pk=user.pk).exists()
    leave.remove(user)
    join.add(user)
    invitation.accepted = True
    invitation.invited = user
    invitation.save(update_fields=["accepted", "invited"])
    key = [user.pk, channel.pk]
    if left:
        record_server_change(table=other, key=key, change_type=DELETED, channel_id=channel.pk, created_by_id=user.pk)
    record_server_change(
        table=table,
        key=key,
        change_type=CREATED,
        channel_id=channel.pk,
        created_by_id=user.pk,
        obj={"user_id": user.pk, "channel_id": channel.pk},
    )
    record_server_change(
        table=INVITATION, key=invitation.pk, mods={"accepted": True}, channel_id=channel.pk, created_by_id=user.pk
    )
    return invitation


@transaction.atomic
def decline_invitation(*, invitation_id: str, user: User) -> Invitation:
    """Mark the invitation declined. Raises EmailNotVerified (same gate as accepting)."""
    invitation = _answerable(invitation_id, user)
    invitation.declined = True
    invitation.save(update_fields=["declined"])
    record_server_change(
        table=INVITATION,
        key=invitation.pk,
        mods={"declined": True},
        channel_id=invitation.channel_id,
        created_by_id=user.pk,
    )
    return invitation


@transaction.atomic
def remove_viewer(*, channel: Channel, user: User, actor: User) -> None:
    """Remove ``user``'s view-only access to ``channel``. Raises NotAViewer."""
    through = Channel.viewers.through
    deleted, _ = through.objects.filter(channel=channel, user=user).delete()
    if not deleted:
        raise NotAViewer("User is not a viewer of this channel")
    record_server_change(
        table=VIEWER_M2M,
        key=[user.pk, channel.pk],
        change_type=DELETED,
        channel_id=channel.pk,
        created_by_id=actor.pk,
    )


class AlreadyAMember(Conflict):
    """Studio answers adding an existing member with its generic error; its clients know it."""

    def __init__(self) -> None:
        super().__init__("Internal server error")


Relation = Literal["editors", "viewers"]
MEMBERSHIP_TABLES: dict[Relation, str] = {"editors": EDITOR_M2M, "viewers": VIEWER_M2M}


@transaction.atomic
def add_member(*, actor: User, channel: Channel, user_id: int, relation: Relation, record_changes: bool = True) -> None:
    """Make user ``user_id`` an editor or a viewer of ``channel``. Raises AlreadyAMember.
    ``record_changes=False``: the caller (the sync endpoint) logs the change itself."""
    members = getattr(channel, relation)
    if members.filter(pk=user_id).exists():
        raise AlreadyAMember()
    members.add(user_id)
    if record_changes:
        obj = {"user": user_id, "channel": channel.pk}
        _record_membership(CREATED, actor=actor, channel=channel, user_id=user_id, relation=relation, obj=obj)


@transaction.atomic
def remove_member(
    *, actor: User, channel: Channel, user_id: int, relation: Relation, record_changes: bool = True
) -> None:
    """Remove user ``user_id`` from the channel's editors or viewers (not one: no change)."""
    getattr(channel, relation).remove(user_id)
    if record_changes:
        _record_membership(DELETED, actor=actor, channel=channel, user_id=user_id, relation=relation)


def _record_membership(
    change_type: int, *, actor: User, channel: Channel, user_id: int, relation: Relation, **fields: Any
) -> None:
    """The change a browser sends for this membership (key ``[user, channel]``)."""
    record_server_change(
        table=MEMBERSHIP_TABLES[relation],
        key=[user_id, channel.pk],
        change_type=change_type,
        channel_id=channel.pk,
        created_by_id=actor.pk,
        **fields,
    )
