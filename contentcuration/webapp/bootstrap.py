"""What the browser app needs before its first request: the signed-in user with ``user_rev``
and ``clipboard_tree_id`` (the root of their clipboard, which ``/api/clipboard`` lists by),
the CSRF token, a channel page's ``server_rev``, and the reference data (languages, licenses,
kinds, format presets, label vocabularies), which is versioned by an ETag."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.middleware.csrf import get_token

from contentcuration.models import Change, Channel, ContentKind, FormatPreset, Language, License, User
from contentcuration.nodes.field_table import LABEL_MODULES

REFERENCE_URL = "/api/bootstrap/reference"
CHANNEL_PATH = re.compile(r"^/channels/(?P<channel_id>[0-9a-f]{32})(?:/|$)")


def user_rev(user: User) -> int:
    """The highest applied server_rev of the user's own feed (invitations, bookmarks, ...)."""
    return Change.objects.filter(user=user, applied=True).aggregate(rev=Max("server_rev"))["rev"] or 0


def channel_rev(channel_id: str) -> int:
    """The channel's highest applied server_rev: where a page opened on it starts its feed."""
    return Change.objects.filter(channel_id=channel_id, applied=True).aggregate(rev=Max("server_rev"))["rev"] or 0


def channel_id_of(path: str) -> str | None:
    match = CHANNEL_PATH.match(path)
    return match.group("channel_id") if match else None


def bootstrap(request, *, path: str) -> dict[str, Any]:
    user = request.user if request.user.is_authenticated else None
    channel_id = channel_id_of(path) if user is not None else None
    if channel_id is not None and not Channel.objects.viewable_by(user).filter(pk=channel_id).exists():
        channel_id = None  # the app shows "not found"; the shell reveals nothing about it
    return {
        "user": None
        if user is None
        else {
            "id": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "is_admin": user.is_admin,
            "user_rev": user_rev(user),
            "clipboard_tree_id": user.clipboard_tree_id,
        },
        "csrf_token": get_token(request),
        "channel_id": channel_id,
        "channel_rev": channel_rev(channel_id) if channel_id else None,
        "require_email_activation": settings.REQUIRE_EMAIL_ACTIVATION,
        "reference_url": REFERENCE_URL,
    }


def _labels(module, ids: list[str]) -> dict[str, str]:
    """Each label id with its le-utils constant's name, lower-cased (e.g. "watch")."""
    return {
        value: name.lower()
        for name, value in sorted(vars(module).items())
        if name.isupper() and isinstance(value, str) and value in ids
    }


def reference_data() -> dict[str, Any]:
    presets = []
    for preset in FormatPreset.objects.order_by("order", "id").prefetch_related("allowed_formats"):
        presets.append(
            {
                "id": preset.id,
                "readable_name": preset.readable_name,
                "kind_id": preset.kind_id,
                "multi_language": preset.multi_language,
                "supplementary": preset.supplementary,
                "thumbnail": preset.thumbnail,
                "subtitle": preset.subtitle,
                "display": preset.display,
                "order": preset.order,
                "allowed_formats": sorted(f.extension for f in preset.allowed_formats.all()),
            }
        )
    return {
        "languages": list(
            Language.objects.order_by("id").values("id", "lang_code", "readable_name", "native_name", "lang_direction")
        ),
        "licenses": list(
            License.objects.order_by("id").values(
                "id", "license_name", "license_description", "copyright_holder_required", "is_custom"
            )
        ),
        "kinds": list(ContentKind.objects.order_by("kind").values_list("kind", flat=True)),
        "presets": presets,
        "labels": {field: _labels(module, ids) for field, (module, ids) in LABEL_MODULES.items()},
    }


def reference_body_and_etag() -> tuple[bytes, str]:
    body = json.dumps(reference_data(), sort_keys=True, separators=(",", ":")).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
