"""Test helpers for publish tests: a channel with every kind of content, stored for real."""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from django.core.files.storage import default_storage
from le_utils.constants.labels import accessibility_categories, learning_activities, levels, needs, subjects

from contentcuration import storage
from contentcuration.models import AssessmentItem, ContentTag, File, PrerequisiteContentRelationship
from contentcuration.tests.factories import build_tree, make_channel

CC_BY = 1  # le-utils license ids
ALL_RIGHTS_RESERVED = 7

MASTERY_OPTIONS = {
    "completion_criteria": {"model": "mastery", "threshold": {"mastery_model": "m_of_n", "m": 2, "n": 3}},
}


def stored_file(node, data: bytes, ext: str, preset: str, **fields) -> File:
    """A File whose bytes really are in storage under their md5."""
    checksum, key = storage.save_bytes(data, ext)
    return File.objects.create(
        contentnode=node,
        checksum=checksum,
        file_size=len(data),
        file_format_id=ext,
        file_on_disk=key,
        preset_id=preset,
        **fields,
    )


def build_sample_channel(owner, *, name: str = "Sample channel"):
    """A channel with topics, every common resource kind, curated labels, an exercise with
    three question types and an image, tags, a prerequisite, and two incomplete nodes.

    Returns (channel, nodes) where nodes maps a short name to the node.
    """
    channel = make_channel(owner=owner, name=name, language_id="en", description="A channel to publish")
    complete = {"complete": True}
    flat = build_tree(
        channel.main_tree,
        [
            (
                "topic",
                [
                    (
                        "video",
                        [],
                        {
                            **complete,
                            "title": "A video",
                            "author": "Ana",
                            "copyright_holder": "Ana's org",
                            "license_id": CC_BY,
                            "learning_activities": {learning_activities.WATCH: True, learning_activities.REFLECT: True},
                            "categories": {subjects.MATHEMATICS: True, subjects.ALGEBRA: True},
                            "grade_levels": {levels.LOWER_PRIMARY: True},
                            "accessibility_labels": {accessibility_categories.CAPTIONS_SUBTITLES: True},
                            "learner_needs": {needs.INTERNET: True},
                            "resource_types": {"lesson": True},
                            "role_visibility": "coach",
                            "language_id": "es",
                        },
                    ),
                    (
                        "document",
                        [],
                        {**complete, "title": "A document", "license_id": ALL_RIGHTS_RESERVED, "copyright_holder": "X"},
                    ),
                    (
                        "exercise",
                        [],
                        {
                            **complete,
                            "title": "An exercise",
                            "license_id": CC_BY,
                            "copyright_holder": "Y",
                            "extra_fields": {"options": MASTERY_OPTIONS, "randomize": False},
                        },
                    ),
                ],
                {**complete, "title": "Topic A", "categories": {subjects.MATHEMATICS: True}},
            ),
            ("topic", [], {**complete, "title": "Empty topic"}),
            ("topic", ["document"], {"complete": False, "title": "Incomplete topic"}),
            ("document", [], {"complete": False, "title": "Incomplete document"}),
            ("html5", [], {**complete, "title": "A game", "license_id": CC_BY, "copyright_holder": "Z"}),
            ("audio", [], {**complete, "title": "A song", "license_id": CC_BY, "copyright_holder": "Z"}),
        ],
    )
    topic_a, video, document, exercise, empty, incomplete_topic, _hidden, incomplete_doc, html5, audio = flat
    stored_file(video, b"fake mp4 bytes", "mp4", "high_res_video", duration=125)
    stored_file(video, b"fake subtitles", "vtt", "video_subtitle", language_id="en")
    stored_file(video, b"\x89PNG fake thumbnail", "png", "video_thumbnail")
    stored_file(document, b"%PDF-1.4 fake", "pdf", "document")
    stored_file(html5, b"PK fake zip", "zip", "html5_zip")
    stored_file(audio, b"ID3 fake mp3", "mp3", "audio", duration=61)
    image_checksum, _ = storage.save_bytes(b"\x89PNG image in a question", "png")
    image_ref = f"![diagram](${{☣ CONTENTSTORAGE}}/{image_checksum}.png)"
    AssessmentItem.objects.create(
        contentnode=exercise,
        order=1,
        type="single_selection",
        question=f"What is $$1+1$$?\n\n{image_ref}",
        answers=json.dumps(
            [{"answer": "2", "correct": True, "order": 1}, {"answer": "3", "correct": False, "order": 2}]
        ),
        hints=json.dumps([{"hint": "Count", "order": 1}]),
    )
    AssessmentItem.objects.create(
        contentnode=exercise,
        order=2,
        type="multiple_selection",
        question="Which are even?",
        answers=json.dumps(
            [
                {"answer": "2", "correct": True, "order": 1},
                {"answer": "4", "correct": True, "order": 2},
                {"answer": "5", "correct": False, "order": 3},
            ]
        ),
    )
    AssessmentItem.objects.create(
        contentnode=exercise,
        order=3,
        type="input_question",
        question="2 times 3?",
        answers=json.dumps([{"answer": "6", "correct": True, "order": 1}]),
    )
    tag = ContentTag.objects.create(tag_name="arithmetic", channel=channel)
    video.tags.add(tag)
    PrerequisiteContentRelationship.objects.create(target_node=exercise, prerequisite=video)
    nodes = {
        "topic_a": topic_a,
        "video": video,
        "document": document,
        "exercise": exercise,
        "empty": empty,
        "incomplete_topic": incomplete_topic,
        "incomplete_doc": incomplete_doc,
        "html5": html5,
        "audio": audio,
    }
    return channel, nodes


def database_path(key: str) -> Path:
    return Path(default_storage.path(key))


@contextmanager
def open_export(key: str):
    conn = sqlite3.connect(f"file:{database_path(key)}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        yield conn
    finally:
        conn.close()


def nested_set_error(conn) -> str | None:
    """Check the exported numbering as Kolibri will trust it; describe the first problem."""
    rows = conn.execute("SELECT id, parent_id, lft, rght, level FROM content_contentnode ORDER BY lft").fetchall()
    stack: list[tuple[str, int]] = []
    expected = 1
    for row in rows:
        while stack and stack[-1][1] < row["lft"]:
            if stack.pop()[1] != expected:
                return "rght gap"
            expected += 1
        if row["lft"] != expected:
            return f"{row['id']}: lft {row['lft']} != {expected}"
        expected += 1
        if (stack[-1][0] if stack else None) != row["parent_id"]:
            return f"{row['id']}: parent mismatch"
        if row["level"] != len(stack):
            return f"{row['id']}: level"
        stack.append((row["id"], row["rght"]))
    while stack:
        if stack.pop()[1] != expected:
            return "rght at end"
        expected += 1
    return None
