"""The public API Kolibri devices call: shapes, anonymous access, what is visible, tokens.

The last test runs a real Kolibri 0.19.5 against a live server: ``importchannel network``
and ``importcontent network``, by channel id and by token.
"""

from __future__ import annotations

import json

import pytest
from django.core import signals
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contentcuration.models import Channel, ChannelSet, ChannelVersion, SecretToken
from contentcuration.publish import publish_channel
from contentcuration.tests.factories import build_tree, make_assessment_item, make_channel
from contentcuration.tests.publishing import CC_BY, MASTERY_OPTIONS, stored_file
from contentcuration.tests.test_files_s3 import s3  # noqa: F401 - the moto bucket fixture

# A complete one-page PDF (Kolibri only checks the md5, a reader renders it).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

CHANNEL_FIELDS = {
    "id",
    "name",
    "description",
    "tagline",
    "language",
    "icon_encoding",
    "root",
    "version",
    "last_published",
    "total_resource_count",
    "published_size",
    "included_languages",
    "version_notes",
    "public",
    "library",
    "matching_tokens",
}


def build_small_channel(owner, *, name: str = "Small channel", public: bool = False):
    """A topic holding a document (a real PDF, stored) and an exercise. Returns (channel, nodes)."""
    channel = make_channel(owner=owner, name=name, language_id="en", description=f"{name} description")
    if public:
        Channel.objects.filter(pk=channel.pk).update(public=True)
    resource = {"complete": True, "license_id": CC_BY, "copyright_holder": "Someone"}
    topic, document, exercise = build_tree(
        channel.main_tree,
        [
            (
                "topic",
                [
                    ("document", [], {**resource, "title": "A document"}),
                    (
                        "exercise",
                        [],
                        {**resource, "title": "An exercise", "extra_fields": {"options": MASTERY_OPTIONS}},
                    ),
                ],
                {"complete": True, "title": "A topic"},
            )
        ],
    )
    stored_file(document, PDF, "pdf", "document")
    for order in (1, 2, 3):
        make_assessment_item(contentnode=exercise, order=order, assessment_id=f"{order:032x}")
    channel.refresh_from_db()
    return channel, {"topic": topic, "document": document, "exercise": exercise}


def publish(channel, owner, notes: str = "") -> Channel:
    publish_channel(channel_id=channel.id, user=owner, version_notes=notes, force=True)
    channel.refresh_from_db()
    return channel


def primary_token(channel) -> str:
    return channel.secret_tokens.get(is_primary=True).token


def get_json(path: str, status: int = 200):
    response = Client().get(path)
    assert response.status_code == status, (path, response.status_code, response.content[:300])
    return json.loads(response.content)


@pytest.fixture
def published(owner):
    channel, nodes = build_small_channel(owner, name="Published public", public=True)
    return publish(channel, owner, notes="First")


# --- info --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/public/info", "/api/public/info/"])
def test_info_identifies_a_studio_like_content_server_without_a_redirect(db, path):
    response = Client().get(path, {"v": "3"})

    assert response.status_code == 200
    info = response.json()
    assert set(info) == {
        "application",
        "kolibri_version",
        "instance_id",
        "device_name",
        "operating_system",
        "subset_of_users_device",
        "min_content_schema_version",
    }
    assert info["application"] == "studio"
    assert info["min_content_schema_version"] == "5"
    assert len(info["instance_id"]) == 32 and int(info["instance_id"], 16) >= 0
    assert info["subset_of_users_device"] is False


def test_info_without_a_version_answers_the_first_version_keys(db):
    info = get_json("/api/public/info")

    assert set(info) == {"application", "kolibri_version", "instance_id", "device_name", "operating_system"}


# --- the public list ------------------------------------------------------------------------------


