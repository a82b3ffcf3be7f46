"""The body parser of ``POST /api/sync/``.

Checks on the raw bytes belong here, in the parser, and nowhere else: DRF may parse the
body while authenticating (SessionAuthentication's CSRF check reads ``request.POST``), and
from then on Django's ``request.body`` raises ``RawPostDataException``. Reading it in the
view made every browser write a 500 (issue 10, item 1).
"""

from __future__ import annotations

import io

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

NUL_ESCAPE = b"\\u0000"


class SyncJSONParser(JSONParser):
    """JSON, refusing NUL characters: PostgreSQL's jsonb cannot store them, so they are a 400
    up front rather than an error at insert."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        if NUL_ESCAPE in raw:
            raise ParseError("NUL characters (\\u0000) are not allowed.")
        return super().parse(io.BytesIO(raw), media_type, parser_context)
