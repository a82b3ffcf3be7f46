"""Sharing a channel: accepting or declining an invitation, a viewer leaving a channel.

Each function is one transaction and records the sync changes other clients need; callers
(the REST actions) do the authorization.
"""

from __future__ import annotations

from django.db import transaction

from contentcuration.changes import record_server_change
from contentcuration.models import Channel, Invitation, User
from contentcuration.viewsets.sync.constants import CREATED, DELETED, EDITOR_M2M, INVITATION, VIEWER_M2M


class InvitationRevoked(ValueError):
    pass


class NotAViewer(ValueError):
    pass


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user: User) -> Invitation:
    """Make ``user`` an editor (share_mode "edit") or viewer ("view") of the invitation's channel.

    Raises InvitationRevoked. Locks the invitation row so a double accept adds one membership.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.revoked:
        raise InvitationRevoked("Invitation has been revoked")
    channel = invitation.channel
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
def decline_invitation(*, invitation: Invitation, user: User) -> Invitation:
    """Mark the invitation declined."""
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