def test_anonymous_users_list_published_public_channels_in_kolibri_shape(published, owner):
    channels = get_json("/api/public/v1/channels?channel_versions=true")

    assert [c["id"] for c in channels] == [published.id]
    channel = channels[0]
    assert set(channel) == CHANNEL_FIELDS
    assert channel["name"] == "Published public"
    assert channel["description"] == "Published public description"
    assert channel["language"] == "en"
    assert channel["version"] == 1
    assert channel["public"] is True
    assert channel["root"] == published.main_tree.node_id
    assert channel["total_resource_count"] == 2
    assert channel["published_size"] == published.published_size > 0
    assert channel["included_languages"] == ["en"]
    assert channel["version_notes"] == {"1": "First"}
    assert channel["last_published"].endswith("Z")
    assert channel["library"] is None


def test_private_unpublished_and_deleted_channels_are_not_listed(published, owner):
    private, _ = build_small_channel(owner, name="Private")
    publish(private, owner)
    build_small_channel(owner, name="Never published", public=True)
    deleted, _ = build_small_channel(owner, name="Deleted", public=True)
    publish(deleted, owner)
    Channel.objects.filter(pk=deleted.pk).update(deleted=True)

    channels = get_json("/api/public/v1/channels")

    assert [c["id"] for c in channels] == [published.id]


def test_the_list_shows_what_was_published_not_later_edits(published):
    Channel.objects.filter(pk=published.pk).update(
        name="Edited name", description="Edited description", language_id="fr", thumbnail_encoding={}
    )

    channel = get_json("/api/public/v1/channels")[0]

    assert (channel["name"], channel["description"], channel["language"]) == (
        "Published public",
        "Published public description",
        "en",
    )


def test_the_list_filters_by_keyword_and_language(published, owner):
    other, _ = build_small_channel(owner, name="Other one", public=True)
    publish(other, owner)

    assert [c["id"] for c in get_json("/api/public/v1/channels?keyword=other")] == [other.id]
    assert {c["id"] for c in get_json("/api/public/v1/channels?language=en")} == {published.id, other.id}
    assert get_json("/api/public/v1/channels?language=fr") == []


def test_the_list_takes_a_fixed_number_of_queries(published, owner):
    for n in range(3):
        channel, _ = build_small_channel(owner, name=f"More {n}", public=True)
        publish(channel, owner)
    get_json("/api/public/v1/channels")  # reads each published database once, then cached

    with CaptureQueriesContext(connection) as queries:
        channels = get_json("/api/public/v1/channels")

    assert len(channels) == 4
    assert len(queries) == 2  # channels, their ChannelVersion rows


def test_the_list_is_cacheable_and_unknown_api_versions_are_404(published):
    response = Client().get("/api/public/v1/channels")
    assert "max-age=300" in response["Cache-Control"] and "public" in response["Cache-Control"]

    get_json("/api/public/v9/channels", status=404)
    get_json(f"/api/public/v9/channels/lookup/{published.id}", status=404)


# --- lookup ----------------------------------------------------------------------------------------


def test_lookup_by_channel_id_finds_the_latest_published_version(published, owner):
    publish(published, owner, notes="Second")

    channels = get_json(f"/api/public/v1/channels/lookup/{published.id}")

    assert [(c["id"], c["version"]) for c in channels] == [(published.id, 2)]
    assert set(channels[0]) == CHANNEL_FIELDS
    assert channels[0]["version_notes"] == {"1": "First", "2": "Second"}


def test_lookup_by_token_finds_a_non_public_channel(owner):
    private, _ = build_small_channel(owner, name="Private")
    publish(private, owner)
    token = primary_token(private)

    for typed in (token, f"{token[:5]}-{token[5:]}", token.upper()):
        channels = get_json(f"/api/public/v1/channels/lookup/{typed}")
        assert [(c["id"], c["public"], c["matching_tokens"]) for c in channels] == [(private.id, False, [token])]
    response = Client().get(f"/api/public/v1/channels/lookup/{token}")
    assert "private" in response["Cache-Control"]


