"""``POST /api/sync/``: the one write path of the editor and of scripts (spec section 2).

The adapter: parse the envelope, classify each change (spec 2.4), hand the allowed ones to
``apply.apply_batch`` (applied in this request), then answer with the six keys. A body that
is not a JSON object, or an envelope key of the wrong type, is a 400 naming the key; a bad
change is an error on that change, never a 500.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contentcuration import jobs
from contentcuration.models import Channel, TaskMetadata

from . import constants as c
from .apply import Accepted, apply_batch
from .feed import collect_changes, collect_tasks
from .parsers import SyncJSONParser

INT32 = 2**31


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_rev(value: Any) -> bool:
    """An integer that fits a bigint column (a server_rev, a user id)."""
    return _is_int(value) and -(2**63) <= value < 2**63


class BadEnvelope(Exception):
    pass


def client_id_of(request: Request) -> tuple[str | None, str | None]:
    """(client id, session key): the session key for browsers, ``token:<user id>`` for scripts."""
    if isinstance(request.successful_authenticator, TokenAuthentication):
        return f"token:{request.user.pk}", None
    session = getattr(request._request, "session", None)
    key = session.session_key if session is not None else None
    return key, key


def parse_envelope(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BadEnvelope("The request body must be a JSON object.")
    changes = data.get("changes")
    changes = [] if changes is None else changes
    if not isinstance(changes, list):
        raise BadEnvelope("'changes' must be a list of change objects.")
    channel_revs = data.get("channel_revs")
    channel_revs = {} if channel_revs is None else channel_revs
    if not isinstance(channel_revs, dict) or not all(
        isinstance(k, str) and _is_rev(v) for k, v in channel_revs.items()
    ):
        raise BadEnvelope("'channel_revs' must be an object mapping channel ids to integers.")
    user_rev = data.get("user_rev")
    user_rev = 0 if user_rev is None else user_rev
    if not _is_rev(user_rev):
        raise BadEnvelope("'user_rev' must be an integer.")
    unapplied = data.get("unapplied_revs")
    unapplied = [] if unapplied is None else unapplied
    if not isinstance(unapplied, list) or not all(_is_rev(r) for r in unapplied):
        raise BadEnvelope("'unapplied_revs' must be a list of integers.")
    return {"changes": changes, "channel_revs": channel_revs, "user_rev": user_rev, "unapplied_revs": unapplied}


def _known_type(value: Any) -> bool:
    return _is_int(value) and value in c.ALL_CHANGES


def _known_table(value: Any) -> bool:
    return isinstance(value, str) and value in c.ALL_TABLES


def _envelope_error(change: dict) -> Any:
    """What is wrong with a change's common fields (spec 2.3), or None."""
    errors: dict[str, list[str]] = {}
    if "rev" in change and not (_is_int(change["rev"]) and -INT32 <= change["rev"] < INT32):
        errors["rev"] = ["rev must be a 32-bit integer."]
    if not _known_type(change.get("type")):
        errors["type"] = [f"Unknown change type {change.get('type')!r}."]
    if not _known_table(change.get("table")):
        errors["table"] = [f"Unknown table {change.get('table')!r}."]
    if "key" not in change:
        errors["key"] = ["This field is required."]
    return errors or None


