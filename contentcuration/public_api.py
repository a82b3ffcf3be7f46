"""The public API Kolibri devices call (spec studio-api 1.4), anonymous and read-only.

``/api/public/info`` identifies this server as a Studio-like content server,
``/api/public/v1/channels`` lists public channels, ``/api/public/v1/channels/lookup/<id or
token>`` finds one channel (or a channel set's channels) and ``/api/public/channel/<id>``
names one. Kolibri then downloads ``/content/databases/...`` and ``/content/storage/...``
(contentcuration.viewsets.file_transfer). The shapes are what Kolibri 0.19.5 reads (docs/decisions/0007).

Everything shown comes from what was published: the version's ChannelVersion row (or
``published_data`` for a version without one) and the published database's channel row.
Unpublished edits of a channel's name, description, thumbnail or language never show here.
Only non-deleted channels with a published version are found; the list shows public ones
only; a channel's tokens (and a channel set's) find non-public channels too, and a version's
token finds that version (a draft's token the draft, ``version: null``, which Kolibri fetches
as ``<id>-next.sqlite3``).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypedDict

from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.http.request import split_domain_port
from django.urls import re_path
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from . import storage
from .models import Channel, ChannelVersion, SecretToken
from .publish.kolibri_schema import MIN_SCHEMA_VERSION
from .publish.versions import DATE_TIME_FORMAT

LIST_MAX_AGE = 300  # as Kolibri's own public channel endpoints: a new publish shows within 5 min
LOOKUP_MAX_AGE = 60
ROW_CACHE_SECONDS = 24 * 3600  # a version's database never changes; drafts key on their date

# Kolibri compares kolibri_version only when application is "kolibri"; Studio reports this.
KOLIBRI_VERSION = "0.16.0"
_INFO_V1 = ["application", "kolibri_version", "instance_id", "device_name", "operating_system"]
_INFO_V2 = [*_INFO_V1, "subset_of_users_device"]
DEVICE_INFO_KEYS = {"1": _INFO_V1, "2": _INFO_V2, "3": [*_INFO_V2, "min_content_schema_version"]}


class PublicChannel(TypedDict):
    """One channel as Kolibri's RemoteChannelViewSet and importchannel read it."""

    id: str
    name: str
    description: str
    tagline: str | None
    language: str | None
    icon_encoding: str
    root: str
    version: int | None
    last_published: str | None
    total_resource_count: int
    published_size: int
    included_languages: list[str]
    version_notes: dict[str, str]
    public: bool
    library: None
    matching_tokens: list[str]


# --- reads ----------------------------------------------------------------------------------


def _visible() -> Q:
    return Q(deleted=False, version__gt=0)


def _published_row(channel_id: str, version: int | None, stamp: str) -> dict[str, Any] | None:
    """Name, description, tagline, icon, root and language from the published database.

    Cached per (channel, version, publish date): a version's database is written once.
    """
    key = f"public-api:channel-row:{channel_id}:{version if version is not None else 'next'}:{stamp}"
    row = cache.get(key)
    if row is not None:
        return row
    with storage.local_channel_database(channel_id, "next" if version is None else version) as path:
        if path is None:
            return None
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            found = conn.execute(
                "SELECT c.name, c.description, c.tagline, c.thumbnail, c.root_id, n.lang_id"
                " FROM content_channelmetadata c LEFT JOIN content_contentnode n ON n.id = c.root_id"
                " WHERE c.id = ?",
                [channel_id],
            ).fetchone()
        finally:
            conn.close()
    if found is None:
        return None
    row = dict(zip(("name", "description", "tagline", "icon_encoding", "root", "language"), found, strict=True))
    cache.set(key, row, ROW_CACHE_SECONDS)
    return row


