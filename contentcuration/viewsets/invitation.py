"""Invitation reads (``/api/invitation``) and the invitee's accept / decline actions, spec 4.9."""

from __future__ import annotations

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from contentcuration.channels.sharing import accept_invitation, decline_invitation
from contentcuration.models import Channel, Invitation
from contentcuration.viewsets import openapi
from contentcuration.viewsets.rows import InvitationRow
from contentcuration.viewsets.values_viewset import HexIdFilter, ReadOnlyValuesViewset


class InvitationFilter(filters.FilterSet):
    invited = filters.CharFilter(method="filter_invited")
    channel = HexIdFilter(field_name="channel_id")

    class Meta:
        model = Invitation
        fields: list[str] = []

    def filter_invited(self, queryset, name, value):
        return queryset.filter(email__iexact=self.request.user.email)


def _sender_name(row) -> str:
    return f"{row['sender__first_name'] or ''} {row['sender__last_name'] or ''}".strip()


class InvitationViewSet(ReadOnlyValuesViewset):
    row_type = InvitationRow
    # accept / decline read no body, so any body is let through unread (the JSON-only parsers
    # of the other tables would make an empty form POST, a browser's or `curl -d ''`, a 415).
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES
    queryset = Invitation.objects.all()
    filterset_class = InvitationFilter
    ordering = "pk"
    values = (
        "id",
        "invited_id",
        "email",
        "accepted",
        "declined",
        "revoked",
        "first_name",
        "last_name",
        "sender__first_name",
        "sender__last_name",
        "channel_id",
        "share_mode",
        "channel__name",
    )
    field_map = {
        "invited": "invited_id",
        "channel": "channel_id",
        "channel_name": "channel__name",
        "sender_name": _sender_name,
    }

    def get_queryset(self):
        user = self.request.user
        if user.is_admin:
            return Invitation.objects.all()
        members = Channel.objects.filter(Q(editors=user) | Q(viewers=user)).values("pk")
        return Invitation.objects.filter(
            Q(pk__in=Invitation.objects.addressed_to(user).values("pk")) | Q(sender=user) | Q(channel_id__in=members)
        )

    def _answer(self, request, answer):
        """404 when the requester may not see it; 403 when they see it but are not the
        invitee; 400 when it cannot be answered (revoked, already accepted): the domain's
        errors, answered by ``viewsets.rest_errors``."""
        invitation = self.get_object()
        answer(invitation_id=invitation.pk, user=request.user)
        return Response({"status": "success"})

    @extend_schema(
        request=openapi.NO_BODY,
        responses={200: openapi.STATUS_SUCCESS, 400: {"type": "string"}, 403: openapi.ERROR, 404: openapi.ERROR},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._answer(request, accept_invitation)

    @extend_schema(
        request=openapi.NO_BODY,
        responses={200: openapi.STATUS_SUCCESS, 400: {"type": "string"}, 403: openapi.ERROR, 404: openapi.ERROR},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._answer(request, decline_invitation)
