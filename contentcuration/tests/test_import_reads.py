"""The import dialog's reads (issue 15): node search across a list of channels with its
filters, what a selection would copy (``/api/contentnode/selection``) and which picks are
already in the target channel (``/api/contentnode/in_channel``), with their permission matrix."""

from __future__ import annotations

import pytest

from contentcuration.models import Channel, ContentNode
from contentcuration.tests.factories import build_tree, make_channel, make_file
from contentcuration.tests.read_data import build_read_data, client_for

PERSONAS = ("anonymous", "stranger", "viewer", "editor", "admin")


@pytest.fixture
def data(channel, owner):
    return build_read_data(channel=channel, owner=owner)


@pytest.fixture
def public_channel(stranger):
    public = make_channel(owner=stranger, name="Open maths")
    build_tree(
        public.main_tree,
        [
            ("topic", [("exercise", [], {"title": "Fractions quiz"})], {"title": "Fractions"}),
            ("exercise", [], {"title": "Adding fractions", "license_id": 1, "role_visibility": "coach"}),
            ("video", [], {"title": "Fractions explained", "license_id": 2}),
        ],
    )
    Channel.objects.filter(pk=public.pk).update(public=True)
    return public


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return sorted(row["title"] for row in response.json())


def search(user, **params):
    query = "&".join(f"{k}={v}" for k, v in {"keywords": "fractions", **params}.items())
    return client_for(user).get(f"/api/contentnode?{query}")


def test_search_in_public_channels_finds_their_nodes_only(owner, data, public_channel):
    assert titles(search(owner, channel_list="public")) == [
        "Adding fractions",
        "Fractions",
        "Fractions explained",
        "Fractions quiz",
    ]
    assert titles(search(owner, channel_list="edit")) == []


def test_search_filters_kind_license_coach_and_hide_folders(owner, public_channel):
    assert titles(search(owner, channel_list="public", kinds="exercise")) == ["Adding fractions", "Fractions quiz"]
    assert titles(search(owner, channel_list="public", kinds="exercise,video", licenses="2")) == ["Fractions explained"]
    assert titles(search(owner, channel_list="public", coach="true")) == ["Adding fractions"]
    assert "Fractions" not in titles(search(owner, channel_list="public", resources="true"))
    assert titles(search(owner, channel_id=public_channel.id, resources="false")) == ["Fractions"]


def test_search_in_my_starred_and_view_only_channels(owner, viewer, data):
    # data: the owner edits and stars the channel; the viewer views it.
    assert titles(search(owner, keywords="algebra", channel_list="edit")) == ["Algebra basics"]
    assert titles(search(owner, keywords="algebra", channel_list="bookmark")) == ["Algebra basics"]
    assert titles(search(owner, keywords="algebra", channel_list="view")) == []
    assert titles(search(viewer, keywords="algebra", channel_list="view")) == ["Algebra basics"]
    assert titles(search(viewer, keywords="algebra", channel_list="edit")) == []


def test_a_deleted_public_channel_is_not_searched(owner, public_channel):
    Channel.objects.filter(pk=public_channel.pk).update(deleted=True)
    assert titles(search(owner, channel_list="public")) == []


@pytest.mark.parametrize(
    "params, name",
    [
        ("channel_list=everything", "channel_list"),
        ("channel_list=public&licenses=cc,1", "licenses"),
        ("channel_list=public&coach=maybe", "coach"),
        ("channel_list=public&resources=perhaps", "resources"),
    ],
)
def test_a_bad_search_parameter_is_400_naming_it(owner, params, name):
    response = client_for(owner).get(f"/api/contentnode?{params}")
    assert response.status_code == 400
    assert name in response.json()


# --- selection ----------------------------------------------------------------------------------


