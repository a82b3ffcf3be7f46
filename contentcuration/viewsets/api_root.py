"""``GET /api/``: a starting point for a script author (issue 16).

DefaultRouter's root listed bare list URLs, and most answer 412 without a filter. This root
lists, for the signed-in user, one link per endpoint that answers 200 as given: the required
filter is filled in (``channel?edit=true``; a node list under the user's first editable
channel, or under the clipboard when they have none). ``writes`` lists the POST endpoints
(their bodies are in ``/api/schema/``); ``templates`` the ones that need an id the user has
not got yet.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from rest_framework.response import Response
from rest_framework.routers import APIRootView

from contentcuration.models import Channel


class ApiRootView(APIRootView):
    """The endpoints, with links that answer 200 for you; writes; the schema and the guide."""

    def get(self, request, *args, **kwargs):
        user = request.user
        channel = (
            Channel.objects.editable_by(user)
            .filter(deleted=False)
            .order_by("name", "pk")
            .values("pk", "main_tree_id")
            .first()
        )
        node_parent = channel["main_tree_id"] if channel else user.clipboard_tree_id
        queries = {
            "channel": "edit=true",
            "catalog": "public=true",
            "contentnode": f"parent={node_parent}",
            "file": f"contentnode={node_parent}",
            "assessmentitem": f"contentnode={node_parent}",
            "clipboard": f"parent={user.clipboard_tree_id}",
        }
        templates = {}
        if channel:
            queries["channeluser"] = f"channel={channel['pk']}"
        else:
            templates["channeluser"] = self._url(request, "channeluser-list") + "?channel={channel_id}"

        links = {}
        for prefix, list_name in self.api_root_dict.items():
            url = self._url(request, list_name)
            if url is None:
                continue
            name = prefix.rsplit("/", 1)[-1] if "/" in prefix else prefix
            if prefix == "channeluser" and not channel:
                continue
            links[name] = f"{url}?{queries[prefix]}" if prefix in queries else url
        links["schema"] = request.build_absolute_uri(reverse("schema"))
        links["docs"] = request.build_absolute_uri(reverse("api-docs"))
        links["api_token"] = request.build_absolute_uri(reverse("deferred_user_api_token"))
        writes = {
            "sync": request.build_absolute_uri("/api/sync/"),
            "channel": self._url(request, "channel-list"),
            "upload_url": request.build_absolute_uri(reverse("file-upload-url")),
        }
        body = {**links, "writes": writes}
        if templates:
            body["templates"] = templates
        return Response(body)

    def _url(self, request, list_name: str) -> str | None:
        try:
            return request.build_absolute_uri(reverse(list_name))
        except NoReverseMatch:
            return None