def _stats(channel: Channel, version: int | None, versions: dict) -> dict[str, Any] | None:
    """The version's published figures: its ChannelVersion row, else ``published_data``."""
    row = versions.get((channel.id, version))
    if row is not None:
        return {
            "date": row.date_published,
            "resource_count": row.resource_count,
            "size": row.size,
            "included_languages": list(row.included_languages or []),
        }
    data = (channel.published_data or {}).get(str(version)) if version is not None else None
    if not data:
        return None
    try:
        date = datetime.strptime(data.get("date_published") or "", DATE_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        date = channel.last_published
    return {
        "date": date,
        "resource_count": data.get("resource_count", 0),
        "size": data.get("size", 0),
        "included_languages": list(data.get("included_languages") or []),
    }


def _timestamp(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _version_notes(channel: Channel, up_to: int | None) -> dict[str, str]:
    published = channel.published_data or {}
    numbers = sorted(int(n) for n in published if n.isascii() and n.isdigit() and isinstance(published[n], dict))
    return {str(n): published[str(n)].get("version_notes") or "" for n in numbers if up_to is None or n <= up_to}


def published_channels(
    pairs: list[tuple[Channel, int | None]], *, matching_tokens: Sequence[str] = ()
) -> list[PublicChannel]:
    """The public shape of each (channel, version); a version None is the channel's draft.

    One query for the ChannelVersion rows; the published database of each version is read
    once and cached. A pair whose version or database is missing is left out.
    """
    if not pairs:
        return []
    # A superset of the wanted rows (an OR per pair would pass SQLite's expression depth limit).
    numbers = {version for _, version in pairs if version is not None}
    rows = ChannelVersion.objects.filter(
        Q(version__in=numbers) | Q(version__isnull=True), channel_id__in={channel.id for channel, _ in pairs}
    ).only("channel_id", "version", "date_published", "resource_count", "size", "included_languages")
    versions = {(v.channel_id, v.version): v for v in rows}
    out: list[PublicChannel] = []
    for channel, version in pairs:
        stats = _stats(channel, version, versions)
        if stats is None:
            continue
        row = _published_row(channel.id, version, _timestamp(stats["date"]) or "")
        if row is None:
            continue
        out.append(
            PublicChannel(
                id=channel.id,
                name=row["name"],
                description=row["description"],
                tagline=row["tagline"],
                language=row["language"],
                icon_encoding=row["icon_encoding"] or "",
                root=row["root"],
                version=version,
                last_published=_timestamp(stats["date"]),
                total_resource_count=stats["resource_count"],
                published_size=stats["size"],
                included_languages=stats["included_languages"],
                version_notes=_version_notes(channel, version),
                public=channel.public,
                library=None,
                matching_tokens=list(matching_tokens),
            )
        )
    return out


def lookup_channels(identifier: str) -> list[PublicChannel]:
    """What a channel id or token (channel, channel set, version or draft token) finds."""
    identifier = identifier.strip().replace("-", "").lower()
    token = SecretToken.objects.filter(token=identifier).first()
    if token is not None:
        channels = Channel.objects.filter(_visible(), secret_tokens=token).order_by("-priority", "name")
        pairs: list[tuple[Channel, int | None]] = [(c, c.version) for c in channels]
        for version in ChannelVersion.objects.filter(secret_token=token, channel__deleted=False).select_related(
            "channel"
        ):
            pairs.append((version.channel, version.version))
        if pairs:
            return published_channels(pairs, matching_tokens=[token.token])
    channel = Channel.objects.filter(_visible(), pk=identifier).first()
    return published_channels([(channel, channel.version)]) if channel else []


def public_channel_list(*, keyword: str = "", language: str = "") -> list[PublicChannel]:
    channels = list(Channel.objects.filter(_visible(), public=True))
    priority = {c.id: c.priority for c in channels}
    found = published_channels([(c, c.version) for c in channels])
    found.sort(key=lambda c: (-priority[c["id"]], c["name"].lower(), c["id"]))  # by published name
    keyword = keyword.strip().lower()
    if keyword:
        found = [c for c in found if keyword in c["name"].lower() or keyword in c["description"].lower()]
    language = language.strip()
    if language:
        found = [c for c in found if c["language"] == language or language in c["included_languages"]]
    return found


# --- views ------------------------------------------------------------------------------------


def _json(data: Any, *, status: int = 200, max_age: int = 0, public: bool = True) -> JsonResponse:
    response = JsonResponse(data, status=status, safe=False)
    if status == 200 and max_age:
        patch_cache_control(response, max_age=max_age, **({"public": True} if public else {"private": True}))
    else:
        patch_cache_control(response, no_cache=True)
    return response


def _not_found(message: str) -> JsonResponse:
    return _json({"detail": message}, status=404)


@require_safe
def channel_list_view(request: HttpRequest, version: str) -> JsonResponse:
    if version != "v1":
        return _not_found("API version is unavailable")
    found = public_channel_list(keyword=request.GET.get("keyword", ""), language=request.GET.get("language", ""))
    return _json(found, max_age=LIST_MAX_AGE)


@require_safe
def channel_lookup_view(request: HttpRequest, version: str, identifier: str) -> JsonResponse:
    if version != "v1":
        return _not_found("API version is unavailable")
    found = lookup_channels(identifier)
    if not found:
        return _not_found("No channel matching the identifier was found")
    return _json(found, max_age=LOOKUP_MAX_AGE, public=all(c["public"] for c in found))


@require_safe
def channel_name_view(request: HttpRequest, channel_id: str) -> JsonResponse:
    channel = Channel.objects.filter(_visible(), pk=channel_id.strip().replace("-", "").lower()).first()
    found = published_channels([(channel, channel.version)]) if channel else []
    if not found:
        return _not_found("Channel not found")
    data = {key: found[0][key] for key in ("name", "description", "version")}
    return _json(data, max_age=LOOKUP_MAX_AGE, public=found[0]["public"])


@require_safe
def info_view(request: HttpRequest) -> JsonResponse:
    """What Kolibri's NetworkClient.connect reads to accept this server as a content source.

    Earlier Kolibris send no ``v``: version 1 keys, as Kolibri's own endpoint.
    """
    host = split_domain_port(request.get_host())[0] or request.get_host()
    info = {
        "application": "studio",
        "kolibri_version": KOLIBRI_VERSION,
        "instance_id": uuid.uuid5(uuid.NAMESPACE_DNS, host).hex,
        "device_name": host,
        "operating_system": None,
        "subset_of_users_device": False,
        "min_content_schema_version": MIN_SCHEMA_VERSION,
    }
    keys = DEVICE_INFO_KEYS.get(request.GET.get("v", "1"), DEVICE_INFO_KEYS["3"])
    return _json({key: info[key] for key in keys}, max_age=LIST_MAX_AGE)


# Kolibri probes both "api/public/info/" and "/api/public/info": both answer, no redirect.
urlpatterns = [
    re_path(r"^api/public/info/?$", info_view, name="public-info"),
    re_path(r"^api/public/channel/(?P<channel_id>[^/]+)/?$", channel_name_view, name="public-channel"),
    re_path(
        r"^api/public/(?P<version>[^/]+)/channels/lookup/(?P<identifier>[^/]+)/?$",
        channel_lookup_view,
        name="public-channel-lookup",
    ),
    re_path(r"^api/public/(?P<version>[^/]+)/channels/?$", channel_list_view, name="public-channel-list"),
]
