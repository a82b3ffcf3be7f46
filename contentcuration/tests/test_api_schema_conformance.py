"""Answers conform to the generated OpenAPI schema: one test per case schemathesis found
(`make fuzz-api`), each sent as a client would and its answer validated against the schema
the server publishes at ``/api/schema/`` (issue 16: no 5xx, no answer the schema denies)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openapi_schema_validator import OAS30Validator

from contentcuration.models import new_hex_id
from contentcuration.tests import factories
from contentcuration.tests.sync_helpers import created, csrf_client_for, post_sync, token_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(generated, default=str))


def assert_conforms(schema: dict, method: str, path: str, response) -> None:
    """``response`` has a documented status and its JSON body is valid against that entry."""
    operation = schema["paths"][path][method]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, (method, path, response.status_code, sorted(operation["responses"]))
    content = documented.get("content")
    if content is None:
        assert not response.content, response.content
        return
    body_schema = content["application/json"]["schema"]
    validator = OAS30Validator({**body_schema, "components": schema["components"]})
    errors = [error.message for error in validator.iter_errors(response.json())]
    assert errors == [], (method, path, response.status_code, response.json())


def post_json(client, path: str, body) -> object:
    return client.post(path, data=json.dumps(body), content_type="application/json")


# --- POST /api/channel (and /api/channelset) with a multipart body ----------------------------------------------------


@pytest.mark.parametrize("path", ["/api/channel", "/api/channelset"])
def test_a_multipart_create_is_refused_with_415_not_500(owner, path):
    client = csrf_client_for(owner)
    file_part = SimpleUploadedFile("0", b"None")
    response = client.post(path, data={"name": "", "0": file_part})  # multipart/form-data
    assert response.status_code == 415, response.content
    assert "multipart/form-data" in response.json()["detail"]


def test_a_form_encoded_create_is_refused_with_415(owner):
    client = csrf_client_for(owner)
    response = client.post("/api/channel", data="name=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415, response.content


def test_the_json_only_writes_advertise_only_json_bodies(schema):
    for path in ("/api/channel", "/api/channelset", "/api/user/mark_notifications_read", "/api/file/upload_url"):
        content = schema["paths"][path]["post"]["requestBody"]["content"]
        assert list(content) == ["application/json"], (path, list(content))


def test_a_json_channel_create_still_answers_201_with_the_row(owner, schema):
    response = post_json(csrf_client_for(owner), "/api/channel", {"name": "Algebra"})
    assert_conforms(schema, "post", "/api/channel", response)
    assert response.status_code == 201


# --- GET /api/catalog and /api/channel with page_size ------------------------------------------


@pytest.mark.parametrize("path", ["/api/catalog", "/api/channel"])
@pytest.mark.parametrize("query", ["assessments=false", "assessments=false&page_size=1"])
def test_channel_lists_conform_with_and_without_page_size(owner, schema, path, query):
    factories.make_channel(owner=owner, name="Public one", public=True)
    response = token_client_for(owner).get(f"{path}?{query}")
    assert response.status_code == 200, response.content
    assert isinstance(response.json(), dict if "page_size" in query else list)
    assert_conforms(schema, "get", path, response)


def test_a_cursor_paginated_node_list_conforms(owner, channel, schema):
    response = token_client_for(owner).get(f"/api/contentnode?parent={channel.main_tree_id}&max_results=1")
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"more", "results"}
    assert_conforms(schema, "get", "/api/contentnode", response)


# --- POST /api/file/upload_url with a NUL in a field --------------------------------------------


def test_upload_url_with_a_nul_names_the_field_in_the_documented_shape(owner, schema):
    body = {"checksum": "0" * 32, "file_format": "", "name": "", "preset": "\u0000", "size": 0}
    response = post_json(token_client_for(owner), "/api/file/upload_url", body)
    assert response.status_code == 400
    assert "preset" in response.json()
    assert_conforms(schema, "post", "/api/file/upload_url", response)


def test_upload_url_over_quota_answers_the_documented_412(owner, schema):
    owner.disk_space = 10
    owner.save(update_fields=["disk_space"])
    body = {"checksum": "0" * 32, "file_format": "pdf", "name": "a.pdf", "preset": "document", "size": 1000}
    response = post_json(token_client_for(owner), "/api/file/upload_url", body)
    assert response.status_code == 412, response.content
    assert_conforms(schema, "post", "/api/file/upload_url", response)


# --- POST /api/internal/file_diff with a list -----------------------------------------------


def test_file_diff_answers_the_documented_list_of_missing_names(owner, schema):
    client = token_client_for(owner)
    missing = "0cc175b9c0f1b6a831c399e269772661.pdf"
    for body in ([], [missing]):
        response = post_json(client, "/api/internal/file_diff", body)
        assert response.status_code == 200, response.content
        assert response.json() == body
        assert_conforms(schema, "post", "/api/internal/file_diff", response)


# --- POST /api/user/mark_notifications_read with a NUL in a key ------------------------------


def test_mark_notifications_read_with_a_nul_key_answers_the_documented_400(owner, schema):
    client = csrf_client_for(owner)
    response = client.post(
        "/api/user/mark_notifications_read",
        data='{"timestamp": "2000-01-01T00:00:00Z", "\\u0000": null}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert_conforms(schema, "post", "/api/user/mark_notifications_read", response)


def test_mark_notifications_read_with_a_list_body_is_a_400_naming_the_body(owner, schema):
    response = post_json(csrf_client_for(owner), "/api/user/mark_notifications_read", [])
    assert response.status_code == 400, response.content
    assert_conforms(schema, "post", "/api/user/mark_notifications_read", response)


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_invitation_accept_takes_no_body_so_an_html_form_post_still_works(owner, channel, stranger, encoding, schema):
    """The JSON-only parsers are for writes that read a body; accept reads none, and a plain
    HTML form (its CSRF token in the form, not a header) must not become a 415."""
    key = new_hex_id()
    invitation = {"channel": channel.pk, "email": stranger.email, "share_mode": "view"}
    answer = post_sync(token_client_for(owner), [created("invitation", key, invitation, channel_id=channel.pk)])
    assert answer["errors"] == [] and answer["disallowed"] == [], answer
    client = csrf_client_for(stranger)
    form = {"csrfmiddlewaretoken": client.defaults.pop("HTTP_X_CSRFTOKEN")}
    path = f"/api/invitation/{key}/accept"
    if encoding == "multipart":
        response = client.post(path, data=form)
    else:
        response = client.post(path, data=urlencode(form), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content
    assert_conforms(schema, "post", "/api/invitation/{id}/accept", response)
