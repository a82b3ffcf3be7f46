"""The HTML shell and the bootstrap endpoints.

The shell is ``frontend/dist/index.html`` (Vite's build) with the bootstrap inlined as JSON;
it is never cached, so a new build is picked up on the next load, while the hashed files it
names are cached as immutable (settings: ``WHITENOISE_IMMUTABLE_FILE_TEST``).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from contentcuration.webapp.bootstrap import bootstrap, reference_body_and_etag

BOOTSTRAP_MARKER = "<!--bootstrap-->"
NOT_BUILT = (
    "The browser app is not built. Run `make run` (or `cd frontend && npm ci && npm run build`); "
    "for development, `make dev` serves it with hot reload.\n"
)


def _script_json(data: dict) -> str:
    # Inside <script>, "</" would end the element: escape it (and the other HTML specials).
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_shell(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    """The app's HTML for any route of the app (deep links work on reload)."""
    index = settings.FRONTEND_DIST / "index.html"
    try:
        html = index.read_text(encoding="utf-8")
    except FileNotFoundError:
        response = HttpResponse(NOT_BUILT, status=503, content_type="text/plain; charset=utf-8")
    else:
        data = bootstrap(request, path=request.path)
        script = f'<script id="bootstrap" type="application/json">{_script_json(data)}</script>'
        response = HttpResponse(html.replace(BOOTSTRAP_MARKER, script, 1), status=status)
    add_never_cache_headers(response)
    return response


@ensure_csrf_cookie
@require_GET
def shell_view(request: HttpRequest, **kwargs) -> HttpResponse:
    return render_shell(request)


@extend_schema(
    parameters=[OpenApiParameter("path", str, description="the app page, e.g. /channels/<id>/")],
    responses=OpenApiTypes.OBJECT,
)
@api_view(["GET"])
@permission_classes([AllowAny])
def bootstrap_view(request) -> Response:
    """The shell's inline bootstrap, for `make dev` where Vite serves the HTML.
    ``?path=`` names the page (for a channel page's ``channel_rev``)."""
    path = request.query_params.get("path") or "/"
    response = Response(bootstrap(request._request, path=path))
    add_never_cache_headers(response)
    return response


@require_GET
def reference_view(request: HttpRequest) -> HttpResponse:
    """Reference data with an ETag: the browser revalidates its copy and gets a 304."""
    body, etag = reference_body_and_etag()
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    patch_cache_control(response, no_cache=True, public=True)
    return response


@require_GET
def service_worker_view(request: HttpRequest) -> HttpResponse:
    """The app's service worker (``frontend/public/app-sw.js``), served at the site root so
    it may handle the app's pages (a worker's scope is its own path); never cached, so a
    new build's worker is picked up on the next load."""
    try:
        body = (settings.FRONTEND_DIST / "app-sw.js").read_bytes()
    except FileNotFoundError:
        response = HttpResponse(NOT_BUILT, status=404, content_type="text/plain; charset=utf-8")
    else:
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    add_never_cache_headers(response)
    return response
