"""Request checks every view gets before it runs: no NUL characters in the URL path or
query parameters (PostgreSQL refuses them in any string it is sent, so they would reach a
query and answer 500), and no body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` except on
views marked with ``accepts_large_body`` (the upload endpoints, which stream to disk).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


def accepts_large_body(view: Callable) -> Callable:
    """Mark a view that streams its body itself (file uploads): the body limit does not apply."""
    view.accepts_large_body = True  # type: ignore[attr-defined]
    return view


def nul_problem(request: HttpRequest) -> str | None:
    """Why the request's path or query cannot be used, or None."""
    if "\x00" in request.path:
        return "NUL characters are not allowed in the URL path."
    for name, values in request.GET.lists():
        if "\x00" in name:
            shown = name.split("\x00", 1)[0]
            return f"NUL characters are not allowed in query parameter names ({shown!r}…)."
        if any("\x00" in value for value in values):
            return f"NUL characters are not allowed in the query parameter {name!r}."
    return None


class RequestLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = nul_problem(request)
        if problem:
            return JsonResponse({"detail": problem}, status=400)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None or getattr(view, "accepts_large_body", False):
            return None
        # Multipart file parts are streamed to disk by Django and not counted; the
        # remaining fields are still limited by Django itself.
        if request.content_type == "multipart/form-data":
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Malformed Content-Length."}, status=400)
        if length > limit:
            return JsonResponse({"detail": f"The request body is larger than {limit} bytes."}, status=413)
        return None
