"""The domain's error vocabulary: what a write refused, and which field was at fault.

Domain functions raise a ``DomainError`` subclass; they never know the protocol that called
them, so no HTTP status lives here. Each adapter maps these to its protocol in ONE place:

* sync (``viewsets/sync/handlers/apply_context.each_atomic``): the change's stored errors,
  ``{field: [message]}`` or ``[message]`` without a field;
* REST (``viewsets/rest_errors.exception_handler``, DRF's EXCEPTION_HANDLER): a 4xx per subclass;
* the chef API (``internal/views.internal_api``): ``ChefError`` JSON with the same statuses;
* the upload URL's PUT (``viewsets/file_transfer.REJECTION_STATUS``): ``files.uploads``'
  ``UploadRejected`` by class (411, 416, 507, else 400);
* the Django admin (``admin.py``): form errors on the field, or a message.

Adapters branch on the class, never on the text. Messages are shown to users as they are.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A write the domain refused. ``field`` names the input at fault (None: the request as a
    whole); ``message`` is safe to show to the user who asked."""

    field: str | None = None

    def __init__(
        self, message: str = "", *, field: str | None = None, field_errors: dict[str, Any] | None = None
    ) -> None:
        """``field_errors`` (``{field: [message, ...]}``) reports several fields at once;
        ``field`` and ``message`` then name the first."""
        if field_errors and not message:
            field, problems = next(iter(field_errors.items()))
            message = first_message(problems)
        super().__init__(message)
        self.message = message or (self.__class__.__doc__ or self.__class__.__name__).strip().splitlines()[0]
        if field is not None:
            self.field = field
        self.field_errors = field_errors

    def as_errors(self) -> dict[str, Any] | list[str]:
        """The DRF-style shape every protocol here answers with: ``{field: [message]}``."""
        if self.field_errors:
            return self.field_errors
        return {self.field: [self.message]} if self.field else [self.message]


def first_message(problems: Any) -> str:
    while isinstance(problems, (list, dict)) and problems:
        problems = next(iter(problems.values())) if isinstance(problems, dict) else problems[0]
    return str(problems)


class NotFound(DomainError):
    """The thing does not exist (or the user may not know that it does)."""


class Conflict(DomainError):
    """The request is valid but the current state refuses it (already publishing, deleted...)."""


class Invalid(DomainError, ValueError):
    """The input itself is wrong (too long, unknown language, not a boolean...)."""


class QuotaExceeded(DomainError):
    """The write would take the user over their storage allowance."""


class PermissionDenied(DomainError):
    """The user is known and the thing exists, but this user may not do this to it."""
