"""Size limits (issue 10, item 14): per field, per request body, per feed answer.

A 20 MB node description was stored and copied into the change log (one viewer's poll then
returned 105 MB), an anonymous registration stored a 50 MB field, and requests up to 200 MB
were accepted. The limits come from the models (``max_length`` and the constants beside
the fields) and ``settings.DATA_UPLOAD_MAX_MEMORY_SIZE``.
"""

from __future__ import annotations

import hashlib
import io
import json
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from contentcuration.limits import max_length
from contentcuration.models import EXTRA_FIELDS_MAX_BYTES, MAX_TAGS_PER_NODE, Change, Channel, ContentNode, User
from contentcuration.models.user import INFORMATION_FIELD_MAX_BYTES
from contentcuration.tests.files_helpers import announcement, random_bytes
from contentcuration.tests.sync_helpers import SYNC_URL, created, errors_by_rev, updated
from contentcuration.tests.test_bad_input import sync, token_client
from contentcuration.tests.test_chef_api import Chef, node_dict
from contentcuration.viewsets.parsers import CheckedJSONParser, RequestTooLarge
from contentcuration.viewsets.sync import feed

DESCRIPTION_MAX = max_length(ContentNode, "description")


def new_node(channel, **obj):
    return created(
        "contentnode",
        obj.pop("key", None) or hashlib.md5(repr(obj).encode() + random_bytes(8)).hexdigest(),
        {"title": "n", "kind": "topic", "parent": channel.main_tree_id, **obj},
        channel_id=channel.pk,
    )


def change_errors(user, item) -> dict | list | None:
    response = sync(user, [item])
    assert response.status_code == 200, response.content
    return errors_by_rev(response.json(), [item])[item["rev"]]


@pytest.fixture
def chef(owner):
    return Chef(Client(), owner)


# --- per field ------------------------------------------------------------------------------


def test_a_node_description_over_its_limit_is_refused_and_not_stored(owner, channel):
    item = new_node(channel, description="x" * (DESCRIPTION_MAX + 1))
    errors = change_errors(owner, item)
    assert "description" in errors
    assert not ContentNode.objects.filter(pk=item["key"]).exists()
    ok = new_node(channel, description="x" * DESCRIPTION_MAX)
    assert change_errors(owner, ok) is None


def test_a_chef_description_over_its_limit_is_a_400(chef):
    root = chef.create_channel()
    body = chef.add_nodes(root, [node_dict("topic", "long", description="x" * (DESCRIPTION_MAX + 1))], status=400)
    assert body["problems"][0]["field"] == "description"


def test_extra_fields_over_their_limit_are_refused(owner, channel, chef):
    item = new_node(channel)
    assert change_errors(owner, item) is None
    big = updated(
        "contentnode", item["key"], {"extra_fields.notes": "x" * EXTRA_FIELDS_MAX_BYTES}, channel_id=channel.pk
    )
    assert "extra_fields" in change_errors(owner, big)
    assert "notes" not in (ContentNode.objects.get(pk=item["key"]).extra_fields or {})

    root = chef.create_channel()
    node = node_dict("topic", "extra", extra_fields=json.dumps({"notes": "x" * EXTRA_FIELDS_MAX_BYTES}))
    assert chef.add_nodes(root, [node], status=400)["problems"][0]["field"] == "extra_fields"


@pytest.mark.parametrize("name", ["", "   ", "\t"])
def test_empty_or_whitespace_tag_names_are_refused(owner, channel, chef, name):
    item = new_node(channel, tags={name: True})
    assert "tags" in change_errors(owner, item)
    assert not ContentNode.objects.filter(pk=item["key"]).exists()
    root = chef.create_channel()
    body = chef.add_nodes(root, [node_dict("topic", "tagged", tags=["ok", name])], status=400)
    assert body["problems"][0]["field"] == "tags"


def test_too_many_tags_on_one_node_are_refused(owner, channel, chef):
    tags = {f"tag{i}": True for i in range(MAX_TAGS_PER_NODE + 1)}
    assert "tags" in change_errors(owner, new_node(channel, tags=tags))
    root = chef.create_channel()
    body = chef.add_nodes(root, [node_dict("topic", "many", tags=list(tags))], status=400)
    assert body["problems"][0]["field"] == "tags"


