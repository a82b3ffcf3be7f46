"""The chef (ricecooker) API: thin adapters over chef_upload, chef_nodes, deploy and tree_data.

Every view is DRF (so CSRF-exempt for token clients), authenticates with ``Authorization:
Token <key>`` or a session, requires a logged-in user, and reads its JSON from the raw body:
ricecooker posts JSON without a Content-Type (spec ricecooker-api.md 2.3), so DRF's
content-type keyed parsers are bypassed. Errors are ``ChefError`` answered as JSON 4xx; a domain
function's ``DomainError`` is mapped to one (``chef_errors.from_domain``) in ``internal_api``.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from contentcuration import storage
from contentcuration.accounts.authentication import UserTokenAuthentication
from contentcuration.accounts.throttling import TokenThrottle
from contentcuration.channels import publishing
from contentcuration.errors import DomainError
from contentcuration.files import quota
from contentcuration.limits import InvalidJSON, load_json
from contentcuration.models import File, FileFormat
from contentcuration.publish.tasks import publish_channel_task
from contentcuration.viewsets import openapi

from . import chef_nodes, chef_upload, node_parsing, tree_data
from .chef_errors import ChefError, InvalidRequest, QuotaExceeded, from_domain
from .ricecooker_versions import version_status

logger = logging.getLogger(__name__)


def internal_api(
    *methods: str,
    request_type=OpenApiTypes.OBJECT,
    response_type=OpenApiTypes.OBJECT,
    throttles=(),
    json_request: bool = True,
):
    """DRF view with Token-then-Session auth (so anonymous gets 401 + WWW-Authenticate: Token),
    described in the OpenAPI schema by its docstring (bodies are free-form JSON, spec
    ricecooker-api.md section 5).

    A ``json_request`` view has its raw body read before DRF sees the request: for a session
    user DRF's CSRF check parses the stream (``request.POST``), after which ``request.body``
    raises ``RawPostDataException`` (every session write was a 500, issue 10 item 1). DRF then
    parses from the cached copy. Multipart views (``file_upload``) pass ``json_request=False``
    and are left to stream.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                try:
                    return view(request, *args, **kwargs)
                except DomainError as exc:
                    raise from_domain(exc) from exc
            except ChefError as exc:
                logger.info("chef API %s by %s refused: %s", request.path, request.user, exc)
                return Response(exc.as_json(), status=exc.status)

        schema = extend_schema(
            request=request_type,
            responses={200: response_type, **{status: OpenApiTypes.OBJECT for status in (400, 401, 403, 404, 412)}},
            description=(view.__doc__ or "").strip(),
            tags=["internal (ricecooker)"],
        )
        drf_view = schema(
            api_view(list(methods) or ["POST"])(
                authentication_classes([UserTokenAuthentication, SessionAuthentication])(
                    permission_classes([IsAuthenticated])(throttle_classes(list(throttles))(wrapped))
                )
            )
        )
        if not json_request:
            return drf_view

        @functools.wraps(drf_view)
        def body_first(request, *args, **kwargs):
            request.body  # noqa: B018 - cached on the HttpRequest; json_body reads it later
            return drf_view(request, *args, **kwargs)

        return body_first

    return decorate


def json_body(request, *, expect: type = dict) -> Any:
    try:
        data = load_json(request.body or b"null")
    except InvalidJSON as exc:
        if exc.path:
            raise InvalidRequest(exc.message, field=exc.path) from None
        raise InvalidRequest(f"The request body is not JSON we accept: {exc.message}") from None
    if not isinstance(data, expect):
        raise InvalidRequest(f"The request body must be a JSON {'object' if expect is dict else 'array'}")
    return data


def required(data: dict, key: str) -> Any:
    if key not in data:
        raise InvalidRequest(f"{key} is required", field=key)
    return data[key]


@internal_api("GET", "POST", request_type=openapi.NO_BODY, throttles=[TokenThrottle])
def authenticate_user_internal(request):
    """The token's user: ``{success, user_id, username (email), first_name, last_name, is_admin}``."""
    user = request.user
    return Response(
        {
            "success": True,
            "user_id": user.pk,
            "username": str(user),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "is_admin": user.is_admin,
        }
    )


@internal_api("POST", request_type=openapi.CheckVersion)
def check_version(request):
    """``{version}`` -> ``{success, status 0..3, message}`` (docs/ricecooker-version-policy.md)."""
    version = required(json_body(request), "version")
    try:
        status, message = version_status(str(version))
    except ValueError as exc:
        raise InvalidRequest(str(exc), field="version") from None
    return Response({"success": True, "status": status, "message": message})


@internal_api("POST", request_type=openapi.ChefCreateChannel)
def create_channel(request):
    """``{channel_data}`` -> ``{success, root, channel_id}``: get or create the channel, fresh chef tree."""
    data = json_body(request)
    channel = chef_upload.create_chef_tree(user=request.user, channel_data=required(data, "channel_data"))
    return Response({"success": True, "root": channel.chef_tree_id, "channel_id": channel.pk})


@internal_api("POST", request_type=openapi.ChefAddNodes)
def add_nodes(request):
    """``{root_id, content_data: [node]}`` -> ``{success, root_ids: {node_id: id}}``; 400 names node and field."""
    data = json_body(request)
    parent, channel_id = chef_nodes.get_editable_parent(user=request.user, root_id=required(data, "root_id"))
    root_ids = chef_nodes.add_nodes(
        user=request.user, parent=parent, channel_id=channel_id, content_data=required(data, "content_data")
    )
    return Response({"success": True, "root_ids": root_ids})


