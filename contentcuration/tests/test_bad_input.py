"""Malformed input answers a 4xx naming the field, never a 500 (issue 10, item 13).

Ids and checksums with a trailing newline, NUL characters (PostgreSQL refuses them in any
string it is sent), integers beyond what a column holds and JSON nested deep enough to
exhaust Python's recursion, through every entry point a client can reach: sync, the chef
API, the upload announcement, REST paths and query parameters, the public API.
Some NUL cases only ever failed on PostgreSQL: run this file there too.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from contentcuration import storage
from contentcuration.models import ContentNode, File, is_hex_id, new_hex_id
from contentcuration.tests.files_helpers import announcement, random_bytes, token_for
from contentcuration.tests.sync_helpers import SYNC_URL, created, errors_by_rev, updated
from contentcuration.tests.test_chef_api import Chef, file_dict, node_dict, stored

NEWLINE_ID = new_hex_id() + "\n"
DEEP = 1000


def token_client(user) -> Client:
    """A script's client: token authentication, the real request path (no CSRF bypass)."""
    return Client(HTTP_AUTHORIZATION=f"Token {token_for(user)}")


def sync(user, changes=None, **envelope):
    body = json.dumps({"changes": changes or [], **envelope})
    return token_client(user).post(SYNC_URL, data=body, content_type="application/json")


def nested(depth: int, leaf=1):
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.fixture
def chef(owner):
    return Chef(Client(), owner)


@pytest.fixture
def chef_root(chef):
    return chef.create_channel()


# --- trailing newlines ----------------------------------------------------------------------


MD5 = "0123456789abcdef" * 2


@pytest.mark.parametrize(
    "accepts, good",
    [
        (is_hex_id, MD5),
        (lambda v: storage.parse_content_key(v) is not None, f"storage/0/1/{MD5}.pdf"),
        (lambda v: storage.database_key_from_name(v) is not None, f"{MD5}-3.sqlite3"),
        (lambda v: _no_value_error(storage.storage_key, v, "pdf"), MD5),
        (lambda v: _no_value_error(storage.storage_key, MD5, v), "pdf"),
        (lambda v: _no_value_error(storage.database_key, v), MD5),
    ],
    ids=["hex id", "content key", "database name", "checksum", "extension", "channel id"],
)
def test_no_id_pattern_accepts_a_trailing_newline(accepts, good):
    assert accepts(good)
    assert not accepts(good + "\n")


def _no_value_error(function, *args) -> bool:
    try:
        function(*args)
    except ValueError:
        return False
    return True


def test_a_sync_create_with_a_newline_in_its_key_is_an_error_naming_the_key(owner, channel):
    item = created(
        "contentnode",
        NEWLINE_ID,
        {"title": "x", "kind": "topic", "parent": channel.main_tree_id},
        channel_id=channel.pk,
    )
    response = sync(owner, [item])
    assert response.status_code == 200, response.content
    errors = errors_by_rev(response.json(), [item])[item["rev"]]
    assert "key" in json.dumps(errors) or "id" in json.dumps(errors)
    assert not ContentNode.objects.filter(pk=NEWLINE_ID).exists()
    assert not ContentNode.objects.filter(title="x").exists()


def test_a_chef_node_id_with_a_trailing_newline_is_a_400_naming_it(chef, chef_root):
    body = chef.add_nodes(chef_root, [node_dict("topic", "t", node_id=NEWLINE_ID)], status=400)
    assert "node_id" in json.dumps(body)
    assert not ContentNode.objects.filter(node_id=NEWLINE_ID).exists()


def test_a_chef_file_name_with_a_trailing_newline_is_a_400(chef, chef_root):
    name = stored(b"%PDF newline", "pdf")
    node = node_dict("document", "d", files=[file_dict(name + "\n", "document")])
    body = chef.add_nodes(chef_root, [node], status=400)
    assert "files[0].filename" in json.dumps(body)
    response = chef.post("file_diff", [name + "\n"])
    assert response.status_code == 400


def test_an_upload_checksum_with_a_trailing_newline_is_a_400(owner):
    data = random_bytes()
    body = announcement(data)
    body["checksum"] += "\n"
    response = token_client(owner).post("/api/file/upload_url", body, content_type="application/json")
    assert response.status_code == 400 and "checksum" in response.json()
    assert not File.objects.exists()


# --- NUL characters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/channel/%00",
        "/api/contentnode/%00",
        "/api/public/channel/%00",
        "/api/public/v1/channels/lookup/%00",
        "/api/public/v1/channels/lookup/abc%00def",
    ],
)
def test_nul_in_a_url_path_is_a_400(owner, path):
    response = token_client(owner).get(path)
    assert response.status_code == 400, response.content
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize(
    "path, param",
    [
        ("/api/channel?edit=true&id__in=%00", "id__in"),
        ("/api/contentnode?id=ab%00", "id"),
        ("/api/public/v1/channels?keyword=a%00", "keyword"),
        ("/api/channel?x%00y=1", "x"),
    ],
)
def test_nul_in_a_query_parameter_is_a_400_naming_it(owner, path, param):
    response = token_client(owner).get(path)
    assert response.status_code == 400, response.content
    assert "NUL" in response.json()["detail"] and param in response.json()["detail"]