def test_a_version_token_finds_that_version_as_published(published, owner):
    token = SecretToken.objects.create(token="versionone")
    ChannelVersion.objects.filter(channel=published, version=1).update(secret_token=token)
    Channel.objects.filter(pk=published.pk).update(name="Second name")
    publish(published, owner, notes="Second")

    channel = get_json("/api/public/v1/channels/lookup/versionone")[0]
    latest = get_json(f"/api/public/v1/channels/lookup/{published.id}")[0]

    assert (channel["version"], channel["name"], channel["version_notes"]) == (1, "Published public", {"1": "First"})
    assert (latest["version"], latest["name"]) == (2, "Second name")


def test_a_draft_token_finds_the_draft_with_a_null_version(owner):
    channel, _ = build_small_channel(owner, name="Draft only")
    result = publish_channel(channel_id=channel.id, user=owner, draft=True)

    channels = get_json(f"/api/public/v1/channels/lookup/{result.draft_token}")

    assert [(c["id"], c["version"], c["name"]) for c in channels] == [(channel.id, None, "Draft only")]
    get_json(f"/api/public/v1/channels/lookup/{channel.id}", status=404)  # never published


def test_a_channel_set_token_finds_each_published_channel_of_the_set(published, owner):
    private, _ = build_small_channel(owner, name="Private")
    publish(private, owner)
    unpublished, _ = build_small_channel(owner, name="Unpublished")
    token = SecretToken.objects.create(token="setoftwo")
    ChannelSet.objects.create(name="Set", secret_token=token)
    for channel in (published, private, unpublished):
        channel.secret_tokens.add(token)

    channels = get_json("/api/public/v1/channels/lookup/setoftwo")

    assert {c["id"] for c in channels} == {published.id, private.id}


def test_unknown_unpublished_and_deleted_channels_are_404(published, owner):
    never, _ = build_small_channel(owner, name="Never published")
    token = primary_token(published)
    Channel.objects.filter(pk=published.pk).update(deleted=True)

    for identifier in ("0" * 32, "nosuchtoken", never.id, published.id, token):
        body = get_json(f"/api/public/v1/channels/lookup/{identifier}", status=404)
        assert "detail" in body
    get_json(f"/api/public/channel/{published.id}", status=404)
    get_json(f"/api/public/channel/{never.id}", status=404)


def test_channel_by_id_names_the_published_version(published):
    Channel.objects.filter(pk=published.pk).update(name="Unpublished name")

    assert get_json(f"/api/public/channel/{published.id}") == {
        "name": "Published public",
        "description": "Published public description",
        "version": 1,
    }


def test_a_channel_published_to_an_s3_bucket_is_found_from_its_database_there(owner, s3):  # noqa: F811
    channel, _ = build_small_channel(owner, name="In a bucket", public=True)
    publish(channel, owner)

    channels = get_json(f"/api/public/v1/channels/lookup/{channel.id}")

    assert [(c["name"], c["version"]) for c in channels] == [("In a bucket", 1)]


def test_the_public_api_answers_reads_only(published):
    assert Client().post("/api/public/v1/channels").status_code == 405
    assert Client().head(f"/api/public/v1/channels/lookup/{published.id}").status_code == 200


# --- a real Kolibri over the network --------------------------------------------------------------


@pytest.fixture
def content_server(live_server, isolated_storage, monkeypatch):
    """The live server with an empty storage of its own (as test_chef_ricecooker's chef_server).

    ``content_server.seen`` collects the paths it answers.
    """
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    seen: list[str] = []

    def record(sender, environ, **kwargs):
        seen.append(environ["PATH_INFO"])

    signals.request_started.connect(record, dispatch_uid="public-api-paths-seen")
    live_server.seen = seen
    yield live_server
    signals.request_started.disconnect(dispatch_uid="public-api-paths-seen")