@internal_api("POST", request_type=openapi.ChefFinishChannel)
def finish_channel(request):
    """``{channel_id, stage}`` -> ``{success, new_channel}``: chef tree to staging; ``stage: false`` deploys."""
    data = json_body(request)
    channel = chef_upload.editable_channel(user=request.user, channel_id=required(data, "channel_id"))
    stage = data.get("stage", True)
    if not isinstance(stage, bool):
        raise InvalidRequest("stage must be true or false", field="stage")
    channel = chef_upload.finish_upload(user=request.user, channel=channel, stage=stage)
    return Response({"success": True, "new_channel": channel.pk, "staged": channel.staging_tree_id is not None})


@internal_api("POST", request_type=openapi.ChefPublishChannel)
def publish_channel(request):
    """``{channel_id, version_notes?, language?}`` -> ``{success, channel, task_id}``: the same
    request as the sync PUBLISHED change (``channels.publishing.request_publish``)."""
    data = json_body(request)
    channel = chef_upload.editable_channel(user=request.user, channel_id=required(data, "channel_id"))
    task_id = publishing.request_publish(
        task=publish_channel_task,
        channel_id=channel.pk,
        user=request.user,
        version_notes=data.get("version_notes") or "",
        language=data.get("language") or None,
    )
    return Response({"success": True, "channel": channel.pk, "task_id": task_id})


@internal_api("POST", request_type=openapi.ChefChannelId)
def check_user_is_editor(request):
    """``{channel_id}`` -> ``{success: true}``, or 404 when the caller cannot edit it."""
    chef_upload.editable_channel(user=request.user, channel_id=required(json_body(request), "channel_id"))
    return Response({"success": True})


@internal_api("POST", request_type=openapi.ChefTreeData)
def get_tree_data(request):
    """``{channel_id, tree}`` -> ``{success, tree: [nested entries]}``."""
    data = json_body(request)
    channel = chef_upload.editable_channel(user=request.user, channel_id=required(data, "channel_id"))
    root = tree_data.tree_root(channel=channel, tree_name=data.get("tree", "main"))
    return Response({"success": True, "tree": tree_data.get_tree_data(root=root)})


@internal_api("POST", request_type=openapi.ChefNodeTreeData)
def get_node_tree_data(request):
    """``{channel_id, tree, node_id?}`` -> ``{success, tree: [one level], staged}``."""
    data = json_body(request)
    channel = chef_upload.editable_channel(user=request.user, channel_id=required(data, "channel_id"))
    root = tree_data.tree_root(channel=channel, tree_name=data.get("tree", "main"))
    entries = tree_data.get_node_tree_data(root=root, node_id=data.get("node_id"))
    return Response({"success": True, "tree": entries, "staged": channel.staging_tree_id is not None})


@internal_api("POST", request_type=openapi.ChefChannelStatusBulk)
def get_channel_status_bulk(request):
    """``{channel_ids}`` -> ``{success, statuses: {id: active|deleted|staged|unpublished}}``."""
    ids = required(json_body(request), "channel_ids")
    if not isinstance(ids, list):
        raise InvalidRequest("channel_ids must be a list", field="channel_ids")
    channels = [chef_upload.editable_channel(user=request.user, channel_id=i) for i in ids]
    return Response({"success": True, "statuses": tree_data.channel_statuses(channels)})


@internal_api("POST", request_type=openapi.FILE_DIFF, response_type=openapi.FILE_DIFF_ANSWER)
def file_diff(request):
    """Legacy (ricecooker < 0.7): which of these ``<md5>.<ext>`` names are not stored yet."""
    names = json_body(request, expect=list)
    missing = []
    for name in names:
        match = node_parsing.FILENAME_RE.fullmatch(name) if isinstance(name, str) else None
        if not match:
            raise InvalidRequest(f"{name!r} is not '<md5>.<ext>'", field="files")
        if not storage.object_exists(*match.groups()):
            missing.append(name)
    return Response(missing)


@internal_api(
    "POST",
    request_type={
        "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
    },
    json_request=False,
)
def file_upload(request):
    """Legacy (ricecooker < 0.7): a multipart ``file`` named ``<md5>.<ext>``; checked and stored."""
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidRequest("a multipart field 'file' is required", field="file")
    match = node_parsing.FILENAME_RE.fullmatch(upload.name or "")
    if not match:
        raise InvalidRequest(f"{upload.name!r} is not '<md5>.<ext>'", field="file")
    checksum, extension = match.groups()
    user = request.user
    try:
        quota.check_space(user=user, sizes={checksum: upload.size})
    except quota.QuotaExceeded as exc:
        raise QuotaExceeded(str(exc), field="file") from None
    owned = File.objects.filter(uploaded_by=user, checksum=checksum).exists()
    if not FileFormat.objects.filter(pk=extension).exists():
        raise InvalidRequest(f"unknown file format {extension!r}", field="file")
    data = upload.read()
    if hashlib.md5(data).hexdigest() != checksum:
        raise InvalidRequest(f"the content of {upload.name} does not match its md5 name", field="file")
    storage.save_bytes(data, extension)
    if not owned:
        File.objects.create(
            checksum=checksum,
            file_format_id=extension,
            file_size=len(data),
            file_on_disk=storage.storage_key(checksum, extension),
            original_filename=upload.name,
            uploaded_by=user,
        )
        quota.recalculate_storage_used(user)
    return Response({"success": True})
