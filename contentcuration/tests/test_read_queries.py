"""Each list endpoint costs a fixed number of queries, whatever the page size (pinned here)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contentcuration.models import ChannelSet, ContentTag, Invitation, SecretToken
from contentcuration.tests.factories import UserFactory, build_tree, make_assessment_item, make_channel, make_file
from contentcuration.tests.read_data import reader_for


def grow_nodes(ctx, n):
    nodes = build_tree(ctx["topic"], [("video", [], {"original_source_node_id": "a" * 32})] * (n - 1) + ["exercise"])
    tag = ContentTag.objects.get_or_create(tag_name="t", channel=None)[0]
    for node in nodes:
        node.tags.add(tag)
        make_file(contentnode=node, data=node.id.encode(), ext="png", preset_id="video_thumbnail")
    make_assessment_item(contentnode=nodes[-1])


def grow_channels(ctx, n):
    for i in range(n):
        make_channel(owner=ctx["owner"], name=f"c{i}", public=True)


def grow_items(ctx, n):
    for _ in range(n):
        make_assessment_item(contentnode=ctx["exercise"])


def grow_files(ctx, n):
    for i in range(n):
        make_file(contentnode=ctx["exercise"], data=f"file {i}".encode())


def grow_sets(ctx, n):
    for i in range(n):
        token = SecretToken.objects.create(token=f"set-{ChannelSet.objects.count()}")
        channelset = ChannelSet.objects.create(name=f"s{i}", secret_token=token)
        channelset.editors.add(ctx["owner"])


def grow_invitations(ctx, n):
    for i in range(n):
        Invitation.objects.create(email=f"i{i}@example.com", sender=ctx["owner"], channel=ctx["channel"])


def grow_users(ctx, n):
    for _ in range(n):
        ctx["channel"].editors.add(UserFactory())


def grow_clipboard(ctx, n):
    build_tree(ctx["owner"].clipboard_tree, ["video"] * n)


def grow_bookmarks(ctx, n):
    for i in range(n):
        make_channel(owner=ctx["owner"], name=f"b{i}").bookmarked_by.add(ctx["owner"])


# endpoint -> (url builder, grower, pinned query count)
CASES = {
    "channel": (lambda c: "/api/channel?edit=true", grow_channels, 1),
    "channel, page-number pages": (lambda c: "/api/channel?edit=true&page_size=100", grow_channels, 2),
    "catalog": (lambda c: "/api/catalog?public=true&page_size=100", grow_channels, 2),
    # 5, plus 2 (files, questions) for the reasons of the page's incomplete nodes (none when all are complete)
    "contentnode": (lambda c: f"/api/contentnode?parent={c['topic'].id}", grow_nodes, 7),
    "contentnode, cursor pages": (lambda c: f"/api/contentnode?parent={c['topic'].id}&max_results=100", grow_nodes, 7),
    "assessmentitem": (lambda c: f"/api/assessmentitem?contentnode={c['exercise'].id}", grow_items, 1),
    "file": (lambda c: f"/api/file?contentnode={c['exercise'].id}", grow_files, 1),
    "channelset": (lambda c: "/api/channelset", grow_sets, 2),
    "invitation": (lambda c: f"/api/invitation?channel={c['channel'].id}", grow_invitations, 1),
    "user": (lambda c: "/api/user", grow_users, 3),
    "channeluser": (lambda c: f"/api/channeluser?channel={c['channel'].id}", grow_users, 2),
    "clipboard": (lambda c: f"/api/clipboard?parent={c['owner'].clipboard_tree_id}", grow_clipboard, 1),
    "bookmark": (lambda c: "/api/bookmark", grow_bookmarks, 1),
}


@pytest.fixture
def ctx(owner, channel):
    topic, exercise = build_tree(channel.main_tree, [("topic", []), "exercise"])
    return {"owner": owner, "channel": channel, "topic": topic, "exercise": exercise}


@pytest.mark.parametrize("case", sorted(CASES))
def test_list_query_count_is_pinned_and_independent_of_page_size(ctx, case, django_assert_num_queries):
    url_for, grow, pinned = CASES[case]
    client = reader_for(ctx["owner"])
    grow(ctx, 2)
    with django_assert_num_queries(pinned):
        small = client.get(url_for(ctx))
    assert small.status_code == 200
    grow(ctx, 20)
    with CaptureQueriesContext(connection) as large_queries:
        large = client.get(url_for(ctx))
    body = large.json()
    rows = body if isinstance(body, list) else body["results"]
    assert len(rows) >= 20
    assert len(large_queries) == pinned, [q["sql"][:120] for q in large_queries]
