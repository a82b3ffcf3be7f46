"""Previous / next steps (prerequisites) refuse circles of any length, through /api/sync as the
editor's picker sends them, with a message naming the circle by titles."""

from __future__ import annotations

from contentcuration.models import PrerequisiteContentRelationship
from contentcuration.tests.factories import build_tree
from contentcuration.tests.sync_helpers import client_for, created, post_sync


def add(user, channel, target, prerequisite):
    change = created("contentnode_prerequisite", [target.pk, prerequisite.pk], {}, channel_id=channel.pk)
    response = post_sync(client_for(user), [change])
    return response["errors"][0]["errors"] if response["errors"] else None


def test_a_circle_of_three_previous_steps_is_refused_naming_it(owner, channel):
    intro, practice, quiz = build_tree(
        channel.main_tree,
        [
            ("video", [], {"title": "Intro video"}),
            ("exercise", [], {"title": "Practice"}),
            ("exercise", [], {"title": "Quiz"}),
        ],
    )
    assert add(owner, channel, practice, intro) is None  # practice requires the intro
    assert add(owner, channel, quiz, practice) is None  # the quiz requires practice
    errors = add(owner, channel, intro, quiz)  # the intro requiring the quiz closes a circle
    assert errors == [
        "“Intro video” cannot require “Quiz”: that would make a circle of previous steps "
        "(“Intro video” → “Quiz” → “Practice” → “Intro video”)."
    ]
    assert PrerequisiteContentRelationship.objects.count() == 2


def test_chains_and_shared_previous_steps_are_not_circles(owner, channel):
    a, b, c, d = build_tree(channel.main_tree, ["video", "video", "exercise", "exercise"])
    assert add(owner, channel, c, a) is None
    assert add(owner, channel, c, b) is None
    assert add(owner, channel, d, c) is None
    assert add(owner, channel, d, a) is None  # a is also reachable through c: still no circle
    assert PrerequisiteContentRelationship.objects.count() == 4


def test_self_reference_is_refused(owner, channel):
    (intro,) = build_tree(channel.main_tree, [("video", [], {"title": "Intro video"})])
    assert add(owner, channel, intro, intro) == ["Prerequisite relationship cannot be self referential"]
