"""The exported content database: schema, numbering, metadata round-trip, exercises."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from le_utils.constants.labels import accessibility_categories, learning_activities, levels, needs, subjects

from contentcuration import storage
from contentcuration.models import ContentNode
from contentcuration.publish import publish_channel
from contentcuration.publish.kolibri_schema import MIN_SCHEMA_VERSION
from contentcuration.publish.mapper import EMPTY_TOPIC, INCOMPLETE
from contentcuration.tests.publishing import (
    ALL_RIGHTS_RESERVED,
    CC_BY,
    build_sample_channel,
    nested_set_error,
    open_export,
)

# Kolibri 0.19.5's content schema 5 (kolibri/core/content/contentschema/versions/content_schema_5.py)
SCHEMA_5 = {
    "content_contenttag": {"id", "tag_name"},
    "content_language": {"id", "lang_code", "lang_subcode", "lang_name", "lang_direction"},
    "content_localfile": {"id", "extension", "available", "file_size"},
    "content_contentnode": {
        "id",
        "license_name",
        "license_description",
        "title",
        "coach_content",
        "content_id",
        "channel_id",
        "description",
        "sort_order",
        "license_owner",
        "author",
        "kind",
        "available",
        "options",
        "grade_levels",
        "resource_types",
        "learning_activities",
        "accessibility_labels",
        "categories",
        "learner_needs",
        "duration",
        "lft",
        "rght",
        "tree_id",
        "level",
        "lang_id",
        "parent_id",
    },
    "content_assessmentmetadata": {
        "id",
        "assessment_item_ids",
        "number_of_assessments",
        "mastery_model",
        "randomize",
        "is_manipulable",
        "contentnode_id",
    },
    "content_channelmetadata": {
        "id",
        "name",
        "description",
        "tagline",
        "author",
        "version",
        "thumbnail",
        "last_updated",
        "min_schema_version",
        "root_id",
    },
    "content_contentnode_has_prerequisite": {"id", "from_contentnode_id", "to_contentnode_id"},
    "content_contentnode_related": {"id", "from_contentnode_id", "to_contentnode_id"},
    "content_contentnode_tags": {"id", "contentnode_id", "contenttag_id"},
    "content_file": {
        "id",
        "preset",
        "supplementary",
        "thumbnail",
        "priority",
        "contentnode_id",
        "lang_id",
        "local_file_id",
    },
}


@pytest.fixture
def published(owner):
    channel, nodes = build_sample_channel(owner)
    result = publish_channel(channel_id=channel.id, user=owner, version_notes="first")
    return channel, nodes, result


def nodes_by_id(conn):
    return {row["id"]: row for row in conn.execute("SELECT * FROM content_contentnode")}


def test_export_has_every_table_and_column_of_kolibri_schema_5(published):
    channel, _, result = published
    with open_export(result.database_key) as conn:
        for table, columns in SCHEMA_5.items():
            present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            assert columns <= present, f"{table} lacks {columns - present}"


def test_no_not_null_column_holds_null(published):
    _, _, result = published
    with open_export(result.database_key) as conn:
        for table in SCHEMA_5:
            for _, column, _, notnull, _, _ in conn.execute(f"PRAGMA table_info({table})"):
                if notnull:
                    nulls = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} IS NULL").fetchone()[0]
                    assert nulls == 0, f"{table}.{column} has NULLs"


def test_channel_row_names_the_version_schema_and_root(published):
    channel, _, result = published
    with open_export(result.database_key) as conn:
        rows = conn.execute("SELECT * FROM content_channelmetadata").fetchall()
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == channel.id
    assert row["version"] == 1
    assert row["min_schema_version"] == MIN_SCHEMA_VERSION == "5"
    assert row["root_id"] == channel.main_tree.node_id
    assert row["name"] == "Sample channel"
    assert row["author"] == ""


def test_only_complete_publishable_nodes_are_exported_and_incomplete_ones_are_listed(published):
    channel, nodes, result = published
    with open_export(result.database_key) as conn:
        exported = nodes_by_id(conn)
    expected = {channel.main_tree.node_id} | {
        nodes[k].node_id for k in ("topic_a", "video", "document", "exercise", "html5", "audio")
    }
    assert set(exported) == expected
    assert {(s["title"], s["reason"]) for s in result.skipped} == {
        ("Incomplete topic", INCOMPLETE),
        ("Incomplete document", INCOMPLETE),
        ("Empty topic", EMPTY_TOPIC),
    }


def test_nested_set_is_a_valid_depth_first_numbering_with_dashless_ids(published):
    channel, nodes, result = published
    with open_export(result.database_key) as conn:
        assert nested_set_error(conn) is None
        exported = nodes_by_id(conn)
        root = exported[channel.main_tree.node_id]
        assert (root["lft"], root["rght"], root["level"]) == (1, 2 * len(exported), 0)
        children = [
            r["title"]
            for r in conn.execute(
                "SELECT title FROM content_contentnode WHERE parent_id = ? ORDER BY lft", [root["id"]]
            )
        ]
    assert children == ["Topic A", "A game", "A song"]
    for row in exported.values():
        assert len(row["id"]) == 32 and "-" not in row["id"]
        assert row["channel_id"] == channel.id
    assert exported[nodes["video"].node_id]["parent_id"] == nodes["topic_a"].node_id


def test_curated_metadata_survives_unchanged(published):
    _, nodes, result = published
    with open_export(result.database_key) as conn:
        video = nodes_by_id(conn)[nodes["video"].node_id]
        topic = nodes_by_id(conn)[nodes["topic_a"].node_id]
        languages = {r["id"]: r for r in conn.execute("SELECT * FROM content_language")}
    assert set(video["learning_activities"].split(",")) == {learning_activities.WATCH, learning_activities.REFLECT}
    assert set(video["categories"].split(",")) == {subjects.MATHEMATICS, subjects.ALGEBRA}
    assert video["grade_levels"] == levels.LOWER_PRIMARY
    assert video["accessibility_labels"] == accessibility_categories.CAPTIONS_SUBTITLES
    assert video["learner_needs"] == needs.INTERNET
    assert video["resource_types"] == "lesson"
    assert video["license_name"] == "CC BY"
    assert video["license_owner"] == "Ana's org"
    assert video["author"] == "Ana"
    assert video["coach_content"] == 1
    assert video["lang_id"] == "es"
    assert video["duration"] == 125
    assert video["content_id"] == nodes["video"].content_id
    assert topic["categories"] == subjects.MATHEMATICS
    assert topic["learning_activities"] is None
    assert {"es", "en"} <= set(languages)
    assert languages["es"]["lang_code"] == "es"


def test_files_are_exported_with_presets_and_local_files(published):
    _, nodes, result = published
    with open_export(result.database_key) as conn:
        files = conn.execute(
            "SELECT f.*, l.extension AS ext, l.file_size AS size FROM content_file f"
            " JOIN content_localfile l ON l.id = f.local_file_id WHERE f.contentnode_id = ?",
            [nodes["video"].node_id],
        ).fetchall()
    by_preset = {f["preset"]: f for f in files}
    assert set(by_preset) == {"high_res_video", "video_subtitle", "video_thumbnail"}
    assert by_preset["high_res_video"]["supplementary"] == 0
    assert by_preset["video_thumbnail"]["thumbnail"] == 1
    assert by_preset["video_subtitle"]["lang_id"] == "en"
    assert by_preset["high_res_video"]["ext"] == "mp4"
    assert by_preset["high_res_video"]["size"] == len(b"fake mp4 bytes")


def test_exercise_gets_a_perseus_archive_and_assessment_metadata(published):
    _, nodes, result = published
    exercise = nodes["exercise"]
    item_ids = list(exercise.assessment_items.order_by("order").values_list("assessment_id", flat=True))
    with open_export(result.database_key) as conn:
        meta = conn.execute(
            "SELECT * FROM content_assessmentmetadata WHERE contentnode_id = ?", [exercise.node_id]
        ).fetchone()
        archive = conn.execute(
            "SELECT local_file_id, extension FROM content_file WHERE contentnode_id = ? AND preset = 'exercise'",
            [exercise.node_id],
        ).fetchone()
        node = nodes_by_id(conn)[exercise.node_id]
    assert json.loads(meta["assessment_item_ids"]) == item_ids
    assert meta["number_of_assessments"] == 3
    assert json.loads(meta["mastery_model"]) == {"type": "m_of_n", "m": 2, "n": 3}
    assert meta["randomize"] == 0
    assert json.loads(node["options"])["completion_criteria"]["threshold"]["m"] == 2
    with storage.open_object(storage.storage_key(archive["local_file_id"], "perseus")) as fh:
        zf = zipfile.ZipFile(io.BytesIO(fh.read()))
    names = set(zf.namelist())
    assert {"exercise.json", *(f"{i}.json" for i in item_ids)} <= names
    assert any(n.startswith("images/") and n.endswith(".png") for n in names)
    first = json.loads(zf.read(f"{item_ids[0]}.json"))
    assert "[[☃ radio 1]]" in first["question"]["content"]
    assert "$1+1$" in first["question"]["content"] and "$$" not in first["question"]["content"]
    assert "${☣ LOCALPATH}/images/" in first["question"]["content"]
    choices = first["question"]["widgets"]["radio 1"]["options"]["choices"]
    assert [c["correct"] for c in choices] == [True, False]
    second = json.loads(zf.read(f"{item_ids[1]}.json"))
    assert second["question"]["widgets"]["radio 1"]["options"]["multipleSelect"] is True
    third = json.loads(zf.read(f"{item_ids[2]}.json"))
    assert third["question"]["widgets"]["numeric-input 1"]["options"]["answers"][0]["value"] == 6
    assert json.loads(zf.read("exercise.json"))["all_assessment_items"] == item_ids


def test_an_unchanged_exercise_archive_has_the_same_checksum_in_the_next_version(owner):
    channel, nodes = build_sample_channel(owner)
    first = publish_channel(channel_id=channel.id, user=owner)
    with open_export(first.database_key) as conn:
        before = conn.execute("SELECT local_file_id FROM content_file WHERE preset = 'exercise'").fetchone()[0]
    ContentNode.objects.filter(pk=nodes["video"].pk).update(title="Renamed", changed=True)
    second = publish_channel(channel_id=channel.id, user=owner)
    with open_export(second.database_key) as conn:
        after = conn.execute("SELECT local_file_id FROM content_file WHERE preset = 'exercise'").fetchone()[0]
    assert second.version == 2
    assert before == after


def test_tags_and_prerequisites_are_exported(published):
    _, nodes, result = published
    with open_export(result.database_key) as conn:
        tags = conn.execute(
            "SELECT t.tag_name FROM content_contentnode_tags nt JOIN content_contenttag t ON t.id = nt.contenttag_id"
            " WHERE nt.contentnode_id = ?",
            [nodes["video"].node_id],
        ).fetchall()
        prereqs = conn.execute(
            "SELECT from_contentnode_id, to_contentnode_id FROM content_contentnode_has_prerequisite"
        ).fetchall()
    assert [t[0] for t in tags] == ["arithmetic"]
    assert [tuple(p) for p in prereqs] == [(nodes["exercise"].node_id, nodes["video"].node_id)]


def test_licenses_and_version_summary_are_recorded(published):
    channel, _, result = published
    channel.refresh_from_db()
    data = channel.published_data["1"]
    assert data["version_notes"] == "first"
    assert data["resource_count"] == 5
    assert {k["kind_id"]: k["count"] for k in data["kind_count"]} == {
        "video": 1,
        "document": 1,
        "exercise": 1,
        "html5": 1,
        "audio": 1,
    }
    assert set(data["included_licenses"]) == {CC_BY, ALL_RIGHTS_RESERVED}
    assert subjects.ALGEBRA in data["included_categories"]
    assert {"en", "es"} <= set(data["included_languages"])
    assert data["size"] > 0
    version = channel.versions.get(version=1)
    assert version.non_distributable_licenses_included == [ALL_RIGHTS_RESERVED]


def test_numbering_stays_valid_when_empty_and_incomplete_subtrees_are_dropped_at_every_depth(owner):
    from contentcuration.tests.factories import build_tree, make_channel
    from contentcuration.tests.publishing import stored_file

    channel = make_channel(owner=owner, name="Deep", language_id="en")
    ok = {"complete": True}
    bad = {"complete": False}

    def doc(fields):
        return ("document", [], dict(fields))

    spec = [
        ("topic", [("topic", [("topic", [])], ok), doc(bad)], ok),  # only empty or incomplete inside
        (
            "topic",
            [
                doc(ok),
                ("topic", [("topic", [doc(ok), ("topic", [], ok)], ok), doc(bad)], ok),
                ("topic", [doc(ok)], bad),
                doc(ok),
            ],
            ok,
        ),
        doc(bad),
        ("topic", [("topic", [("topic", [doc(ok)], ok)], ok)], ok),
    ]
    flat = build_tree(channel.main_tree, spec)
    for n in flat:
        if n.kind_id == "document":
            stored_file(n, f"pdf {n.pk}".encode(), "pdf", "document")
    result = publish_channel(channel_id=channel.id, user=owner)

    with open_export(result.database_key) as conn:
        assert nested_set_error(conn) is None
        exported_ids = {r[0] for r in conn.execute("SELECT id FROM content_contentnode")}
        topics_without_children = conn.execute(
            "SELECT COUNT(*) FROM content_contentnode t WHERE kind = 'topic'"
            " AND NOT EXISTS (SELECT 1 FROM content_contentnode c WHERE c.parent_id = t.id)"
        ).fetchone()[0]
    assert topics_without_children == 0
    complete_docs = [
        n for n in flat if n.kind_id == "document" and n.complete and ContentNode.objects.get(pk=n.parent_id).complete
    ]
    assert {n.node_id for n in complete_docs} <= exported_ids
    assert result.resource_count == len(complete_docs) == 4


def test_a_cropped_thumbnail_is_exported_instead_of_the_upload(owner):
    import base64
    import hashlib

    channel, nodes = build_sample_channel(owner)
    cropped = b"\x89PNG cropped in the editor"
    encoding = json.dumps({"base64": "data:image/png;base64," + base64.b64encode(cropped).decode(), "scale": 1.2})
    ContentNode.objects.filter(pk=nodes["video"].pk).update(thumbnail_encoding=encoding)

    result = publish_channel(channel_id=channel.id, user=owner)

    with open_export(result.database_key) as conn:
        thumb = conn.execute(
            "SELECT f.local_file_id, l.file_size FROM content_file f JOIN content_localfile l ON l.id = f.local_file_id"
            " WHERE f.contentnode_id = ? AND f.thumbnail = 1",
            [nodes["video"].node_id],
        ).fetchone()
    assert thumb["local_file_id"] == hashlib.md5(cropped).hexdigest()
    assert thumb["file_size"] == len(cropped)
    with storage.open_object(storage.storage_key(thumb["local_file_id"], "png")) as fh:
        assert fh.read() == cropped
