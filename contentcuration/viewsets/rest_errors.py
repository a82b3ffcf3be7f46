"""REST's one mapping of domain errors (``contentcuration.errors``) to HTTP answers.

Installed as DRF's ``EXCEPTION_HANDLER``: a view calls a domain function and lets its
``DomainError`` through. The status comes from the class (never from the text); a field error
is ``{field: [message]}``, a 400 without a field is the message itself (Studio's shape, e.g.
``"Invitation has been revoked"``), a 403 / 404 is ``{"detail": message}`` as DRF answers them.
"""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from contentcuration.errors import DomainError, NotFound, PermissionDenied, QuotaExceeded

STATUS = (
    (NotFound, status.HTTP_404_NOT_FOUND),
    (PermissionDenied, status.HTTP_403_FORBIDDEN),
    # 412 is what Studio answers (and ricecooker reads) for "out of storage".
    (QuotaExceeded, status.HTTP_412_PRECONDITION_FAILED),
)


def domain_error_response(exc: DomainError) -> Response:
    code = next((code for cls, code in STATUS if isinstance(exc, cls)), status.HTTP_400_BAD_REQUEST)
    body: Any
    if exc.field_errors or exc.field:
        body = exc.as_errors()
    elif code == status.HTTP_400_BAD_REQUEST:
        body = exc.message
    else:
        body = {"detail": exc.message}
    return Response(body, status=code)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    return drf_exception_handler(exc, context)
