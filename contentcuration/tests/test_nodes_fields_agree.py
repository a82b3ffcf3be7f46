"""The node field table (nodes/field_table.py) is the one rule: sync CREATED, sync UPDATED and the
chef's add_nodes refuse the same values, naming the same field with the same message, and
accept the same reference data, including a language ``loadconstants`` added after the
server had read the tables (issue 11: sync cached languages until a restart, the chef for
five minutes)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from le_utils.constants import languages as le_languages

from contentcuration.errors import Invalid
from contentcuration.internal.chef_errors import InvalidRequest, from_domain
from contentcuration.models import ContentNode, Language, new_hex_id
from contentcuration.nodes.field_table import InvalidField, parse_text
from contentcuration.tests.sync_helpers import browser_client, created, errors_by_rev, post_sync, updated
from contentcuration.tests.test_chef_api import Chef, node_dict
from contentcuration.viewsets.sync.handlers.apply_context import each_atomic

ENTRY_POINTS = ("sync_created", "sync_updated", "chef_add_nodes")


def write_node(entry: str, *, user, channel, values: dict) -> tuple[str | None, str | None]:
    """Write a topic with ``values`` through ``entry``; (field named by the error, its message),
    or (None, None) when it was accepted."""
    if entry == "chef_add_nodes":
        chef = Chef(Client(), user)
        data = node_dict("topic", new_hex_id())
        data.update({"role": values.pop("role_visibility")} if "role_visibility" in values else {})
        data.update(values)
        response = chef.post("add_nodes", {"root_id": channel.main_tree_id, "content_data": [data]})
        if response.status_code == 200:
            return None, None
        problem = response.json()["problems"][0]
        field = "role_visibility" if problem["field"] == "role" else problem["field"]
        return field, problem["message"]
    client = browser_client(user)
    key = new_hex_id()
    obj = {"parent": channel.main_tree_id, "kind": "topic", "title": "A topic"}
    if entry == "sync_created":
        changes = [created("contentnode", key, {**obj, **values}, channel_id=channel.pk)]
    else:
        post_sync(client, [created("contentnode", key, obj, channel_id=channel.pk)])
        changes = [updated("contentnode", key, values, channel_id=channel.pk)]
    errors = errors_by_rev(post_sync(client, changes), changes)[changes[0]["rev"]]
    if not errors:
        return None, None
    (field, messages), *_ = errors.items()
    return field, messages[0]


BAD_VALUES = [
    ({"title": "t" * 201}, "title", "at most 200 are allowed"),
    ({"author": "a" * 201}, "author", "at most 200 are allowed"),
    ({"description": "d" * 10_001}, "description", "at most 10000 are allowed"),
    ({"provider": 7}, "provider", "Not a valid string."),
    ({"language": "klingon"}, "language", "unknown language 'klingon'"),
    ({"role_visibility": "king"}, "role_visibility", "must be one of coach, learner"),
    ({"suggested_duration": -1}, "suggested_duration", "non-negative number of seconds"),
]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(("values", "field", "words"), BAD_VALUES, ids=[f for _, f, _ in BAD_VALUES])
def test_every_entry_point_refuses_a_bad_value_naming_the_same_field(owner, channel, entry, values, field, words):
    before = ContentNode.objects.count() + (1 if entry == "sync_updated" else 0)
    named, message = write_node(entry, user=owner, channel=channel, values=dict(values))
    assert named == field
    assert words in message
    assert ContentNode.objects.count() == before  # nothing half-written


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_every_entry_point_refuses_an_unknown_label_naming_the_field(owner, channel, entry):
    values = {"categories": ["nonsense"] if entry == "chef_add_nodes" else {"nonsense": True}}
    assert write_node(entry, user=owner, channel=channel, values=values) == (
        "categories",
        "unknown label(s) 'nonsense'",
    )


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_language_added_by_loadconstants_is_accepted_without_a_restart(owner, channel, entry, monkeypatch):
    # The server reads the tables once (a write primes the cache), then an operator upgrades
    # le-utils and runs loadconstants: the next write may use the new language.
    assert write_node(entry, user=owner, channel=channel, values={"language": "en"}) == (None, None)
    new = le_languages.Language(
        native_name="Testish", primary_code="tst", subcode=None, name="Testish", text_direction="ltr"
    )
    monkeypatch.setattr(le_languages, "LANGUAGELIST", [*le_languages.LANGUAGELIST, new])
    call_command("loadconstants", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Language.objects.filter(pk="tst").exists()

    assert write_node(entry, user=owner, channel=channel, values={"language": "tst"}) == (None, None)
    assert ContentNode.objects.filter(language_id="tst").count() == 1


def test_an_invalid_field_is_a_domain_invalid_each_adapter_maps_to_its_field(db):
    """Re-based on ``errors.Invalid``: one that is not collected by a parser still reaches the
    user naming its field, through the sync and chef adapters' one mapping of domain errors."""
    with pytest.raises(InvalidField) as raised:
        parse_text("title", 12)
    exc = raised.value
    assert isinstance(exc, Invalid) and isinstance(exc, ValueError)
    assert (exc.field, exc.message, str(exc)) == ("title", "Not a valid string.", "title: Not a valid string.")

    def apply_one(change):
        raise exc

    assert each_atomic([{}], apply_one) == [{"title": ["Not a valid string."]}]
    chef = from_domain(exc)
    assert isinstance(chef, InvalidRequest) and chef.status == 400
    assert (chef.problems[0].field, chef.problems[0].message) == ("title", "Not a valid string.")