def test_a_too_long_tag_keeps_studios_error(owner, channel):
    assert change_errors(owner, new_node(channel, tags={"x" * 31: True})) == {
        "non_field_errors": ["tag is greater than 30 characters"]
    }


@pytest.mark.parametrize(
    "thumbnail",
    ["javascript:alert(1)", "../../etc/passwd.png", "/static/img/x.png", "https://evil.example/x.png", 5],
)
def test_a_channel_thumbnail_must_name_an_uploaded_image(owner, channel, chef, thumbnail):
    item = updated("channel", channel.pk, {"thumbnail": thumbnail}, channel_id=channel.pk)
    assert "thumbnail" in change_errors(owner, item)
    assert Channel.objects.get(pk=channel.pk).thumbnail != thumbnail
    response = chef.post("create_channel", {"channel_data": {"id": "ab" * 16, "name": "C", "thumbnail": thumbnail}})
    assert response.status_code == 400 and response.json()["problems"][0]["field"] == "channel_data.thumbnail"


def test_a_channel_thumbnail_naming_an_upload_is_kept(owner, channel):
    name = f"{'ab' * 16}.png"
    assert change_errors(owner, updated("channel", channel.pk, {"thumbnail": name}, channel_id=channel.pk)) is None
    assert Channel.objects.get(pk=channel.pk).thumbnail == name


@pytest.mark.parametrize("uri", ["javascript:alert(1)", "https://evil.example/x.png", "data:text/html;base64,PHA+"])
def test_an_inline_thumbnail_must_be_an_image_data_uri(owner, channel, uri):
    item = new_node(channel)
    assert change_errors(owner, item) is None
    node_change = updated("contentnode", item["key"], {"thumbnail_encoding": {"base64": uri}}, channel_id=channel.pk)
    assert "thumbnail_encoding" in change_errors(owner, node_change)
    channel_change = updated("channel", channel.pk, {"thumbnail_encoding.base64": uri}, channel_id=channel.pk)
    assert "thumbnail_encoding" in change_errors(owner, channel_change)
    assert uri not in json.dumps(Channel.objects.get(pk=channel.pk).thumbnail_encoding)


def _register(**fields):
    body = {
        "first_name": "A",
        "last_name": "B",
        "email": "new@example.com",
        "password1": "a-long-password-9",
        "password2": "a-long-password-9",
        **fields,
    }
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # the CSRF cookie, as the browser gets it
    token = client.cookies["csrftoken"].value
    return client.post("/accounts/register/", json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=token)


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"organization": "x" * INFORMATION_FIELD_MAX_BYTES}, "organization"),
        ({"uses": ["x" * 100] * 50}, "uses"),
        ({"source": {"a": {"b": {"c": {"d": {"e": 1}}}}}}, "source"),
        ({"heard_from": "a\u0000b"}, "heard_from"),
        ({"first_name": "x" * 101}, "first_name"),
    ],
)
def test_registration_answers_over_their_limit_are_a_400_naming_them(db, fields, named):
    response = _register(**fields)
    assert response.status_code == 400, response.content
    assert named in response.json()
    assert not User.objects.filter(email="new@example.com").exists()


def test_registration_within_the_limits_stores_the_answers(db):
    assert _register(organization="Learning Org", uses=["tagging"]).status_code == 200
    user = User.objects.get(email="new@example.com")
    assert user.information == {"organization": "Learning Org", "uses": ["tagging"]}


# --- per request body -----------------------------------------------------------------------


@pytest.fixture
def small_body_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    return 4096


def test_a_sync_body_over_the_limit_is_a_413(owner, channel, small_body_limit):
    item = new_node(channel, description="x" * small_body_limit)
    response = sync(owner, [item])
    assert response.status_code == 413
    assert not ContentNode.objects.filter(pk=item["key"]).exists()


