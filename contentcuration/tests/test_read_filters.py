"""Filters, required filters, ordering, both pagination styles and keyword search."""

from __future__ import annotations

import pytest

from contentcuration.changes import record_server_change
from contentcuration.models import Change, ContentTag
from contentcuration.models.change_types import CHANNEL, CONTENTNODE, PUBLISHED
from contentcuration.tests.factories import build_tree, make_channel
from contentcuration.tests.read_data import build_read_data, client_for


@pytest.fixture
def data(channel, owner):
    return build_read_data(channel=channel, owner=owner)


@pytest.mark.parametrize(
    "url",
    [
        "/api/channel",
        "/api/contentnode",
        "/api/assessmentitem",
        "/api/file",
        "/api/clipboard",
        "/api/channeluser",
        "/api/channel?unknown=1",
        "/api/contentnode?parent=",
    ],
)
def test_a_list_without_a_filter_is_412(owner, url):
    response = client_for(owner).get(url)
    assert response.status_code == 412
    assert response.json() == {"detail": "No valid filter parameters supplied"}


@pytest.mark.parametrize(
    "url, parameter",
    [
        ("/api/contentnode?parent=not-a-uuid", "parent"),
        ("/api/contentnode?id__in=abc,def", "id__in"),
        ("/api/channel?published=maybe", "published"),
        ("/api/file?contentnode=zz", "contentnode"),
        ("/api/channel?licenses=1,x", "licenses"),
        ("/api/contentnode?_node_id_channel_id___in=" + "a" * 32, "_node_id_channel_id___in"),
        ("/api/user?ids=1,two", "ids"),
        ("/api/contentnode?parent=" + "a" * 32 + "&max_results=x", "max_results"),
        ("/api/channel?edit=true&page_size=0", "page_size"),
    ],
)
def test_a_bad_filter_value_is_400_naming_the_parameter(owner, url, parameter):
    response = client_for(owner).get(url)
    assert response.status_code == 400, response.content
    assert parameter in response.json()


def test_ordering_accepts_one_field_only(owner, data):
    client = client_for(owner)
    response = client.get(f"/api/contentnode?parent={data.topic.id}&ordering=title,lft")
    assert response.status_code == 400
    assert response.json() == {"ordering": ["Can only define a single ordering field"]}
    assert client.get(f"/api/contentnode?parent={data.topic.id}&ordering=nope").status_code == 400


def test_ordering_by_an_output_name_sorts_rows(owner, data):
    rows = client_for(owner).get(f"/api/contentnode?parent={data.topic.id}&ordering=-lft").json()
    assert [r["id"] for r in rows] == [data.document.id, data.exercise.id, data.video.id]
    rows = client_for(owner).get(f"/api/contentnode?parent={data.topic.id}&ordering=kind").json()
    assert [r["kind"] for r in rows] == ["document", "exercise", "video"]


def test_cursor_pagination_walks_a_topic_with_more(owner, data):
    client = client_for(owner)
    first = client.get(f"/api/contentnode?parent={data.topic.id}&max_results=2").json()
    assert [r["id"] for r in first["results"]] == [data.video.id, data.exercise.id]
    assert first["more"] == {"parent": data.topic.id, "max_results": "2", "lft__gt": data.exercise.lft}
    second = client.get("/api/contentnode", first["more"]).json()
    assert [r["id"] for r in second["results"]] == [data.document.id]
    assert second["more"] is None


def test_descending_cursor_uses_lt(owner, data):
    client = client_for(owner)
    first = client.get(f"/api/contentnode?parent={data.topic.id}&max_results=2&ordering=-lft").json()
    assert first["more"]["lft__lt"] == data.exercise.lft
    second = client.get("/api/contentnode", first["more"]).json()
    assert [r["id"] for r in second["results"]] == [data.video.id]


def test_page_number_pagination_envelope(owner, channel):
    for n in range(3):
        make_channel(owner=owner, name=f"Extra {n}")
    client = client_for(owner)
    body = client.get("/api/channel?edit=true&page_size=2&page=2&ordering=name").json()
    assert (body["page"], body["count"], body["total_pages"]) == (2, 4, 2)
    assert [r["name"] for r in body["results"]] == ["Extra 2", "Owned channel"]
    assert client.get("/api/channel?edit=true&page_size=2&page=9").status_code == 404
    assert isinstance(client.get("/api/channel?edit=true").json(), list)


