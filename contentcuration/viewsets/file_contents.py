"""HTTP adapters that read inside stored files: what the browser needs to make a resource
from an upload, and to preview HTML5 apps and H5P.

* ``GET /api/file/<id>/metadata`` (session or token; the file must be viewable: the
  uploader's own unattached upload, or a file of a node the user may view): title,
  language, license, author, duration, HTML5 entry page and problems read from the bytes
  (``files.metadata``). 409 while the bytes are not stored.
* ``GET|HEAD /zipcontent/<md5>.<ext>/<path>``: one entry of a stored ``.zip`` / ``.h5p``,
  the paths Kolibri's zipcontent uses, for a sandboxed ``<iframe>``. Public and
  content-addressed like ``/content/storage/`` (which already serves the whole archive to
  anyone holding its md5): gating the entries behind channel permissions would protect
  nothing. What protects the curator is the origin: every answer carries
  ``Content-Security-Policy: sandbox allow-scripts ...`` without ``allow-same-origin``, so an
  app's pages run in an opaque origin: no cookies, no ``document.cookie``, no same-origin
  reads of ``/api/``, even when opened outside the iframe. Framing is limited to our pages.
* ``GET /zipcontent/<md5>.h5p/`` (the archive's root): our H5P player page
  (templates/previews/h5p_player.html). It loads h5p-standalone from the app's static files
  (``/static/app/h5p-player/``, copied there by the frontend build) and points it at this
  same archive's entries: ``h5p.json`` at the root, ``content/content.json``, the libraries
  as ``H5P.Foo-1.2/`` folders at the root. Same CSP sandbox as every entry, so the player and
  the libraries' scripts run in an opaque origin too; ``no-cache``, since the player's asset
  URLs change with a deploy while the archive's entries never do.
"""

from __future__ import annotations

import json
import mimetypes
import posixpath
import re
import zipfile
from collections.abc import Iterator

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contentcuration.files import archives
from contentcuration.files.metadata import read_file_metadata
from contentcuration.models import File
from contentcuration.viewsets.file_transfer import STREAM_CHUNK, ranged_response

ZIP_CONTENT_FORMATS = ("zip", "h5p")
# The app runs scripts, forms, popups and media, in an opaque origin (no allow-same-origin).
# Network access: this server only (entries of the same archive; Kolibri is offline too).
PREVIEW_CSP = (
    "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads allow-pointer-lock; "
    "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; "
    "frame-ancestors 'self'"
)
EXTRA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".vtt": "text/vtt",
    ".webm": "video/webm",
    ".svg": "image/svg+xml",
}
# Where the frontend build (vite.config.ts) puts h5p-standalone's dist: a static path.
H5P_PLAYER_STATIC = "app/h5p-player/"
LANGUAGE_TAG_RE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
TEXT_TYPES = ("text/", "application/json", "application/javascript", "image/svg+xml", "application/xml")


def entry_content_type(name: str) -> str:
    ext = posixpath.splitext(name)[1].lower()
    content_type = EXTRA_TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith(TEXT_TYPES) and "charset" not in content_type:
        content_type += "; charset=utf-8"  # what nearly every app's files are; browsers sniff otherwise
    return content_type


class FileMetadataView(APIView):
    """``GET /api/file/<id>/metadata``: see the module docstring."""

    @extend_schema(
        responses={
            200: OpenApiResponse(
                description="title, language, license, license_name, author, duration, entry, problems"
            ),
            404: OpenApiResponse(description="No such file the user may view."),
            409: OpenApiResponse(description="The file's bytes are not uploaded yet."),
        },
        description="What the server reads from an uploaded file: the new resource's title, language, license, "
        "author, media duration, HTML5 entry page, and problems that make it unusable.",
    )
    def get(self, request: Request, file_id: str) -> Response:
        file = File.objects.viewable_by(request.user).filter(pk=file_id).exclude(file_format=None).first()
        if file is None:
            return Response({"detail": "Not found."}, status=404)
        try:
            meta = read_file_metadata(file)
        except FileNotFoundError:
            return Response({"detail": "The file's bytes have not been uploaded yet."}, status=409)
        return Response(meta.as_dict())


def _entry_response(request: HttpRequest, checksum: str, ext: str, info: zipfile.ZipInfo) -> HttpResponseBase:
    headers = {
        "ETag": f'"{checksum}-{info.CRC:08x}-{info.file_size:x}"',
        "Cache-Control": "public, max-age=31536000, immutable",
        "Content-Security-Policy": PREVIEW_CSP,
        "Access-Control-Allow-Origin": "*",  # the app's own fetches come from its opaque origin
        "Referrer-Policy": "no-referrer",
    }
    return ranged_response(
        request,
        size=info.file_size,
        content_type=entry_content_type(info.filename),
        headers=headers,
        stream=lambda first, length: _stream_entry(checksum, ext, info.filename, first=first, length=length),
    )


def _stream_entry(checksum: str, ext: str, name: str, *, first: int, length: int) -> Iterator[bytes]:
    # Opens the archive again: the answer is streamed after the view has returned.
    with archives.open_stored_archive(checksum, ext) as archive:
        yield from archives.iter_entry(archive, archive.getinfo(name), first=first, length=length, chunk=STREAM_CHUNK)


def _h5p_manifest(archive: zipfile.ZipFile) -> dict:
    text = archives.read_text_entry(archive, "h5p.json")
    try:
        manifest = json.loads(text) if text else None
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict):
        raise Http404("The archive has no readable h5p.json.")
    return manifest


def _h5p_player_response(checksum: str, manifest: dict) -> HttpResponse:
    base = f"/zipcontent/{checksum}.h5p"
    title, language = (value if isinstance(value := manifest.get(key), str) else "" for key in ("title", "language"))
    player = static(H5P_PLAYER_STATIC)
    context = {
        "title": title or "H5P",
        "language": language if LANGUAGE_TAG_RE.fullmatch(language) else "en",
        "player_js": player + "main.bundle.js",
        "options": {
            "player": {
                "h5pJsonPath": base,
                "contentJsonPath": f"{base}/content",
                "librariesPath": base,
                "frameJs": player + "frame.bundle.js",
                "frameCss": player + "styles/h5p.css",
                "embedType": "div",  # see the template: this page is the sandboxed frame
            },
            "failureText": "The H5P player could not start:",
        },
    }
    response = HttpResponse(
        render_to_string("previews/h5p_player.html", context), content_type="text/html; charset=utf-8"
    )
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["Cache-Control"] = "no-cache"
    response["Referrer-Policy"] = "no-referrer"
    return response


@xframe_options_sameorigin
@require_http_methods(["GET", "HEAD"])
def zip_content_view(request: HttpRequest, checksum: str, ext: str, path: str) -> HttpResponseBase:
    if ext not in ZIP_CONTENT_FORMATS:
        raise Http404("Not an archive format.")
    try:
        with archives.open_stored_archive(checksum, ext) as archive:
            if ext == "h5p" and path == "":
                return _h5p_player_response(checksum, _h5p_manifest(archive))
            info = archives.find_entry(archive, path)
            if info is None:
                raise Http404("No such entry in the archive.")
        return _entry_response(request, checksum, ext, info)
    except FileNotFoundError as exc:
        raise Http404("Not stored.") from exc
    except archives.NotAnArchive:
        return JsonResponse({"detail": "The stored file is not a readable zip archive."}, status=422)
