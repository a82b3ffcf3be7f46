"""Channel set ("collection") reads (``/api/channelset``), spec 4.8: only sets the requester
edits are listed, admins included."""

from __future__ import annotations

from contentcuration.models import Channel, ChannelSet
from contentcuration.viewsets.base import ReadOnlyValuesViewset, values_of
from contentcuration.viewsets.rows import ChannelSetRow


class ChannelSetViewSet(ReadOnlyValuesViewset):
    row_type = ChannelSetRow
    queryset = ChannelSet.objects.all()
    ordering = "name"
    values = ("id", "name", "description", "secret_token_id", "secret_token__token")
    field_map = {"secret_token": "secret_token__token"}

    def get_queryset(self):
        return ChannelSet.objects.filter(editors=self.request.user)

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
