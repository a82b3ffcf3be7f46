"""Saved searches (spec 4.12): the ``/api/search/saved-search`` reads and the ``savedsearch``
sync table. Only the user who saved a search sees or changes it, admins included."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contentcuration.models import SavedSearch, new_hex_id
from contentcuration.tests import sync_helpers
from contentcuration.tests.read_data import client_for, reader_for
from contentcuration.tests.sync_helpers import created, deleted, post_sync, updated
from contentcuration.viewsets.savedsearch import SavedSearchRow

URL = "/api/search/saved-search"
SHAPE = {"id": str, "name": str, "created": str, "modified": str, "params": dict, "saved_by": int}
PARAMS = {"keywords": "fractions", "kinds": {"video": True}, "languages": {"fr": True}}


def save_search(user, name="Fractions", params=None, **fields) -> SavedSearch:
    return SavedSearch.objects.create(saved_by=user, name=name, params=PARAMS if params is None else params, **fields)


def get(user, url):
    return client_for(user).get(url)


def sync(user, batch, **envelope) -> dict:
    return post_sync(sync_helpers.client_for(user), batch, **envelope)


def outcomes(user, batch) -> list:
    """The stored outcome of each change (None = applied); all must have been allowed."""
    response = sync(user, batch)
    assert not response["disallowed"], response["disallowed"]
    errors = {e["server_rev"]: e["errors"] for e in response["errors"]}
    return [errors.get(a["server_rev"]) for a in response["allowed"]]


def one(user, change):
    return outcomes(user, [change])[0]


# --- reads ------------------------------------------------------------------------------------


def test_rows_have_the_spec_shape(owner):
    search = save_search(owner)
    rows = get(owner, URL).json()
    assert rows == [get(owner, f"{URL}/{search.id}").json()]
    row = rows[0]
    assert set(row) == set(SHAPE) == set(SavedSearchRow.__annotations__)
    for key, expected in SHAPE.items():
        assert isinstance(row[key], expected) and not isinstance(row[key], bool), (key, row[key])
    assert row["id"] == search.id and len(row["id"]) == 32 and int(row["id"], 16) >= 0
    assert (row["name"], row["params"], row["saved_by"]) == ("Fractions", PARAMS, owner.pk)
    assert datetime.fromisoformat(row["created"]) == search.created
    assert datetime.fromisoformat(row["modified"]) == search.modified


def test_the_list_is_the_requesters_searches_newest_first(owner, stranger):
    older = save_search(owner, "older", created=datetime.fromisoformat("2026-01-01T00:00:00+00:00"))
    newer = save_search(owner, "newer", created=datetime.fromisoformat("2026-06-01T00:00:00+00:00"))
    save_search(stranger, "not mine")
    assert [r["id"] for r in get(owner, URL).json()] == [newer.id, older.id]
    assert [r["id"] for r in get(owner, f"{URL}?ordering=name").json()] == [newer.id, older.id]
    assert get(owner, f"{URL}?ordering=params").status_code == 400


@pytest.mark.parametrize(
    "persona, list_status, list_ids, detail_status",
    [
        ("anonymous", 403, None, 403),
        ("stranger", 200, ["stranger's"], 404),
        ("owner", 200, ["owner's"], 200),
        ("admin", 200, ["admin's"], 404),  # admins see only their own, as in Studio
    ],
)
def test_each_persona_sees_only_their_own_searches(
    owner, stranger, admin_user, persona, list_status, list_ids, detail_status
):
    users = {"anonymous": None, "stranger": stranger, "owner": owner, "admin": admin_user}
    searches = {f"{name}'s": save_search(user, f"{name}'s") for name, user in users.items() if user is not None}
    user = users[persona]
    response = get(user, URL)
    assert response.status_code == list_status
    if list_ids is not None:
        assert [r["id"] for r in response.json()] == [searches[name].id for name in list_ids]
    owners_search = searches["owner's"]
    assert get(user, f"{URL}/{owners_search.id}").status_code == detail_status


def test_detail_accepts_a_dashed_id_and_404s_on_anything_else(owner):
    search = save_search(owner)
    assert get(owner, f"{URL}/{uuid.UUID(search.id)}").json()["id"] == search.id
    assert get(owner, f"{URL}/{search.id.upper()}").json()["id"] == search.id
    assert get(owner, f"{URL}/not-a-uuid").status_code == 404
    assert get(owner, f"{URL}/{new_hex_id()}").status_code == 404


def test_search_endpoints_do_not_accept_writes(owner):
    search = save_search(owner)
    client = client_for(owner)
    assert client.post(URL, {"name": "x"}, format="json").status_code == 405
    assert client.patch(f"{URL}/{search.id}", {"name": "x"}, format="json").status_code == 405
    assert client.delete(f"{URL}/{search.id}").status_code == 405


def test_list_query_count_is_pinned_and_independent_of_the_number_of_searches(owner, django_assert_num_queries):
    client = reader_for(owner)
    for i in range(2):
        save_search(owner, f"s{i}")
    with django_assert_num_queries(1):
        assert len(client.get(URL).json()) == 2
    for i in range(20):
        save_search(owner, f"more {i}")
    with django_assert_num_queries(1):
        assert len(client.get(URL).json()) == 22


# --- sync: round trip ---------------------------------------------------------------------------


def test_a_search_is_created_renamed_refined_and_deleted_through_sync(owner):
    key = new_hex_id()
    assert one(owner, created("savedsearch", key, {"name": "Fractions", "params": PARAMS}, user_id=owner.pk)) is None
    row = get(owner, f"{URL}/{key}").json()
    assert (row["name"], row["params"], row["saved_by"]) == ("Fractions", PARAMS, owner.pk)

    mods = {"name": "Fractions in French", "params.kinds.exercise": True, "params.keywords": None}
    assert one(owner, updated("savedsearch", key, mods, user_id=owner.pk)) is None
    row = get(owner, f"{URL}/{key}").json()
    assert row["name"] == "Fractions in French"
    assert row["params"] == {"kinds": {"video": True, "exercise": True}, "languages": {"fr": True}}
    assert datetime.fromisoformat(row["modified"]) > datetime.fromisoformat(row["created"])

    assert one(owner, deleted("savedsearch", key, user_id=owner.pk)) is None
    assert get(owner, f"{URL}/{key}").status_code == 404
    assert not SavedSearch.objects.exists()


def test_created_searches_belong_to_the_requester_whatever_the_obj_says(owner, stranger):
    key = new_hex_id()
    obj = {"name": "Mine", "params": {}, "saved_by": stranger.pk, "created": "2001-01-01T00:00:00Z"}
    assert one(owner, created("savedsearch", key, obj, user_id=owner.pk)) is None
    search = SavedSearch.objects.get(pk=key)
    assert search.saved_by_id == owner.pk and search.created.year != 2001


def test_name_and_params_are_optional_on_create(owner):
    key = new_hex_id()
    assert one(owner, created("savedsearch", key, {}, user_id=owner.pk)) is None
    assert SavedSearch.objects.filter(pk=key, name="", params={}).exists()


def test_a_dashed_key_is_stored_as_32_hex(owner):
    key = uuid.uuid4()
    assert one(owner, created("savedsearch", str(key), {"name": "Dashed"}, user_id=owner.pk)) is None
    assert SavedSearch.objects.get().id == key.hex
    assert one(owner, updated("savedsearch", str(key), {"name": "Renamed"}, user_id=owner.pk)) is None
    assert SavedSearch.objects.get().name == "Renamed"


def test_a_batch_applies_in_order_and_a_rejected_update_leaves_no_trace(owner):
    key = new_hex_id()
    batch = [
        created("savedsearch", key, {"name": "a", "params": {"keywords": "x"}}, user_id=owner.pk),
        updated("savedsearch", key, {"name": "b", "params": []}, user_id=owner.pk),
        updated("savedsearch", key, {"params.kinds": {"video": True}}, user_id=owner.pk),
        updated("savedsearch", key, {"name": "c"}, user_id=owner.pk),
    ]
    assert outcomes(owner, batch) == [None, {"params": ["Must be an object."]}, None, None]
    search = SavedSearch.objects.get(pk=key)
    assert (search.name, search.params) == ("c", {"keywords": "x", "kinds": {"video": True}})


def test_a_batch_costs_the_same_number_of_queries_for_3_or_30_searches(owner):
    def run(n):
        keys = [new_hex_id() for _ in range(n)]
        batch = [created("savedsearch", k, {"name": k}, user_id=owner.pk) for k in keys]
        batch += [updated("savedsearch", k, {"params.keywords": k}, user_id=owner.pk) for k in keys]
        batch += [deleted("savedsearch", k, user_id=owner.pk) for k in keys[: n // 2]]
        with CaptureQueriesContext(connection) as queries:
            assert outcomes(owner, batch) == [None] * len(batch)
        assert SavedSearch.objects.filter(pk__in=keys).count() == n - n // 2
        return len(queries)

    assert run(3) == run(30)


# --- sync: validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "obj, errors",
    [
        ({"name": 7}, {"name": ["Not a valid string."]}),
        ({"name": "x" * 201}, {"name": ["Ensure this field has no more than 200 characters."]}),
        ({"params": ["keywords"]}, {"params": ["Must be an object."]}),
        ({"params": None}, {"params": ["Must be an object."]}),
        ({"name": None, "params": "x"}, {"name": ["Not a valid string."], "params": ["Must be an object."]}),
    ],
)
def test_bad_fields_are_named_in_the_errors(owner, obj, errors):
    key = new_hex_id()
    assert one(owner, created("savedsearch", key, obj, user_id=owner.pk)) == errors
    search = save_search(owner)
    assert one(owner, updated("savedsearch", search.id, obj, user_id=owner.pk)) == errors
    assert not SavedSearch.objects.filter(pk=key).exists()
    search.refresh_from_db()
    assert (search.name, search.params) == ("Fractions", PARAMS)


def test_a_name_of_200_characters_is_accepted(owner):
    assert one(owner, created("savedsearch", new_hex_id(), {"name": "x" * 200}, user_id=owner.pk)) is None


def test_malformed_keys_and_bodies_are_rejected(owner):
    search = save_search(owner)
    assert one(owner, created("savedsearch", "not-a-uuid", {}, user_id=owner.pk)) == {"id": ["Must be a valid UUID."]}
    assert one(owner, created("savedsearch", new_hex_id(), None, user_id=owner.pk)) == {
        "obj": ["This field must be an object."]
    }
    assert one(owner, updated("savedsearch", search.id, "name", user_id=owner.pk)) == {
        "mods": ["This field must be an object."]
    }
    assert one(owner, deleted("savedsearch", 12, user_id=owner.pk)) == {"key": ["A string key is required."]}
    assert one(owner, created("savedsearch", search.id, {}, user_id=owner.pk)) == {
        "id": ["saved search with this id already exists."]
    }


def test_a_key_used_twice_in_one_batch_is_created_once(owner):
    key = new_hex_id()
    batch = [created("savedsearch", key, {"name": n}, user_id=owner.pk) for n in ("first", "second")]
    assert outcomes(owner, batch) == [None, {"id": ["saved search with this id already exists."]}]
    assert SavedSearch.objects.get(pk=key).name == "first"


# --- sync: isolation between users ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["stranger", "admin"])
def test_nobody_else_can_change_or_delete_a_search(owner, stranger, admin_user, persona):
    other = {"stranger": stranger, "admin": admin_user}[persona]
    search = save_search(owner)
    assert one(other, updated("savedsearch", search.id, {"name": "Mine now"}, user_id=other.pk)) == ["Not found"]
    assert one(other, deleted("savedsearch", search.id, user_id=other.pk)) is None  # silent, as in Studio
    assert one(other, created("savedsearch", search.id, {"name": "Mine now"}, user_id=other.pk)) == {
        "id": ["saved search with this id already exists."]
    }
    search.refresh_from_db()
    assert (search.name, search.params, search.saved_by_id) == ("Fractions", PARAMS, owner.pk)


def test_changes_tagged_with_another_users_id_are_disallowed(owner, stranger):
    search = save_search(owner)
    batch = [
        created("savedsearch", new_hex_id(), {"name": "x"}, user_id=owner.pk),
        updated("savedsearch", search.id, {"name": "x"}, user_id=owner.pk),
        deleted("savedsearch", search.id, user_id=owner.pk),
        updated("savedsearch", search.id, {"name": "x"}),  # neither user_id nor channel_id
    ]
    response = sync(stranger, batch)
    assert response["disallowed"] == batch and not response["allowed"]
    assert SavedSearch.objects.get() == search


def test_anonymous_users_cannot_sync(db):
    post_sync(Client(), [created("savedsearch", new_hex_id(), {"name": "x"}, user_id=1)], expect=403)
    assert not SavedSearch.objects.exists()


def test_deleting_a_user_deletes_their_searches(owner, stranger):
    save_search(owner)
    kept = save_search(stranger)
    owner.delete()
    assert list(SavedSearch.objects.all()) == [kept]