@pytest.mark.kolibri
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_real_kolibri_imports_a_published_channel_over_the_network(kolibri_venv, content_server, owner, tmp_path):
    from contentcuration.tests.test_publish_kolibri import CHECK_SCRIPT, kolibri

    channel, nodes = build_small_channel(owner, name="Network channel")
    channel = publish(channel, owner)
    url = content_server.url

    home = tmp_path / "kolibri-by-id"
    kolibri(home, "importchannel", "network", channel.id, "--baseurl", url)
    kolibri(home, "importcontent", "--fail-on-error", "network", channel.id, "--baseurl", url)
    script = home / "check.py"
    script.write_text(f"CHANNEL_ID = {channel.id!r}\n" + CHECK_SCRIPT)
    output = kolibri(home, "shell", "-c", f"exec(open({str(script)!r}).read())")
    imported = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])

    assert imported["version"] == 1
    expected = {channel.main_tree.node_id, *(n.node_id for n in nodes.values())}
    assert set(imported["nodes"]) == expected
    assert all(n["available"] for n in imported["nodes"].values()), imported["nodes"]
    presets = sorted((node_id, preset, available) for node_id, preset, available in imported["files"])
    assert presets == sorted(
        [(nodes["document"].node_id, "document", True), (nodes["exercise"].node_id, "exercise", True)]
    )
    assert len(imported["assessments"][nodes["exercise"].node_id]["ids"]) == 3
    assert f"/content/databases/{channel.id}.sqlite3" in content_server.seen
    assert sum(path.startswith("/content/storage/") for path in content_server.seen) == 2

    # A non-public channel, by its token, as a Kolibri user types it into "Import by token".
    token_home = tmp_path / "kolibri-by-token"
    content_server.seen.clear()
    token = primary_token(channel)
    kolibri(token_home, "importchannel", "network", f"{token[:5]}-{token[5:]}", "--baseurl", url)
    kolibri(token_home, "importcontent", "--fail-on-error", "network", channel.id, "--baseurl", url)
    script = token_home / "check.py"
    script.write_text(f"CHANNEL_ID = {channel.id!r}\n" + CHECK_SCRIPT)
    output = kolibri(token_home, "shell", "-c", f"exec(open({str(script)!r}).read())")
    by_token = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])
    assert by_token["version"] == 1
    assert set(by_token["nodes"]) == expected
    assert all(n["available"] for n in by_token["nodes"].values())
    assert "/api/public/info/" in content_server.seen

    # What Kolibri's "import from a network location" screen shows, through its own client.
    snippet = (
        "import json\n"
        "from kolibri.core.content.api import RemoteChannelViewSet\n"
        "from kolibri.core.content.utils.paths import get_channel_lookup_url\n"
        "from kolibri.core.discovery.utils.network.client import NetworkClient\n"
        f"client = NetworkClient.discover_from_address({url!r})\n"
        f"found = client.get(get_channel_lookup_url(identifier={token!r})).json()\n"
        "print('REMOTE ' + json.dumps([RemoteChannelViewSet._studio_response_to_kolibri_response(c) for c in found]))\n"
    )
    script = token_home / "remote.py"
    script.write_text(snippet)
    output = kolibri(token_home, "shell", "-c", f"exec(open({str(script)!r}).read())")
    remote = json.loads(next(line for line in output.splitlines() if line.startswith("REMOTE "))[7:])
    assert [(c["id"], c["name"], c["version"], c["public"]) for c in remote] == [
        (channel.id, "Network channel", 1, False)
    ]
    assert remote[0]["total_resources"] == 2 and remote[0]["lang_code"] == "en"
    assert remote[0]["total_file_size"] == channel.published_size
    assert f"/api/public/v1/channels/lookup/{token[:5]}-{token[5:]}" in content_server.seen
    assert f"/content/databases/{channel.id}-1.sqlite3" in content_server.seen  # the version the token names
