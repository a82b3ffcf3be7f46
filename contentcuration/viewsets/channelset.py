"""Channel sets ("collections", ``/api/channelset``), spec 4.8: only sets the requester
edits are listed, admins included."""

from __future__ import annotations

from drf_spectacular.plumbing import resolve_type_hint
from drf_spectacular.utils import extend_schema, extend_schema_view

from contentcuration.models import Channel, ChannelSet
from contentcuration.models.change_types import CHANNELSET
from contentcuration.viewsets import openapi
from contentcuration.viewsets.rows import ChannelSetRow
from contentcuration.viewsets.values_viewset import ReadOnlyValuesViewset, SyncBackedCreateMixin, values_of


@extend_schema_view(
    create=extend_schema(
        request=openapi.ChannelSetCreate, responses={201: resolve_type_hint(ChannelSetRow), 400: openapi.FIELD_ERRORS}
    )
)
class ChannelSetViewSet(SyncBackedCreateMixin, ReadOnlyValuesViewset):
    """GET list/detail; POST creates a set (spec 4.8's REST create), as the sync CREATED
    change of the user's ``channelset`` table would."""

    http_method_names = ["get", "post", "head", "options"]
    sync_table = CHANNELSET
    row_type = ChannelSetRow
    queryset = ChannelSet.objects.all()
    ordering = "name"
    values = ("id", "name", "description", "secret_token_id", "secret_token__token")
    field_map = {"secret_token": "secret_token__token"}

    def get_queryset(self):
        return ChannelSet.objects.filter(editors=self.request.user)

    def sync_scope(self, request, key):
        return {"user_id": request.user.pk}

    def consolidate(self, items, queryset):
        members: dict[int, dict] = {}
        rows = Channel.secret_tokens.through.objects.filter(
            secrettoken_id__in=values_of(items, "secret_token_id"),
            channel__deleted=False,
            channel__main_tree__published=True,
        ).values_list("secrettoken_id", "channel_id")
        for token_id, channel_id in rows:
            members.setdefault(token_id, {})[channel_id] = True
        for item in items:
            item["channels"] = members.get(item.pop("secret_token_id"), {})
            item["edit"] = True
        return items
