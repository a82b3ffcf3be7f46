"""The channel editor's reads (docs/editor-api.md): a folder's rows carry the counts, markers
and verdicts the editor shows, and every read of its first screen costs a fixed number of
queries whatever the folder's size or depth."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contentcuration import tree
from contentcuration.models import ContentNode, ContentTag
from contentcuration.tests.factories import build_tree, make_channel, make_file
from contentcuration.tests.sync_helpers import browser_client

COMPLETE = {"complete": True, "license_id": 1, "copyright_holder": "Org"}


def rows_by_title(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["title"]: row for row in rows}


@pytest.fixture
def folder(channel):
    """Unit 1: a video (coach), Lesson 1 [an incomplete exercise, a document published and
    edited since], an audio published and unchanged; then Unit 2, whose resources come after
    Unit 1's in the tree and must not be counted in it."""
    unit, *_ = build_tree(
        channel.main_tree,
        [
            (
                "topic",
                [
                    ("video", [], {"title": "Video", "role_visibility": "coach", **COMPLETE}),
                    (
                        "topic",
                        [
                            ("exercise", [], {"title": "Exercise", "complete": False}),
                            ("document", [], {"title": "Document", **COMPLETE}),
                        ],
                        {"title": "Lesson 1", "complete": True},
                    ),
                    ("audio", [], {"title": "Audio", **COMPLETE}),
                ],
                {"title": "Unit 1", "complete": True},
            ),
            ("topic", [("video", [], {"title": "Later", "complete": False})] * 3, {"title": "Unit 2"}),
        ],
    )
    ContentNode.objects.filter(title="Document").update(published=True, changed=True)
    ContentNode.objects.filter(title="Audio").update(published=True, changed=False)
    return unit


def test_folder_rows_carry_counts_and_markers_of_their_own_subtree(owner, channel, folder):
    client = browser_client(owner)
    top = rows_by_title(client.get(f"/api/contentnode?parent={channel.main_tree_id}"))
    unit = top["Unit 1"]
    assert (unit["total_count"], unit["resource_count"], unit["error_count"], unit["coach_count"]) == (5, 4, 1, 1)
    assert unit["has_new_descendants"] and unit["has_updated_descendants"]
    assert (top["Unit 2"]["resource_count"], top["Unit 2"]["error_count"]) == (3, 3)

    rows = rows_by_title(client.get(f"/api/contentnode?parent={folder.id}"))
    lesson = rows["Lesson 1"]
    assert (lesson["total_count"], lesson["resource_count"], lesson["error_count"], lesson["coach_count"]) == (
        2,
        2,
        1,
        0,
    )
    # Lesson 1 holds a new (never published) exercise and an edited published document.
    assert lesson["has_new_descendants"] and lesson["has_updated_descendants"]
    audio = rows["Audio"]
    assert (audio["resource_count"], audio["has_children"], audio["published"], audio["changed"]) == (
        0,
        False,
        True,
        False,
    )
    assert rows["Video"]["incomplete_reasons"] == [] and rows["Video"]["complete"] is True


def test_a_folder_without_edits_since_the_publish_has_no_markers(owner, channel, folder):
    ContentNode.objects.filter(tree_id=folder.tree_id).update(published=True, changed=False)
    top = rows_by_title(browser_client(owner).get(f"/api/contentnode?parent={channel.main_tree_id}"))
    assert not top["Unit 1"]["has_new_descendants"] and not top["Unit 1"]["has_updated_descendants"]


def test_an_incomplete_row_names_its_reasons(owner, folder):
    lesson = ContentNode.objects.get(title="Lesson 1")
    rows = rows_by_title(browser_client(owner).get(f"/api/contentnode?parent={lesson.id}"))
    assert rows["Exercise"]["complete"] is False
    assert rows["Exercise"]["incomplete_reasons"], rows["Exercise"]


def test_the_tree_sidebar_reads_topics_only(owner, channel, folder):
    rows = rows_by_title(browser_client(owner).get(f"/api/contentnode?parent={folder.id}&kind=topic"))
    assert list(rows) == ["Lesson 1"]


