"""savedsearch writes (spec 4.12): create, update and delete the requester's own saved
searches; the writes are ``accounts.saved_searches``'.

Changes are user-scoped (``user_id`` = the requester; the classifier in endpoint.py disallows
any other). Each group of changes costs a fixed number of queries, however many it holds.
"""

from __future__ import annotations

from contentcuration.accounts import saved_searches
from contentcuration.models.saved_search import parse_saved_search_id

from .apply_context import ApplyContext, ChangeError, Outcome, fold_mods, require_dict, require_key


def _require_id(change: dict) -> str:
    search_id = parse_saved_search_id(require_key(change))
    if search_id is None:
        raise ChangeError({"id": ["Must be a valid UUID."]})
    return search_id


def _parsed(changes: list[dict], parse) -> tuple[list[Outcome], list[tuple[int, object]]]:
    """Each change parsed by ``parse``: the outcomes so far (a ChangeError's errors) and the
    (index, parsed) of the others."""
    outcomes: list[Outcome] = [None] * len(changes)
    parsed: list[tuple[int, object]] = []
    for index, change in enumerate(changes):
        try:
            parsed.append((index, parse(change)))
        except ChangeError as exc:
            outcomes[index] = exc.errors
    return outcomes, parsed


def _write(outcomes: list[Outcome], parsed: list, write) -> list[Outcome]:
    for (index, _), error in zip(parsed, write([item for _, item in parsed]), strict=True):
        outcomes[index] = error.as_errors() if error is not None else None
    return outcomes


def create_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    outcomes, parsed = _parsed(changes, lambda c: (_require_id(c), require_dict(c, "obj")))
    return _write(outcomes, parsed, lambda items: saved_searches.create_saved_searches(user=ctx.user, searches=items))


def update_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    outcomes, parsed = _parsed(changes, lambda c: (_require_id(c), fold_mods(require_dict(c, "mods"))))
    return _write(outcomes, parsed, lambda items: saved_searches.update_saved_searches(user=ctx.user, updates=items))


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    """Deleting a search that is gone, or not the requester's, succeeds silently (spec 7)."""
    outcomes, parsed = _parsed(changes, _require_id)

    def delete(items):
        saved_searches.delete_saved_searches(user=ctx.user, search_ids=items)
        return [None] * len(items)

    return _write(outcomes, parsed, delete)