def test_a_chunked_sync_body_over_the_limit_is_a_413(owner, channel, small_body_limit):
    # No Content-Length for the middleware to see: the parser counts the bytes it reads.
    body = json.dumps({"changes": [new_node(channel, description="x" * small_body_limit)]}).encode()
    with pytest.raises(RequestTooLarge):
        CheckedJSONParser().parse(io.BytesIO(body))


def test_a_chef_body_over_the_limit_is_a_413(chef, small_body_limit):
    root = chef.create_channel()
    response = chef.post("add_nodes", {"root_id": root, "content_data": [node_dict("topic", "x" * 5000)]})
    assert response.status_code == 413


def test_other_json_endpoints_refuse_bodies_over_the_limit(owner, small_body_limit):
    body = announcement(random_bytes(), name="x" * small_body_limit)
    response = token_client(owner).post("/api/file/upload_url", body, content_type="application/json")
    assert response.status_code == 413


def test_file_uploads_still_accept_bodies_over_the_limit(owner, small_body_limit, isolated_storage, chef):
    data = random_bytes(small_body_limit * 4)
    response = token_client(owner).post("/api/file/upload_url", announcement(data), content_type="application/json")
    assert response.status_code == 200, response.content
    path = urlsplit(response.json()["uploadURL"]).path
    put = Client().generic("PUT", path, data, content_type="application/pdf")
    assert put.status_code == 200, put.content

    other = random_bytes(small_body_limit * 4)
    name = f"{hashlib.md5(other).hexdigest()}.pdf"
    legacy = chef.client.post(
        "/api/internal/file_upload", {"file": SimpleUploadedFile(name, other)}, HTTP_AUTHORIZATION=f"Token {chef.token}"
    )
    assert legacy.status_code == 200, legacy.content


# --- per feed answer ------------------------------------------------------------------------


def test_the_feed_is_cut_by_bytes_and_the_client_catches_up_from_where_it_stopped(owner, viewer, channel, monkeypatch):
    monkeypatch.setattr(feed, "CHANGE_RETURN_MAX_BYTES", 20_000)
    batch = [new_node(channel, description="d" * 5_000) for _ in range(12)]
    response = sync(owner, batch)
    assert response.status_code == 200 and len(response.json()["successes"]) <= 4

    seen: list[int] = []
    rev = 0
    for _ in range(20):
        answer = sync(viewer, channel_revs={channel.pk: rev})
        assert answer.status_code == 200
        changes = answer.json()["changes"]
        assert len(answer.content) < 20_000 + 6_000  # one row may cross the cut, never more
        if not changes:
            break
        seen += [c["server_rev"] for c in changes]
        rev = max(c["server_rev"] for c in changes)  # the browser's mark (spec 2.8)
    expected = list(
        Change.objects.filter(channel=channel, applied=True).order_by("server_rev").values_list("server_rev", flat=True)
    )
    assert seen == expected  # every change once, in order, nothing skipped
    assert len(set(seen)) == len(seen) and len(seen) >= 24


def test_a_single_change_larger_than_the_cut_is_still_delivered(owner, viewer, channel, monkeypatch):
    monkeypatch.setattr(feed, "CHANGE_RETURN_MAX_BYTES", 1_000)
    item = new_node(channel, description="d" * 5_000)
    assert sync(owner, [item]).status_code == 200
    changes = sync(viewer, channel_revs={channel.pk: 0}).json()["changes"]
    assert len(changes) == 1 and changes[0]["key"] == item["key"]


def test_a_request_to_sync_keeps_working_after_a_large_answer(owner, channel):
    # The real limit: a full 200-row answer of maximal descriptions stays within it plus a row.
    batch = [new_node(channel, description="d" * DESCRIPTION_MAX) for _ in range(200)]
    assert sync(owner, batch).status_code == 200
    answer = Client(HTTP_AUTHORIZATION=token_client(owner).defaults["HTTP_AUTHORIZATION"]).post(
        SYNC_URL, json.dumps({"channel_revs": {channel.pk: 0}}), content_type="application/json"
    )
    assert len(answer.content) <= feed.CHANGE_RETURN_MAX_BYTES + 2 * DESCRIPTION_MAX * 4