def test_ancestors_run_from_the_root_to_the_node_itself(owner, channel, folder):
    exercise = ContentNode.objects.get(title="Exercise")
    response = browser_client(owner).get(f"/api/contentnode?ancestors_of={exercise.id}")
    assert [row["id"] for row in response.json()] == [
        channel.main_tree_id,
        folder.id,
        ContentNode.objects.get(title="Lesson 1").id,
        exercise.id,
    ]


# --- Search within a channel -------------------------------------------------------------------


def test_search_within_a_channel_finds_its_nodes_at_any_depth_and_no_others(owner, channel, folder):
    other = make_channel(owner=owner, name="Other")
    build_tree(other.main_tree, [("document", [], {"title": "Document elsewhere"})])
    rows = rows_by_title(
        browser_client(owner).get(f"/api/contentnode?channel_id={channel.id}&keywords=document&max_results=25")
    )
    assert list(rows) == ["Document"]


def test_a_search_word_matches_the_start_of_a_word_and_on_sqlite_any_part(owner, channel, folder):
    client = browser_client(owner)

    def titles(words: str) -> set[str]:
        rows = client.get(f"/api/contentnode?channel_id={channel.id}&keywords={words}").json()
        return {row["title"] for row in rows}

    assert titles("DOCU") == titles("document") == {"Document"}
    assert titles("less 1") == {"Lesson 1"}
    assert titles("ocument") == (set() if connection.vendor == "postgresql" else {"Document"})


def test_search_within_a_private_channel_shows_a_stranger_nothing(stranger, channel, folder):
    response = browser_client(stranger).get(f"/api/contentnode?channel_id={channel.id}&keywords=document")
    assert response.status_code == 200 and response.json() == []


def test_search_needs_a_signed_in_user(channel, folder):
    response = browser_client().get(f"/api/contentnode?channel_id={channel.id}&keywords=document")
    assert response.status_code == 403


def test_a_viewer_searches_within_the_channel(viewer, channel, folder):
    response = browser_client(viewer).get(f"/api/contentnode?channel_id={channel.id}&keywords=video")
    assert {row["title"] for row in response.json()} == {"Video"}


def test_channel_id_must_be_an_id(owner):
    response = browser_client(owner).get("/api/contentnode?channel_id=nope")
    assert response.status_code == 400 and "channel_id" in response.json()


# --- Fixed query counts ------------------------------------------------------------------------

# Pinned per read, whatever the folder size or depth. Each includes the session and the user
# lookups (2); a node read then costs its page, tags, thumbnails, tree roots and channels, and
# the files behind the incomplete resources' reasons (folders need none).
SCREEN = {
    "channel": (lambda c: f"/api/channel/{c['channel'].id}", 3),
    "ancestors": (lambda c: f"/api/contentnode?ancestors_of={c['deepest'].id}", 6),
    "tree": (lambda c: f"/api/contentnode?parent={c['channel'].main_tree_id}&kind=topic", 6),
    "children page": (lambda c: f"/api/contentnode?parent={c['folder'].id}&max_results=100", 7),
    "next children page": (lambda c: f"/api/contentnode?parent={c['folder'].id}&max_results=100&lft__gt=5", 7),
}


def editor_channel(owner, *, children: int, depth: int) -> dict:
    """A channel whose first folder holds ``children`` (topics with a resource, incomplete
    resources, tagged resources with thumbnails), nested ``depth`` folders deep."""
    channel = make_channel(owner=owner, name=f"{children} children, depth {depth}")
    parent = channel.main_tree
    for level in range(depth):
        parent, *_ = build_tree(parent, [("topic", [], {"title": f"Level {level}"})])
    spec = []
    for i in range(children):
        if i % 10 == 0:
            spec.append(("topic", [("video", [], {"complete": False})], {"title": f"Folder {i}"}))
        else:
            spec.append(("video", [], {"title": f"Video {i}", **(COMPLETE if i % 3 else {"complete": False})}))
    nodes = build_tree(parent, spec)
    tag = ContentTag.objects.get_or_create(tag_name="maths", channel=None)[0]
    for node in nodes[1:40:3]:
        node.tags.add(tag)
        make_file(contentnode=node, data=node.id.encode(), ext="png", preset_id="video_thumbnail")
    return {"channel": channel, "folder": parent, "deepest": nodes[0]}