def test_channel_filters(owner, data, stranger):
    client = client_for(owner)
    other = make_channel(owner=owner, name="Other")
    ids = lambda q: {r["id"] for r in client.get(f"/api/channel?{q}").json()}  # noqa: E731
    assert ids("edit=true") == {data.channel.id, other.id}
    assert ids(f"edit=true&exclude={other.id}") == {data.channel.id}
    assert ids("kinds=exercise") == {data.channel.id}
    assert ids("languages=en") == {data.channel.id}
    assert ids("coach=true") == {data.channel.id}
    assert ids("assessments=true&edit=true") == {data.channel.id}
    assert ids("bookmark=true") == {data.channel.id}
    assert ids(f"collection={data.channelset.id}") == {data.channel.id}
    assert ids("staged=true") == set()
    assert ids("deleted=false&edit=true") == {data.channel.id, other.id}


def test_contentnode_filters(owner, data):
    client = client_for(owner)
    ids = lambda q: [r["id"] for r in client.get(f"/api/contentnode?{q}").json()]  # noqa: E731
    assert ids(f"root_id={data.channel.id}") == [data.topic.id]
    assert ids(f"ancestors_of={data.video.id}") == [data.channel.main_tree_id, data.topic.id, data.video.id]
    assert ids(f"parent={data.topic.id}&kind=exercise") == [data.exercise.id]
    pair = f"{data.video.node_id},{data.channel.id}"
    assert ids(f"_node_id_channel_id___in={pair}") == [data.video.id]
    assert ids(f"parent__in={data.topic.id},{data.channel.main_tree_id}") == [
        data.topic.id,
        data.video.id,
        data.exercise.id,
        data.document.id,
    ]


def test_unpublished_changes_follow_the_last_successful_publish(owner, data):
    client = client_for(owner)

    def flag():
        return client.get(f"/api/channel/{data.channel.id}").json()["unpublished_changes"]

    assert flag() is False
    edit = dict(table=CONTENTNODE, key=data.video.id, mods={"title": "x"}, channel_id=data.channel.id)
    record_server_change(**edit)  # server-made: no created_by, ignored
    assert flag() is False
    record_server_change(**edit, created_by_id=owner.pk)
    assert flag() is True
    record_server_change(
        table=CHANNEL, key=data.channel.id, change_type=PUBLISHED, channel_id=data.channel.id, created_by_id=owner.pk
    )
    assert flag() is False
    failed = record_server_change(
        table=CHANNEL, key=data.channel.id, change_type=PUBLISHED, channel_id=data.channel.id, created_by_id=owner.pk
    )
    record_server_change(**edit, created_by_id=owner.pk)
    Change.objects.filter(pk=failed.pk).update(errored=True)
    assert flag() is True


# --- keyword search ---------------------------------------------------------------------------


@pytest.fixture
def library(owner):
    algebra = make_channel(owner=owner, name="Algebra course", description="Equations for everyone")
    build_tree(algebra.main_tree, [("video", [], {"title": "Solving quadratic equations", "author": "Ada"})])
    biology = make_channel(owner=owner, name="Biology", description="Cells")
    (node,) = build_tree(biology.main_tree, [("document", [], {"title": "Photosynthesis"})])
    node.tags.add(ContentTag.objects.create(tag_name="plants"))
    return algebra, biology


@pytest.mark.parametrize(
    "keywords, expected",
    [
        ("algebra", {"Algebra course"}),
        ("ALGEBRA quadratic", {"Algebra course"}),  # one word in the name, one in a node title
        ("equations ada", {"Algebra course"}),  # description + node author
        ("plants", {"Biology"}),  # tag
        ("photosynthesis cells", {"Biology"}),
        ("algebra plants", set()),  # every word must match
        ("zebra", set()),
        ("it's", set()),  # punctuation is not SQL
    ],
)
def test_channel_keyword_search_requires_every_word(owner, library, keywords, expected):
    rows = client_for(owner).get("/api/channel", {"keywords": keywords}).json()
    assert {r["name"] for r in rows} == expected


def test_node_keyword_search(owner, library):
    algebra, _ = library
    rows = client_for(owner).get("/api/contentnode", {"keywords": "quadratic solving", "root_id": algebra.id}).json()
    assert [r["title"] for r in rows] == ["Solving quadratic equations"]


def test_a_bad_cursor_value_is_400_naming_it(owner, data):
    response = client_for(owner).get(f"/api/contentnode?parent={data.topic.id}&max_results=2&lft__gt=abc")
    assert response.status_code == 400 and "lft__gt" in response.json()
