"""The OpenAPI schema describes every write: request bodies, the sync envelope and answer,
one schema per (table, change type) the server accepts, and the error shapes (issue 16)."""

from __future__ import annotations

import json

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from contentcuration.models import change_types as c
from contentcuration.tests import factories
from contentcuration.tests.sync_helpers import token_client_for
from contentcuration.viewsets.sync.handlers import HANDLERS
from contentcuration.viewsets.sync.schemas import TYPE_NAMES, component_name

WRITE_METHODS = ("post", "put", "patch")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        generated = SchemaGenerator().get_schema(request=None, public=True)
    # Through JSON, as a client receives it (drops Python-only types such as lazy strings).
    return json.loads(json.dumps(generated, default=str))


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _is_described(schema: dict, body_schema: dict) -> bool:
    """A body schema says what to send: fields, items or alternatives, not just "any object"."""
    node = _resolve(schema, body_schema)
    return any(key in node for key in ("properties", "items", "oneOf", "anyOf", "allOf"))


def test_the_schema_validates(schema):
    validate(schema)


def test_every_write_operation_has_a_request_body_schema(schema):
    undescribed = []
    for path, operations in schema["paths"].items():
        for method in WRITE_METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if not content or not all(_is_described(schema, media["schema"]) for media in content.values()):
                undescribed.append(f"{method.upper()} {path}")
    assert undescribed == []


def test_there_is_a_change_schema_for_every_table_and_type_the_server_accepts(schema):
    components = schema["components"]["schemas"]
    change_refs = {item["$ref"].rsplit("/", 1)[1] for item in components["Change"]["oneOf"]}
    for table, change_type in HANDLERS:
        name = component_name(table, change_type)
        assert name in change_refs, name
        component = components[name]
        assert component["properties"]["type"]["enum"] == [change_type]
        assert component["properties"]["table"]["enum"] == [table]
        # Each example is valid against its own schema and no other pair's.
        example = component["example"]
        matching = [ref for ref in change_refs if _validates(schema, components[ref], example)]
        assert matching == [name], (name, matching)
    assert len(change_refs) == len(HANDLERS)


def _validates(schema: dict, component: dict, instance) -> bool:
    """``instance`` is valid against ``component`` under OpenAPI 3.0 rules (``nullable``)."""
    wrapped = {**component, "components": schema["components"]}
    return not any(OAS30Validator(wrapped).iter_errors(instance))


def test_server_only_change_types_have_no_client_schema(schema):
    names = set(schema["components"]["schemas"])
    for table in c.ALL_TABLES:
        assert f"Change_{table}_{TYPE_NAMES[c.ADDED_TO_COMMUNITY_LIBRARY]}" not in names


def test_the_sync_answer_schema_names_the_six_keys(schema):
    components = schema["components"]["schemas"]
    answer = components["SyncResponse"]
    assert set(answer["required"]) == {"disallowed", "allowed", "changes", "errors", "successes", "tasks"}
    envelope = components["SyncRequest"]["properties"]
    assert set(envelope) == {"changes", "channel_revs", "user_rev", "unapplied_revs"}
    operation = schema["paths"]["/api/sync/"]["post"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SyncResponse"
    }
    assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


@pytest.mark.django_db
def test_the_documented_sync_example_is_accepted_and_answered_as_described(schema):
    """The envelope's example, posted for real, is allowed and answered with the six keys."""
    user = factories.UserFactory()
    client = token_client_for(user)
    example = schema["components"]["schemas"]["SyncRequest"]["example"]
    channel_create = example["changes"][0]
    response = client.post(
        "/api/sync/", data=json.dumps({"changes": [channel_create]}), content_type="application/json"
    )
    assert response.status_code == 200
    answer = response.json()
    assert _validates(schema, schema["components"]["schemas"]["SyncResponse"], answer)
    assert answer["disallowed"] == [] and [a["rev"] for a in answer["allowed"]] == [1]
