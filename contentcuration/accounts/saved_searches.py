"""Saved searches (spec 4.12): a user's named search parameters, private to them.

The sync ``savedsearch`` handler calls these with a batch of changes; each function costs a
fixed number of queries per batch, however many searches it holds, and answers one outcome
per search (None, or the DomainError refusing it) so one bad search fails alone. The adapter
decides whose searches are written (always the requester's) and parses the ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from contentcuration.changes import merge_json
from contentcuration.errors import Conflict, DomainError, Invalid, NotFound
from contentcuration.limits import max_length
from contentcuration.models import SavedSearch, User

UPDATED_FIELDS = ["name", "params", "modified"]


def clean_saved_search_values(data: Mapping[str, Any], *, current: SavedSearch | None) -> dict[str, Any]:
    """The writable columns ``data`` sets (``name``, ``params``), validated.

    ``params`` merges into the current value (a ``None`` inside it deletes that key), as the
    browser sends only what changed, in dot paths. Other keys are ignored. Raises Invalid
    naming every bad field.
    """
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if "name" in data:
        name, limit = data["name"], max_length(SavedSearch, "name")
        if not isinstance(name, str):
            errors["name"] = ["Not a valid string."]
        elif len(name) > limit:
            errors["name"] = [f"Ensure this field has no more than {limit} characters."]
        else:
            values["name"] = name
    if "params" in data:
        params = data["params"]
        if not isinstance(params, dict):
            errors["params"] = ["Must be an object."]
        else:
            values["params"] = merge_json(current.params if current is not None else {}, params)
    if errors:
        raise Invalid(field_errors=errors)
    return values


def _taken() -> Conflict:
    return Conflict("saved search with this id already exists.", field="id")


@transaction.atomic
def create_saved_searches(*, user: User, searches: Sequence[tuple[str, Mapping[str, Any]]]) -> list[DomainError | None]:
    """Create ``user``'s searches from ``(id, values)`` pairs, in order. An id in use cannot be
    taken, whoever owns it (Conflict); a bad value is Invalid. One INSERT for the batch (one
    per search only if a concurrent write took an id meanwhile)."""
    outcomes: list[DomainError | None] = [None] * len(searches)
    ready: list[tuple[int, SavedSearch]] = []
    for index, (search_id, data) in enumerate(searches):
        try:
            values = clean_saved_search_values(data, current=None)
        except Invalid as exc:
            outcomes[index] = exc
            continue
        ready.append((index, SavedSearch(id=search_id, saved_by_id=user.pk, **values)))
    taken = set(SavedSearch.objects.filter(pk__in={s.pk for _, s in ready}).values_list("pk", flat=True))
    fresh: list[tuple[int, SavedSearch]] = []
    for index, search in ready:
        if search.pk in taken:
            outcomes[index] = _taken()
            continue
        taken.add(search.pk)
        fresh.append((index, search))
    try:
        with transaction.atomic():
            SavedSearch.objects.bulk_create([s for _, s in fresh])
    except IntegrityError:
        for index, search in fresh:
            try:
                with transaction.atomic():
                    SavedSearch.objects.bulk_create([search])
            except IntegrityError:
                outcomes[index] = _taken()
    return outcomes


@transaction.atomic
def update_saved_searches(*, user: User, updates: Sequence[tuple[str, Mapping[str, Any]]]) -> list[DomainError | None]:
    """Apply ``(id, values)`` updates to ``user``'s searches, in order: several to one search
    are written once, in their final state; a refused one (NotFound: not the user's; Invalid)
    leaves no trace for the next. One read and one UPDATE for the batch."""
    outcomes: list[DomainError | None] = [None] * len(updates)
    searches = {s.pk: s for s in SavedSearch.objects.owned_by(user).filter(pk__in={k for k, _ in updates})}
    now = timezone.now()
    touched: dict[str, SavedSearch] = {}
    for index, (search_id, data) in enumerate(updates):
        search = searches.get(search_id)
        if search is None:
            outcomes[index] = NotFound("Not found")
            continue
        try:
            values = clean_saved_search_values(data, current=search)
        except Invalid as exc:
            outcomes[index] = exc
            continue
        if values:
            for name, value in values.items():
                setattr(search, name, value)
            search.modified = now
            touched[search.pk] = search
    if touched:
        SavedSearch.objects.bulk_update(touched.values(), UPDATED_FIELDS)
    return outcomes


def delete_saved_searches(*, user: User, search_ids: Sequence[str]) -> None:
    """Delete those of ``search_ids`` that are ``user``'s (the others, or gone ones: no
    change, spec 7). One DELETE."""
    SavedSearch.objects.owned_by(user).filter(pk__in=set(search_ids)).delete()