def test_the_selection_counts_folders_and_resources_once_and_sums_distinct_files(owner, data):
    # topic holds video, exercise, document; picking the topic and the video counts each once.
    ids = f"{data.topic.id},{data.video.id}"
    body = client_for(owner).get(f"/api/contentnode/selection?ids={ids}").json()
    assert body == {
        "nodes": 2,
        "folders": 1,
        "resources": 3,
        "size": len(b"pdf bytes") + len(b"thumb") + len(b"image"),
    }


def test_the_same_stored_object_counts_once_in_the_size(owner, data):
    make_file(contentnode=data.video, data=b"pdf bytes", ext="pdf")  # same checksum as the document's
    body = client_for(owner).get(f"/api/contentnode/selection?ids={data.video.id},{data.document.id}").json()
    assert body["size"] == len(b"pdf bytes") + len(b"thumb")


def test_the_selection_costs_three_queries(owner, data, django_assert_max_num_queries):
    client = client_for(owner)
    client.get(f"/api/contentnode/selection?ids={data.topic.id}")  # the session is read once warm
    with django_assert_max_num_queries(5):  # session + user, then picked, counts, files
        client.get(f"/api/contentnode/selection?ids={data.topic.id},{data.video.id}")


@pytest.mark.parametrize(
    "query",
    ["", "ids=", "ids=abc", "ids=" + ",".join(["a" * 32] * 101)],
)
def test_a_bad_selection_is_400_naming_ids(owner, query):
    response = client_for(owner).get(f"/api/contentnode/selection?{query}")
    assert response.status_code == 400
    assert "ids" in response.json()


# --- already in this channel --------------------------------------------------------------------


def test_a_copy_in_the_target_channel_marks_its_source(owner, data, public_channel):
    quiz = ContentNode.objects.get(tree_id=public_channel.main_tree.tree_id, title="Adding fractions")
    video = ContentNode.objects.get(tree_id=public_channel.main_tree.tree_id, title="Fractions explained")
    build_tree(data.channel.main_tree, [("exercise", [], {"title": "Copied quiz", "content_id": quiz.content_id})])
    response = client_for(owner).get(f"/api/contentnode/in_channel?channel={data.channel.id}&ids={quiz.id},{video.id}")
    assert response.json() == {"ids": [quiz.id]}


def test_in_channel_needs_a_channel_id(owner, data):
    response = client_for(owner).get(f"/api/contentnode/in_channel?ids={data.video.id}")
    assert response.status_code == 400
    assert "channel" in response.json()


# --- permissions ----------------------------------------------------------------------------------


@pytest.fixture
def users(owner, channel, editor, viewer, stranger, admin_user):
    return {"anonymous": None, "stranger": stranger, "viewer": viewer, "editor": editor, "admin": admin_user}


SELECTION = {"anonymous": 403, "stranger": 0, "viewer": 3, "editor": 3, "admin": 3}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_selection_counts_only_what_the_persona_can_view(data, users, persona):
    response = client_for(users[persona]).get(f"/api/contentnode/selection?ids={data.topic.id}")
    expected = SELECTION[persona]
    if expected == 403:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert response.json()["resources"] == expected


IN_CHANNEL = {"anonymous": 403, "stranger": 404, "viewer": 200, "editor": 200, "admin": 200}


@pytest.mark.parametrize("persona", PERSONAS)
def test_in_channel_answers_only_about_a_channel_the_persona_can_view(data, users, persona):
    response = client_for(users[persona]).get(
        f"/api/contentnode/in_channel?channel={data.channel.id}&ids={data.video.id}"
    )
    assert response.status_code == IN_CHANNEL[persona]
    if response.status_code == 200:
        assert response.json() == {"ids": [data.video.id]}


@pytest.mark.parametrize("persona", PERSONAS)
def test_search_in_public_channels_by_persona(public_channel, users, persona):
    response = search(users[persona], channel_list="public", kinds="exercise")
    if persona == "anonymous":
        assert response.status_code == 403
    else:
        assert titles(response) == ["Adding fractions", "Fractions quiz"]
