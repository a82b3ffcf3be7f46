"""savedsearch writes (spec 4.12): create, update and delete the requester's own saved searches.

Changes are user-scoped (``user_id`` = the requester; the classifier in endpoint.py disallows
any other). Each handler costs a fixed number of queries per group of changes, however many
changes it holds: at most one to read the rows concerned and one to write them.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from contentcuration.changes import merge_json
from contentcuration.models import SavedSearch
from contentcuration.models.saved_search import parse_saved_search_id

from .apply_context import (
    NOT_FOUND,
    ApplyContext,
    ChangeError,
    Outcome,
    bulk_or_each,
    fold_mods,
    require_dict,
    require_key,
)

NAME_MAX_LENGTH = SavedSearch._meta.get_field("name").max_length
ALREADY_EXISTS = {"id": ["saved search with this id already exists."]}


def _require_id(change: dict) -> str:
    search_id = parse_saved_search_id(require_key(change))
    if search_id is None:
        raise ChangeError({"id": ["Must be a valid UUID."]})
    return search_id


def _clean(data: dict, current: SavedSearch | None) -> dict[str, Any]:
    """The writable columns ``data`` sets (``name``, ``params``), validated.

    ``params`` merges into the current value (a ``None`` inside it deletes that key), as the
    browser sends only what changed, in dot paths. Other keys are ignored.
    """
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if "name" in data:
        name = data["name"]
        if not isinstance(name, str):
            errors["name"] = ["Not a valid string."]
        elif len(name) > NAME_MAX_LENGTH:
            errors["name"] = [f"Ensure this field has no more than {NAME_MAX_LENGTH} characters."]
        else:
            values["name"] = name
    if "params" in data:
        params = data["params"]
        if not isinstance(params, dict):
            errors["params"] = ["Must be an object."]
        else:
            values["params"] = merge_json(current.params if current is not None else {}, params)
    if errors:
        raise ChangeError(errors)
    return values


def create_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    outcomes: list[Outcome] = [None] * len(changes)
    ready: list[tuple[int, SavedSearch]] = []
    for index, change in enumerate(changes):
        try:
            search_id = _require_id(change)
            values = _clean(require_dict(change, "obj"), None)
        except ChangeError as exc:
            outcomes[index] = exc.errors
            continue
        ready.append((index, SavedSearch(id=search_id, saved_by_id=ctx.user.pk, **values)))
    # Whoever owns it, an id in use cannot be taken: another user's search stays untouched.
    taken = set(SavedSearch.objects.filter(pk__in={s.pk for _, s in ready}).values_list("pk", flat=True))
    fresh: list[tuple[int, SavedSearch]] = []
    for index, search in ready:
        if search.pk in taken:
            outcomes[index] = ALREADY_EXISTS
            continue
        taken.add(search.pk)
        fresh.append((index, search))

    def bulk(items):
        SavedSearch.objects.bulk_create([s for _, s in items])
        return [None] * len(items)

    def one(item):
        SavedSearch.objects.bulk_create([item[1]])

    for (index, _), outcome in zip(fresh, bulk_or_each(fresh, bulk, one), strict=True):
        outcomes[index] = outcome
    return outcomes


def update_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    outcomes: list[Outcome] = [None] * len(changes)
    parsed: list[tuple[int, str, dict]] = []
    for index, change in enumerate(changes):
        try:
            parsed.append((index, _require_id(change), fold_mods(require_dict(change, "mods"))))
        except ChangeError as exc:
            outcomes[index] = exc.errors
    searches = {s.pk: s for s in SavedSearch.objects.owned_by(ctx.user).filter(pk__in={k for _, k, _ in parsed})}
    now = timezone.now()
    ready: list[tuple[int, SavedSearch]] = []
    touched: dict[str, SavedSearch] = {}  # several changes to one search: written once, final state
    for index, key, mods in parsed:
        search = searches.get(key)
        if search is None:
            outcomes[index] = NOT_FOUND
            continue
        try:
            values = _clean(mods, search)
        except ChangeError as exc:
            outcomes[index] = exc.errors  # nothing was set: later changes see the last good state
            continue
        if values:
            for name, value in values.items():
                setattr(search, name, value)
            search.modified = now
            touched[search.pk] = search
        ready.append((index, search))

    def bulk(items):
        SavedSearch.objects.bulk_update(touched.values(), ["name", "params", "modified"])
        return [None] * len(items)

    def one(item):
        if item[1].pk in touched:
            SavedSearch.objects.bulk_update([item[1]], ["name", "params", "modified"])

    for (index, _), outcome in zip(ready, bulk_or_each(ready, bulk, one), strict=True):
        outcomes[index] = outcome
    return outcomes


def delete_from_changes(ctx: ApplyContext, changes: list[dict]) -> list[Outcome]:
    """Deleting a search that is gone, or not the requester's, succeeds silently (spec 7)."""
    outcomes: list[Outcome] = [None] * len(changes)
    keys: list[tuple[int, str]] = []
    for index, change in enumerate(changes):
        try:
            keys.append((index, _require_id(change)))
        except ChangeError as exc:
            outcomes[index] = exc.errors

    def bulk(items):
        SavedSearch.objects.owned_by(ctx.user).filter(pk__in={k for _, k in items}).delete()
        return [None] * len(items)

    def one(item):
        SavedSearch.objects.owned_by(ctx.user).filter(pk=item[1]).delete()

    for (index, _), outcome in zip(keys, bulk_or_each(keys, bulk, one), strict=True):
        outcomes[index] = outcome
    return outcomes