def classify(user, raw_changes: list) -> tuple[list[Accepted], list[dict]]:
    """Split changes into allowed (to apply) and disallowed (echoed back), spec 2.4."""
    changes = [ch for ch in raw_changes if isinstance(ch, dict)]  # non-objects: dropped, as Studio
    channel_ids = {ch.get("channel_id") for ch in changes if isinstance(ch.get("channel_id"), str)}
    creating = {
        ch["channel_id"]
        for ch in changes
        if ch.get("table") == c.CHANNEL and ch.get("type") == c.CREATED and isinstance(ch.get("channel_id"), str)
    }
    existing = set(Channel.objects.filter(pk__in=channel_ids).values_list("pk", flat=True)) if channel_ids else set()
    editable = (
        set(Channel.objects.editable_by(user).filter(pk__in=channel_ids).values_list("pk", flat=True))
        if channel_ids
        else set()
    )
    allowed_channels = editable | (creating - existing)
    accepted: list[Accepted] = []
    disallowed: list[dict] = []
    for change in changes:
        channel_id, user_id = change.get("channel_id"), change.get("user_id")
        change_type = change.get("type")
        if _is_int(change_type) and change_type in c.SERVER_ONLY_CHANGES:
            disallowed.append(change)
            continue
        if channel_id is None and _is_int(user_id) and user_id == user.pk:
            channel_id = None
        elif isinstance(channel_id, str) and channel_id in allowed_channels:
            # Informational on a channel change; kept only if it can name a user row at all.
            user_id = user_id if _is_rev(user_id) else None
        else:
            disallowed.append(change)
            continue
        error = _envelope_error(change)
        rev = change.get("rev") if _is_int(change.get("rev")) and not (error and "rev" in error) else None
        accepted.append(
            Accepted(
                change=change,
                table=change["table"] if _known_table(change.get("table")) else str(change.get("table"))[:32],
                change_type=change_type if _known_type(change_type) else 0,
                rev=rev,
                channel_id=channel_id,
                user_id=user_id,
                error=error,
            )
        )
    return accepted, disallowed


class SyncView(APIView):
    authentication_classes = [SessionAuthentication, TokenAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [SyncJSONParser]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        description="Submit a batch of changes and receive the changes, outcomes and tasks the client has not seen (the Studio sync protocol).",
    )
    def post(self, request: Request) -> Response:
        try:
            envelope = parse_envelope(request.data)
        except BadEnvelope as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        user = request.user
        client_id, session_key = client_id_of(request)
        accepted, disallowed = classify(user, envelope["changes"])
        rows = []
        if accepted:
            rows = apply_batch(user=user, client_id=client_id, session_key=session_key, accepted=accepted)
        by_rev = {r.client_rev: r for r in rows if r.client_rev is not None}
        allowed = []
        for item in accepted:
            row = item.row or by_rev.get(item.rev)
            if row is not None:
                allowed.append({"rev": item.change.get("rev"), "server_rev": row.server_rev})
        viewable = (
            set(
                Channel.objects.viewable_by(user)
                .filter(pk__in=list(envelope["channel_revs"]))
                .values_list("pk", flat=True)
            )
            if envelope["channel_revs"]
            else set()
        )
        channel_revs = {k: v for k, v in envelope["channel_revs"].items() if k in viewable}
        own = set(envelope["unapplied_revs"]) | {r.server_rev for r in rows}
        feed = collect_changes(
            user=user, client_id=client_id, channel_revs=channel_revs, user_rev=envelope["user_rev"], own_revs=own
        )
        return Response(
            {
                "disallowed": disallowed,
                "allowed": allowed,
                "changes": feed["changes"],
                "errors": feed["errors"],
                "successes": feed["successes"],
                "tasks": collect_tasks(channel_ids=list(channel_revs)),
            }
        )


class CancelTaskView(APIView):
    """``POST /api/sync/tasks/<task_id>/cancel``: stop a queued or running job.

    Allowed to the user who started it and to editors of its channel; anyone else gets 404.
    Answers 200 ``{"cancelled": true}``, or 409 when the job already finished.
    """

    authentication_classes = [SessionAuthentication, TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        description="Cancel a queued or running task of a channel you can edit.",
    )
    def post(self, request: Request, task_id: str) -> Response:
        metadata = TaskMetadata.objects.filter(task_id=task_id).first()
        allowed = metadata is not None and (
            metadata.user_id == request.user.pk
            or (
                metadata.channel_id
                and Channel.objects.editable_by(request.user).filter(pk=metadata.channel_id).exists()
            )
        )
        if not allowed:
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        if not jobs.request_cancel(task_id):
            return Response({"detail": "The task already finished."}, status=status.HTTP_409_CONFLICT)
        return Response({"cancelled": True})