@pytest.mark.parametrize("read", sorted(SCREEN))
def test_each_editor_read_costs_the_same_queries_for_10_or_500_children_at_any_depth(owner, read):
    url_for, pinned = SCREEN[read]
    client = browser_client(owner)
    counts = {}
    for children, depth in ((10, 1), (500, 6)):
        ctx = editor_channel(owner, children=children, depth=depth)
        client.get(url_for(ctx))  # the first request of a process imports and caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url_for(ctx))
        assert response.status_code == 200, response.content
        body = response.json()
        assert body, read
        counts[(children, depth)] = len(queries)
        assert len(queries) == pinned, [q["sql"][:150] for q in queries]
    assert counts[(10, 1)] == counts[(500, 6)], counts


# --- The first screen in one read (ours) ---------------------------------------------------------


def test_the_editor_screen_answers_the_four_reads_with_the_same_rows(owner, channel, folder):
    client = browser_client(owner)
    lesson = ContentNode.objects.get(title="Lesson 1")
    screen = client.get(f"/api/channel/{channel.id}/editor?folder={lesson.id}&max_results=1")
    assert screen.status_code == 200, screen.content
    body = screen.json()
    assert body["channel"] == client.get(f"/api/channel/{channel.id}").json()
    assert body["ancestors"] == client.get(f"/api/contentnode?ancestors_of={lesson.id}").json()
    # The sidebar: the folders under the root (Unit 1 is on the path, Unit 2 is not) and under Unit 1.
    assert [row["title"] for row in body["folders"]] == ["Unit 2"]
    assert body["children"] == client.get(f"/api/contentnode?parent={lesson.id}&max_results=1").json()
    rest = client.get("/api/contentnode", body["children"]["more"]).json()
    assert [row["title"] for row in rest["results"]] == ["Document"] and rest["more"] is None


def test_the_editor_screen_opens_on_the_root_by_default(owner, channel, folder):
    body = browser_client(owner).get(f"/api/channel/{channel.id}/editor").json()
    assert [row["id"] for row in body["ancestors"]] == [channel.main_tree_id]
    assert [row["title"] for row in body["children"]["results"]] == ["Unit 1", "Unit 2"]
    assert body["folders"] == body["children"]["results"] and body["children"]["more"] is None


def test_the_editor_screen_of_a_folder_elsewhere_is_404(owner, channel, folder):
    other = make_channel(owner=owner, name="Other")
    elsewhere = build_tree(other.main_tree, ["topic"])[0]
    client = browser_client(owner)
    assert client.get(f"/api/channel/{channel.id}/editor?folder={elsewhere.id}").status_code == 404
    assert client.get(f"/api/channel/{channel.id}/editor?folder={channel.trash_tree_id}").status_code == 404
    response = client.get(f"/api/channel/{channel.id}/editor?folder=nope")
    assert response.status_code == 400 and "folder" in response.json()


@pytest.mark.parametrize("persona, status", [("viewer", 200), ("stranger", 404), ("editor", 200)])
def test_the_editor_screen_follows_the_channel_permissions(persona, status, request, channel, folder):
    response = browser_client(request.getfixturevalue(persona)).get(f"/api/channel/{channel.id}/editor")
    assert response.status_code == status
    if status == 200:
        assert response.json()["channel"]["edit"] is (persona == "editor")


def test_the_editor_screen_needs_a_signed_in_user_for_a_private_channel(channel, folder):
    assert browser_client().get(f"/api/channel/{channel.id}/editor").status_code in (403, 404)


@pytest.mark.parametrize("children, depth", [(10, 1), (500, 6)])
def test_the_editor_screen_costs_at_most_10_queries_whatever_the_folder(owner, children, depth):
    ctx = editor_channel(owner, children=children, depth=depth)
    client = browser_client(owner)
    url = f"/api/channel/{ctx['channel'].id}/editor?folder={ctx['folder'].id}&max_results=100"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    body = response.json()
    assert len(body["ancestors"]) == depth + 1 and len(body["children"]["results"]) == min(children, 100)
    assert len(queries) == 9, [q["sql"][:150] for q in queries]


def test_the_channel_counts_a_resource_and_its_copies_once(owner, channel):
    video, topic = build_tree(channel.main_tree, ["video", ("topic", [])])
    tree.copy_subtree(source=video, target=topic)
    row = browser_client(owner).get(f"/api/channel/{channel.id}").json()
    assert row["count"] == 1
