"""HTTP adapters for files: announce an upload, receive its bytes, serve stored content.

* ``POST /api/file/upload_url`` (session + CSRF or token): validates the announcement and
  answers an upload URL on this server carrying a signed, expiring token (ricecooker's PUT
  may carry a token header, a browser's may not: the signature is the authority), and
  ``received``: how many of these bytes the server already holds for this user.
* ``POST /api/file/upload_urls``: the same for up to 100 files in one request, each answered
  as the single announcement would be.
* ``PUT|HEAD /api/file/upload/<token>``: the bytes, whole or in ``Content-Range`` pieces;
  ``HEAD`` or ``PUT`` with ``Content-Range: bytes */<total>`` reports progress
  (200 = stored, 308 + ``Range: bytes=0-<last>`` = partial, like resumable-upload protocols).
* ``GET|HEAD /content/storage/<c0>/<c1>/<md5>.<ext>`` and ``/content/databases/<name>``:
  public, as Studio's bucket is; content is immutable so it is cached for a year.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Iterator
from typing import Literal

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from le_utils.constants import file_formats
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contentcuration import storage
from contentcuration.errors import Conflict, Invalid
from contentcuration.files.quota import QuotaExceeded
from contentcuration.files.uploads import (
    MAX_ANNOUNCED_AT_ONCE,
    UPLOAD_URL_MAX_AGE,
    InvalidUpload,
    LengthRequired,
    StorageFailed,
    UploadRejected,
    UploadState,
    create_upload,
    create_uploads,
    receive_upload,
    serialize_file,
    upload_state,
    validate_upload_request,
)
from contentcuration.middleware import accepts_large_body
from contentcuration.models import File, User
from contentcuration.viewsets import openapi
from contentcuration.viewsets.parsers import CheckedJSONParser

UPLOAD_SALT = "contentcuration.file-upload"
STREAM_CHUNK = 1024 * 1024
CONTENT_RANGE_RE = re.compile(r"bytes (?:([0-9]+)-([0-9]+)|\*)/([0-9]+)")
RANGE_RE = re.compile(r"bytes=([0-9]*)-([0-9]*)")
SCRIPTABLE_TYPES = {"image/svg+xml", "text/html", "application/xhtml+xml", "text/xml", "application/xml"}

_LE_UTILS_MIMETYPES = {f.id: f.mimetype for f in file_formats.FORMATLIST if "/" in (f.mimetype or "")}


def mimetype_for(extension: str) -> str:
    guessed, _ = mimetypes.guess_type(f"x.{extension}")
    return guessed or _LE_UTILS_MIMETYPES.get(extension) or "application/octet-stream"


# --- announcing -------------------------------------------------------------------------------


def upload_token(file_id: str) -> str:
    return signing.TimestampSigner(salt=UPLOAD_SALT).sign(file_id)


def file_id_from_token(token: str) -> str | None:
    try:
        return signing.TimestampSigner(salt=UPLOAD_SALT).unsign(token, max_age=UPLOAD_URL_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None


class UploadURLView(APIView):
    """``POST /api/file/upload_url``: see module docstring and spec 4.5."""

    parser_classes = [CheckedJSONParser]  # JSON only: any other body is a 415

    @extend_schema(
        request=openapi.UploadURLRequest,
        responses={200: openapi.UploadURLAnswer, 400: openapi.FIELD_ERRORS, 412: openapi.QUOTA_EXCEEDED},
        examples=[openapi.UPLOAD_URL_EXAMPLE],
        description="Announce an upload (size, checksum, name, file_format, preset); answers the URL to PUT the bytes to.",
    )
    def post(self, request: Request) -> Response:
        try:
            # An InvalidUpload goes to the REST mapping (viewsets/rest_errors): 400 {field: [message]}.
            announced = validate_upload_request(request.data)
            user = request.user
            assert isinstance(user, User)  # the default permission (IsAuthenticated) let only users in
            file, might_skip = create_upload(user=user, request=announced)
        except QuotaExceeded as exc:
            return Response(_quota_refusal(exc), status=412)
        return Response(_ticket(request, file, might_skip))


def _quota_refusal(exc: QuotaExceeded) -> dict:
    return {"detail": str(exc), "used": exc.used, "allowed": exc.allowed, "size": exc.size}


def _ticket(request: Request, file: File, might_skip: bool) -> dict:
    """The answer to one announced file: where to PUT its bytes, and what the server holds."""
    url = request.build_absolute_uri(reverse("file-upload", args=[upload_token(file.pk)]))
    return {
        "uploadURL": url,
        "mimetype": mimetype_for(file.file_format_id or ""),
        "might_skip": might_skip,
        "resumable": False,
        # Bytes the server already holds from an earlier announcement of the same
        # bytes by this user (a reload mid-upload): PUT from here with Content-Range.
        "received": upload_state(file).received,
        "file": serialize_file(file),
    }


class UploadURLsView(APIView):
    """``POST /api/file/upload_urls``: many announcements in one request (the browser's queue
    of small files: one round trip per file was most of the time of 100 small uploads).
    ``{"files": [announcement, ...]}`` (1 to ``MAX_ANNOUNCED_AT_ONCE``) answers
    ``{"files": [{"status", "body"}, ...]}`` in the same order, each entry being what
    ``POST /api/file/upload_url`` answers for that announcement alone (200 with the upload
    URL, 400 naming the fields at fault, 412 over quota); a refused entry leaves the others
    announced. Same authentication, validation and quota rule as the single announcement."""

    parser_classes = [CheckedJSONParser]

    @extend_schema(
        request=openapi.UploadURLsRequest,
        responses={200: openapi.UploadURLsAnswer, 400: openapi.FIELD_ERRORS},
        description=(
            "Announce several uploads at once; each entry of the answer is what `upload_url` answers "
            "for that file alone (status and body)."
        ),
    )
    def post(self, request: Request) -> Response:
        data = request.data
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, list) or not 1 <= len(files) <= MAX_ANNOUNCED_AT_ONCE:
            raise InvalidUpload({"files": [f"Expected a list of 1 to {MAX_ANNOUNCED_AT_ONCE} file announcements."]})
        user = request.user
        assert isinstance(user, User)  # the default permission (IsAuthenticated) let only users in
        entries = []
        for outcome in create_uploads(user=user, announcements=files):
            if isinstance(outcome, InvalidUpload):
                entries.append({"status": 400, "body": outcome.errors})
            elif isinstance(outcome, QuotaExceeded):
                entries.append({"status": 412, "body": _quota_refusal(outcome)})
            else:
                entries.append({"status": 200, "body": _ticket(request, *outcome)})
        return Response({"files": entries})


# --- receiving --------------------------------------------------------------------------------


def _with_range(response: HttpResponse, state: UploadState | None) -> HttpResponse:
    """Add the resumable-upload ``Range`` header saying which bytes the server holds."""
    if state is not None and not state.complete and state.received:
        response["Range"] = f"bytes=0-{state.received - 1}"
    return response


def _progress_response(state: UploadState) -> HttpResponse:
    body = {"received": state.received, "total": state.total, "complete": state.complete}
    return _with_range(JsonResponse(body, status=200 if state.complete else 308), state)


def _rejection(status: int, message: str, state: UploadState | None = None) -> HttpResponse:
    return _with_range(JsonResponse({"detail": message}, status=status), state)


# The upload URL's one mapping of a refused PUT (files.uploads.UploadRejected) to its status,
# by class, most specific first; anything else refused is a 400, as in REST's mapping.
REJECTION_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (LengthRequired, 411),
    (Conflict, 416),  # ResumeGap: a piece beyond the bytes held; the answer's Range says where to resume
    (StorageFailed, 507),  # the disk refused valid bytes: the server's failure, not the client's
    (Invalid, 400),
)


def _refused(exc: UploadRejected) -> HttpResponse:
    status = next((code for cls, code in REJECTION_STATUS if isinstance(exc, cls)), 400)
    return _rejection(status, exc.message, exc.state)


def _int_header(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() else None


@accepts_large_body
@csrf_exempt
@require_http_methods(["PUT", "HEAD"])
def upload_view(request: HttpRequest, token: str) -> HttpResponse:
    file_id = file_id_from_token(token)
    if file_id is None:
        return _rejection(403, "This upload URL is invalid or has expired; ask for a new one.")
    file = File.objects.filter(pk=file_id).exclude(file_format=None).first()
    if file is None:
        return _rejection(404, "The file of this upload URL no longer exists.")
    if request.method == "HEAD":
        return _progress_response(upload_state(file))

    content_range = request.headers.get("Content-Range")
    start = end = total = None
    if content_range:
        match = CONTENT_RANGE_RE.fullmatch(content_range.strip())
        if not match:
            return _rejection(400, f"Malformed Content-Range {content_range!r}; expected 'bytes a-b/total'.")
        total = int(match.group(3))
        if match.group(1) is None:  # "bytes */total": a progress query
            if total != file.file_size:
                return _rejection(400, f"Content-Range total {total} differs from the announced size.")
            return _progress_response(upload_state(file))
        start, end = int(match.group(1)), int(match.group(2))
    try:
        state = receive_upload(
            file=file,
            stream=request,
            length=_int_header(request.META.get("CONTENT_LENGTH")),
            start=start,
            end=end,
            total=total,
            content_md5=request.headers.get("Content-MD5"),
        )
    except UploadRejected as exc:
        return _refused(exc)
    return _progress_response(state)


# --- serving ----------------------------------------------------------------------------------


def parse_range(header: str | None, size: int) -> tuple[int, int] | Literal[False] | None:
    """(first, last) of a single satisfiable range; None to serve everything; False if
    unsatisfiable."""
    if not header:
        return None
    match = RANGE_RE.fullmatch(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None  # multiple or malformed ranges: RFC 9110 lets us ignore the header
    first, last = match.group(1), match.group(2)
    if first == "":
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(size - length, 0), size - 1
    first_i = int(first)
    last_i = min(int(last), size - 1) if last else size - 1
    if first_i >= size or first_i > last_i:
        return False
    return first_i, last_i


def ranged_response(
    request: HttpRequest,
    *,
    size: int,
    content_type: str,
    headers: dict[str, str],
    stream: Callable[[int, int], Iterator[bytes]],
) -> HttpResponseBase:
    """The answer to a GET/HEAD of ``size`` bytes carrying ``headers`` (with its ``ETag``):
    304 for a matching ``If-None-Match``, 206 for one satisfiable ``Range``, 416 for an
    unsatisfiable one, else 200; the body is ``stream(first, length)``, streamed."""
    etag = headers["ETag"]
    headers = {**headers, "Accept-Ranges": "bytes"}
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return HttpResponse(status=304, headers=headers)
    byte_range = parse_range(request.headers.get("Range"), size)
    if byte_range is False:
        return HttpResponse(status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    status, first, length = 200, 0, size
    if byte_range:
        status, first, length = 206, byte_range[0], byte_range[1] - byte_range[0] + 1
        headers["Content-Range"] = f"bytes {first}-{byte_range[1]}/{size}"
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return HttpResponse(status=status, content_type=content_type, headers=headers)
    response = StreamingHttpResponse(stream(first, length), status=status, content_type=content_type)
    for name, value in headers.items():
        response[name] = value
    return response


def _serve(request: HttpRequest, key: str, *, content_type: str, etag: str, cache_control: str) -> HttpResponseBase:
    if not storage.key_exists(key):
        raise Http404("Not stored.")
    headers = {
        "ETag": etag,
        "Cache-Control": cache_control,
        "Last-Modified": http_date(storage.object_modified(key).timestamp()),
        "Access-Control-Allow-Origin": "*",
    }
    if content_type in SCRIPTABLE_TYPES:
        # An uploaded SVG must never run script on this origin. Not applied to everything:
        # browsers refuse to render a PDF opened directly under a sandbox policy.
        headers["Content-Security-Policy"] = "sandbox"
    return ranged_response(
        request,
        size=storage.object_size(key),
        content_type=content_type,
        headers=headers,
        stream=lambda first, length: storage.iter_object(key, first=first, length=length, chunk_size=STREAM_CHUNK),
    )


@require_http_methods(["GET", "HEAD"])
def content_view(request: HttpRequest, c0: str, c1: str, checksum: str, ext: str) -> HttpResponseBase:
    if (c0, c1) != (checksum[0], checksum[1]):
        raise Http404("Not stored.")
    return _serve(
        request,
        storage.storage_key(checksum, ext),
        content_type=mimetype_for(ext),
        etag=f'"{checksum}"',
        cache_control="public, max-age=31536000, immutable",
    )


@require_http_methods(["GET", "HEAD"])
def database_view(request: HttpRequest, name: str) -> HttpResponseBase:
    key = storage.database_key_from_name(name)
    if key is None or not storage.key_exists(key):
        raise Http404("Not stored.")
    modified = storage.object_modified(key)
    return _serve(
        request,
        key,
        content_type="application/x-sqlite3",
        etag=f'"{int(modified.timestamp() * 1000):x}-{storage.object_size(key):x}"',
        # Republishing replaces the file: caches must revalidate.
        cache_control="public, no-cache",
    )
