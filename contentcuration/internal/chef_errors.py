"""Errors of the chef API, each able to say what was wrong in terms a chef author can act on.

Views turn them into JSON 4xx answers (``as_json``); nothing in this package returns a 500
for bad input.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from contentcuration import errors as domain


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one node (or the request itself when ``node_id`` is None)."""

    message: str
    field: str | None = None
    node_id: str | None = None
    title: str | None = None

    def describe(self) -> str:
        where = ""
        if self.node_id or self.title:
            where = f"node {self.title!r} ({self.node_id})"
        if self.field:
            where = f"{where} field {self.field!r}".strip()
        return f"{where}: {self.message}" if where else self.message


class ChefError(Exception):
    """Base class; ``status`` is the HTTP status the view answers with."""

    status = 400
    code = "invalid_request"

    def __init__(self, problems: list[Problem] | str, *, field: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(problems, field=field)]
        self.problems = problems
        super().__init__(problems[0].describe())

    def as_json(self) -> dict[str, Any]:
        # The client logs only the first 80 bytes of an error body: "error" comes first and
        # already names the node and field.
        return {
            "error": self.problems[0].describe(),
            "success": False,
            "code": self.code,
            "problems": [asdict(p) for p in self.problems],
        }


class InvalidRequest(ChefError):
    code = "invalid_request"


class InvalidNodeData(ChefError):
    code = "invalid_node"


class NotFound(ChefError):
    status = 404
    code = "not_found"


class Forbidden(ChefError):
    status = 403
    code = "forbidden"


class QuotaExceeded(ChefError):
    # 412 is what ricecooker treats as "out of storage" on upload_url; the same status here
    # keeps one meaning for one condition.
    status = 412
    code = "quota_exceeded"


def from_domain(exc: domain.DomainError) -> ChefError:
    """The chef API's one mapping of a domain refusal (``contentcuration.errors``), by class."""
    for domain_class, chef_class in (
        (domain.NotFound, NotFound),
        (domain.PermissionDenied, Forbidden),
        (domain.QuotaExceeded, QuotaExceeded),
    ):
        if isinstance(exc, domain_class):
            return chef_class(_problems(exc), field=exc.field)
    return InvalidRequest(_problems(exc), field=exc.field)


def _problems(exc: domain.DomainError) -> list[Problem] | str:
    if not exc.field_errors:
        return exc.message
    return [Problem(domain.first_message(problems), field=name) for name, problems in exc.field_errors.items()]
