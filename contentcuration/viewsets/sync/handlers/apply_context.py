"""What every table handler shares: the apply context, error values, and ``mods`` folding.

A handler method receives a list of changes (wire dicts) of one table and type, in order,
and returns one outcome per change: ``None`` when applied, else the errors to store on the
change (a DRF-style dict or a list of strings, spec 8.11). Handlers run inside the
request's transaction; each change's writes must be atomic (handlers validate in Python,
apply in bulk inside a savepoint, and fall back to one savepoint per change on failure).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, transaction

from contentcuration.errors import DomainError
from contentcuration.models import LABEL_FIELDS, User
from contentcuration.nodes.content_changes import ContentChanges

NOT_FOUND = ["Not found"]
INTERNAL_ERROR = ["Internal server error"]
VALIDATION_ERROR = ["Validation error"]

Outcome = Any  # None (applied) | dict | list[str]


class ChangeError(Exception):
    """Raised inside a handler to fail one change with ``errors`` as its stored outcome."""

    def __init__(self, errors: Any):
        super().__init__(str(errors))
        self.errors = errors


@dataclass
class Echo:
    """A server change to record after the batch (spec 2.9), e.g. ``{node_id, content_id}``."""

    table: str
    key: Any
    mods: dict[str, Any]
    channel_id: str | None = None
    user_id: int | None = None
    created_by_id: int | None = None
    unpublishable: bool | None = None


@dataclass
class ApplyContext:
    """Per-request state handed to handlers."""

    user: User
    echoes: list[Echo] = field(default_factory=list)
    # Callbacks run once the batch's Change rows exist: (index in batch, fn(server_rev)).
    after_insert: list[tuple[int, Callable[[int], None]]] = field(default_factory=list)

    def echo(self, table: str, key: Any, mods: dict[str, Any], **kwargs: Any) -> None:
        kwargs.setdefault("created_by_id", self.user.pk)
        self.echoes.append(Echo(table=table, key=key, mods=mods, **kwargs))


def each_atomic(changes: list[dict], apply_one: Callable[[dict], Outcome]) -> list[Outcome]:
    """Apply changes one by one, each in its own savepoint; a ChangeError or a DomainError
    (``contentcuration.errors``: ``{field: [message]}``, or ``[message]`` without a field)
    fails only that one."""
    outcomes: list[Outcome] = []
    for change in changes:
        try:
            with transaction.atomic():
                outcomes.append(apply_one(change))
        except ChangeError as exc:
            outcomes.append(exc.errors)
        except DomainError as exc:  # the one place sync shapes a domain refusal
            outcomes.append(exc.as_errors())
        except (DatabaseError, ValueError, TypeError, KeyError) as exc:
            outcomes.append([_message(exc)])
    return outcomes


def bulk_or_each(
    changes: list[dict], apply_bulk: Callable[[list[dict]], list[Outcome]], apply_one: Callable[[dict], Outcome]
) -> list[Outcome]:
    """Try ``apply_bulk`` for the whole list in one savepoint; if the database refuses it,
    roll it back and apply the changes one savepoint at a time (per-change atomicity)."""
    if len(changes) > 1:
        try:
            with transaction.atomic():
                return apply_bulk(changes)
        except DatabaseError:
            pass
    return each_atomic(changes, apply_one)


def _message(exc: Exception) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text[:500]


def require_key(change: dict, *, parts: int = 1) -> Any:
    """The change's key, checked for shape: a string, or a list of ``parts`` scalars."""
    key = change.get("key")
    if parts == 1:
        if not isinstance(key, str) or not key:
            raise ChangeError({"key": ["A string key is required."]})
        return key
    if not isinstance(key, list) or len(key) != parts or not all(isinstance(k, (str, int)) for k in key):
        raise ChangeError({"key": [f"A key of {parts} ids is required."]})
    return key


def require_dict(change: dict, name: str, *, required: bool = True) -> dict:
    value = change.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise ChangeError({name: ["This field must be an object."]})
    return value


# --- mods -------------------------------------------------------------------------------------


def fold_mods(mods: dict[str, Any], *, map_fields: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Turn dot-path keys into nested dicts (spec 2.3): ``{"a.b.c": 1}`` -> ``{"a": {"b": {"c": 1}}}``.

    For ``map_fields`` (tags and the six label maps) only the first segment is the field:
    ``"categories.x.y": true`` sets label ``x.y``. ``None`` values are kept (they delete).
    """
    folded: dict[str, Any] = {}
    for path, value in mods.items():
        if not isinstance(path, str):
            raise ChangeError({"mods": [f"Invalid key {path!r}."]})
        head, _, rest = path.partition(".")
        if not rest:
            if isinstance(value, dict) and isinstance(folded.get(head), dict):
                folded[head] = {**folded[head], **value}
            else:
                folded[head] = value
            continue
        if head in map_fields:
            target = folded.setdefault(head, {})
            if not isinstance(target, dict):
                folded[head] = target = {}
            target[rest] = value
            continue
        target = folded.setdefault(head, {})
        if not isinstance(target, dict):
            folded[head] = target = {}
        parts = rest.split(".")
        for part in parts[:-1]:
            nxt = target.get(part)
            if not isinstance(nxt, dict):
                nxt = target[part] = {}
            target = nxt
        target[parts[-1]] = value
    return folded


LABEL_MAP_FIELDS = frozenset(LABEL_FIELDS)


def echo_content_changes(ctx: ApplyContext, changes: ContentChanges, *, channel_id: str | None) -> None:
    """Tell watchers the content_id and complete values ``nodes.content_changed`` set."""
    for entry in changes.entries(channel_id=channel_id):
        ctx.echo(entry.pop("table"), entry.pop("key"), entry.pop("mods"), **entry)