def test_nul_in_an_upload_file_format_is_a_400_naming_it(owner):
    body = announcement(random_bytes(), file_format="p\u0000df")
    response = token_client(owner).post("/api/file/upload_url", body, content_type="application/json")
    assert response.status_code == 400 and "file_format" in json.dumps(response.json())


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", "a\u0000b"),
        ("description", "\u0000"),
        ("tags", ["ok", "b\u0000d"]),
        ("extra_fields", '{"a\\u0000": 1}'),
    ],
)
def test_nul_in_a_chef_node_is_a_400_naming_the_field(chef, chef_root, field, value):
    body = chef.add_nodes(chef_root, [node_dict("topic", "nul", **{field: value})], status=400)
    assert field in json.dumps(body)
    assert not ContentNode.objects.filter(source_id="nul").exists()


def test_nul_in_chef_channel_data_is_a_400(chef):
    response = chef.post("create_channel", {"channel_data": {"id": new_hex_id(), "name": "a\u0000"}})
    assert response.status_code == 400 and "name" in json.dumps(response.json())


# --- integers beyond their column -------------------------------------------------------------


@pytest.mark.parametrize("duration", [2**31, 2**63, 2**70, 1e300])
def test_a_chef_file_duration_beyond_an_integer_is_a_400_naming_it(chef, chef_root, duration):
    name = stored(b"fake mp4 bytes", "mp4")
    node = node_dict("video", "v", files=[file_dict(name, "high_res_video", duration=duration)])
    body = chef.add_nodes(chef_root, [node], status=400)
    assert "files[0].duration" in json.dumps(body)


@pytest.mark.parametrize("field, value", [("suggested_duration", 2**63), ("suggested_duration", 1e300)])
def test_a_chef_suggested_duration_beyond_an_integer_is_a_400(chef, chef_root, field, value):
    body = chef.add_nodes(chef_root, [node_dict("document", "d", **{field: value})], status=400)
    assert field in json.dumps(body)


def test_a_chef_file_size_beyond_a_bigint_is_a_400(chef, chef_root):
    name = stored(b"%PDF size", "pdf")
    node = node_dict("document", "d", files=[file_dict(name, "document", size=2**63)])
    body = chef.add_nodes(chef_root, [node], status=400)
    assert "files[0].size" in json.dumps(body)


@pytest.mark.parametrize("field, value", [("size", 2**63), ("duration", 2**63)])
def test_an_upload_announcement_beyond_a_column_is_a_400_naming_it(owner, field, value):
    body = announcement(random_bytes(), file_format="mp3", preset="audio", duration=3)
    body[field] = value
    response = token_client(owner).post("/api/file/upload_url", body, content_type="application/json")
    assert response.status_code == 400 and field in response.json()


def test_a_sync_duration_beyond_an_integer_is_an_error_naming_it(owner, channel):
    item = created(
        "contentnode",
        new_hex_id(),
        {"title": "x", "kind": "video", "parent": channel.main_tree_id, "suggested_duration": 2**63},
        channel_id=channel.pk,
    )
    response = sync(owner, [item])
    assert response.status_code == 200
    assert "suggested_duration" in json.dumps(errors_by_rev(response.json(), [item])[item["rev"]])


# --- deep JSON ------------------------------------------------------------------------------


def test_a_sync_body_nested_a_thousand_deep_is_a_400(owner):
    response = token_client(owner).post(
        SYNC_URL, data='{"changes": ' + "[" * DEEP + "]" * DEEP + "}", content_type="application/json"
    )
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("field", ["extra_fields", "thumbnail_encoding"])
def test_a_sync_change_nested_deep_is_a_4xx_naming_where(owner, channel, field):
    node = created(
        "contentnode",
        new_hex_id(),
        {"title": "n", "kind": "topic", "parent": channel.main_tree_id},
        channel_id=channel.pk,
    )
    assert sync(owner, [node]).status_code == 200
    change = updated("contentnode", node["key"], {field: nested(400)}, channel_id=channel.pk)
    response = sync(owner, [change])
    assert response.status_code == 400, response.content
    assert "nested" in response.json()["detail"] and "changes[0].mods" in response.json()["detail"]


def test_a_chef_body_nested_a_thousand_deep_is_a_400(chef, chef_root):
    body = f'{{"root_id": "{chef_root}", "content_data": {"[" * DEEP + "]" * DEEP}}}'
    response = chef.client.generic(
        "POST", "/api/internal/add_nodes", body, content_type="", HTTP_AUTHORIZATION=f"Token {chef.token}"
    )
    assert response.status_code == 400, response.content


def test_chef_extra_fields_nested_deep_is_a_400_naming_the_field(chef, chef_root):
    node = node_dict("topic", "deep", extra_fields='{"a": ' * DEEP + "1" + "}" * DEEP)
    body = chef.add_nodes(chef_root, [node], status=400)
    assert "extra_fields" in json.dumps(body)
