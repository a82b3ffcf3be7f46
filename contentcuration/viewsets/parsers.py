"""The JSON parser of every DRF endpoint: size, depth and NUL checks before a view sees data.

DRF reads the body from the request stream, which bypasses Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` check (only ``request.body`` applies it), so the limit is
applied here as well as in ``middleware.RequestLimitsMiddleware`` (which only sees a
declared Content-Length).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

from contentcuration.limits import InvalidJSON, load_json


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def body_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large_message(limit: int) -> str:
    return f"The request body is larger than {limit} bytes."


class CheckedJSONParser(JSONParser):
    """JSON bodies up to ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes, nested at most
    ``limits.MAX_JSON_DEPTH`` levels, without NUL characters; else a 413 or a 400 naming
    where the problem is (``changes[3].mods.title``)."""

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return None
        limit = body_limit()
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(too_large_message(limit))
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return load_json(raw.decode(encoding))
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except InvalidJSON as exc:
            if not exc.path:
                raise ParseError(f"JSON parse error - {exc.message}") from None
            # DRF's shape for a field error, keyed by where it is, plus a readable summary.
            raise ParseError({"detail": f"{exc.path}: {exc.message}", exc.path: [exc.message]}) from None
