"""User reads (``/api/user``) and channel membership (``/api/channeluser``), spec 4.10-4.11."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from contentcuration.accounts.profile import mark_notifications_read
from contentcuration.channels.sharing import remove_viewer
from contentcuration.files.quota import recalculate_storage_used
from contentcuration.models import Channel, User, is_hex_id
from contentcuration.viewsets import openapi
from contentcuration.viewsets.rows import ChannelUserRow, UserRow
from contentcuration.viewsets.values_viewset import (
    BooleanParamFilter,
    HexIdFilter,
    NumberInFilter,
    ReadOnlyValuesViewset,
    RequiredFilterSet,
    values_of,
)

Editor = Channel.editors.through
Viewer = Channel.viewers.through
MAX_IDS = 50


class UserFilter(filters.FilterSet):
    ids = NumberInFilter(method="filter_ids")
    channel = HexIdFilter(method="filter_channel")
    include_viewonly = BooleanParamFilter(method="filter_noop")

    class Meta:
        model = User
        fields: list[str] = []

    def filter_ids(self, queryset, name, value):
        if len(value) > MAX_IDS:
            raise ValidationError({"ids": [f"At most {MAX_IDS} ids may be requested at once."]})
        return queryset.filter(pk__in=value)

    def filter_channel(self, queryset, name, value):
        members = Q(pk__in=Editor.objects.filter(channel_id=value).values("user_id"))
        if self.form.cleaned_data.get("include_viewonly"):
            members |= Q(pk__in=Viewer.objects.filter(channel_id=value).values("user_id"))
        return queryset.filter(members)

    def filter_noop(self, queryset, name, value):
        return queryset


class UserViewSet(ReadOnlyValuesViewset):
    row_type = UserRow
    queryset = User.objects.all()
    filterset_class = UserFilter
    ordering = "pk"
    values = ("id", "email", "first_name", "last_name", "is_active")

    def get_queryset(self):
        user = self.request.user
        if user.is_admin:
            return User.objects.all()
        mine_edit = Editor.objects.filter(user=user).values("channel_id")
        mine_view = Viewer.objects.filter(user=user).values("channel_id")
        return User.objects.filter(
            Q(pk=user.pk)
            | Q(pk__in=Editor.objects.filter(channel_id__in=mine_edit).values("user_id"))
            | Q(pk__in=Viewer.objects.filter(channel_id__in=mine_view).values("user_id"))
        )

    def consolidate(self, items, queryset):
        ids = values_of(items, "id")
        editable: dict[int, list] = {}
        view_only: dict[int, list] = {}
        for user_id, channel_id in Editor.objects.filter(user_id__in=ids).values_list("user_id", "channel_id"):
            editable.setdefault(user_id, []).append(channel_id)
        for user_id, channel_id in Viewer.objects.filter(user_id__in=ids).values_list("user_id", "channel_id"):
            view_only.setdefault(user_id, []).append(channel_id)
        for item in items:
            item["editable_channels"] = sorted(editable.get(item["id"], []))
            item["view_only_channels"] = sorted(view_only.get(item["id"], []))
        return items

    @action(detail=False, methods=["get"])
    def get_storage_used(self, request):
        return Response(User.objects.filter(pk=request.user.pk).values_list("disk_space_used", flat=True).first())

    @action(detail=False, methods=["get"])
    def storage(self, request):
        """``{"used": bytes, "quota": bytes}`` for the requester (the settings page's meter);
        not in Studio, whose page reads the quota from the user it injects into the HTML."""
        row = User.objects.filter(pk=request.user.pk).values("disk_space_used", "disk_space").first()
        return Response({"used": row["disk_space_used"], "quota": row["disk_space"]})

    @extend_schema(request=openapi.NotificationsRead, responses={204: None, 400: openapi.FIELD_ERRORS})
    @action(detail=False, methods=["post"])
    def mark_notifications_read(self, request):
        """``{"timestamp": <ISO datetime>}``; 204. The stored date only moves forward."""
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["The request body must be a JSON object."]})
        field = serializers.DateTimeField()
        try:
            timestamp = field.run_validation(request.data.get("timestamp"))
        except ValidationError as exc:
            raise ValidationError({"timestamp": exc.detail}) from None
        mark_notifications_read(user=request.user, timestamp=timestamp)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=False, methods=["get"])
    def refresh_storage_used(self, request):
        """Recompute the requester's storage use from their files; bare number of bytes."""
        return Response(recalculate_storage_used(request.user))


class ChannelUserFilter(RequiredFilterSet):
    channel = HexIdFilter(method="filter_channel")

    class Meta:
        model = User
        fields: list[str] = []

    def filter_channel(self, queryset, name, value):
        queryset = queryset.filter(
            Q(pk__in=Editor.objects.filter(channel_id=value).values("user_id"))
            | Q(pk__in=Viewer.objects.filter(channel_id=value).values("user_id"))
        ).annotate(
            can_edit=Exists(Editor.objects.filter(channel_id=value, user_id=OuterRef("pk"))),
            can_view=Exists(Viewer.objects.filter(channel_id=value, user_id=OuterRef("pk"))),
        )
        if not Channel.objects.editable_by(self.request.user).filter(pk=value).exists():
            return queryset.none()
        return queryset


class ChannelUserViewSet(ReadOnlyValuesViewset):
    """GET ``/api/channeluser?channel=<id>``: who has access, empty unless I can edit it."""

    row_type = ChannelUserRow
    queryset = User.objects.all()
    filterset_class = ChannelUserFilter
    ordering = "pk"
    values = ("id", "email", "first_name", "last_name", "can_edit", "can_view")

    def get_queryset(self):
        return User.objects.all()

    def retrieve(self, request, *args, **kwargs):
        raise Http404

    @action(detail=True, methods=["delete"])
    def remove_self(self, request, pk=None):
        channel_id = request.query_params.get("channel_id")
        if not is_hex_id(channel_id):
            return Response({"channel_id": ["A valid channel id is required."]}, status=status.HTTP_400_BAD_REQUEST)
        channel = Channel.objects.filter(pk=channel_id).first()
        if channel is None:
            raise Http404
        user = (
            User.objects.filter(pk=pk).first()
            if str(pk).isascii() and str(pk).isdigit() and len(str(pk)) < 19
            else None
        )
        if user is None:
            return Response({"detail": "Unknown user."}, status=status.HTTP_400_BAD_REQUEST)
        is_editor = Channel.objects.editable_by(request.user).filter(pk=channel.pk).exists()
        if request.user.pk != user.pk and not is_editor:
            return Response(
                {"detail": "Only the user or a channel editor can do this."}, status=status.HTTP_403_FORBIDDEN
            )
        remove_viewer(channel=channel, user=user, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
