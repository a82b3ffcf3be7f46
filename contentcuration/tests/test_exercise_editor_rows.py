"""What the browser's exercise editor writes, published: the rows of
``golden/exercise/editor-rows.json`` are exactly what frontend/tests/e2e/exercise.spec.ts
reads back after building "Fractions quiz" in the editor (that test compares them with this
file). Here they go through /api/sync as the editor sends them, are published, and their
Perseus archive carries the formula as Kolibri's renderer reads it (``$…$``) and the pasted
image; with ``-m kolibri`` the export is imported into real Kolibri 0.19.5 (issue 14,
acceptance 6: "both questions present with the image and formula").
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from contentcuration.models import AssessmentItem, ContentNode, File
from contentcuration.publish import publish_channel
from contentcuration.tests.factories import make_channel
from contentcuration.tests.publishing import open_export
from contentcuration.tests.sync_helpers import browser_client, created, post_sync
from contentcuration.tests.test_exercise_round_trip import (
    CC_BY,
    PNG,
    PNG_MD5,
    exported_archive,
    qid,
    upload_image,
    verdict,
)

EDITOR_ROWS = json.loads((Path(__file__).parent / "golden" / "exercise" / "editor-rows.json").read_text("utf-8"))
# The editor's new exercise (NewFolderDialog.vue): randomize, mastery "do all".
NEW_EXERCISE = {
    "randomize": True,
    "options": {"completion_criteria": {"model": "mastery", "threshold": {"mastery_model": "do_all"}}},
}
NODE = qid(500)


@pytest.fixture
def quiz(owner):
    channel = make_channel(owner=owner, name="Fractions", language_id="en")
    client = browser_client(owner)
    image = upload_image(client)
    node = {
        "parent": channel.main_tree_id,
        "kind": "exercise",
        "title": "Fractions quiz",
        "license": CC_BY,
        "copyright_holder": "Fractions Inc.",
        "extra_fields": NEW_EXERCISE,
    }
    changes = [created("contentnode", NODE, node, channel_id=channel.pk)]
    for n, row in enumerate(EDITOR_ROWS, 1):
        obj = dict(row) | {"randomize": True}
        changes.append(created("assessmentitem", [NODE, qid(n)], obj, channel_id=channel.pk))
    response = post_sync(client, changes)
    assert not response["errors"], response["errors"]
    return channel, client, image


def test_the_editor_s_rows_make_a_complete_exercise_with_the_pasted_image_linked(quiz):
    _channel, client, image = quiz
    assert verdict(client, NODE) == (True, [])
    first = AssessmentItem.objects.get(contentnode_id=NODE, assessment_id=qid(1))
    assert File.objects.get(pk=image).assessment_item_id == first.pk
    stored = list(
        AssessmentItem.objects.filter(contentnode_id=NODE).order_by("order").values("question", "answers", "hints")
    )
    assert stored == [{k: row[k] for k in ("question", "answers", "hints")} for row in EDITOR_ROWS]


def check_perseus_archive(archive: zipfile.ZipFile) -> None:
    """Both questions, the formula as Perseus reads it, the image inside the archive."""
    first = json.loads(archive.read(f"{qid(1)}.json"))
    assert "$\\frac{1}{2}$" in first["question"]["content"]
    assert f"images/{PNG_MD5}.png" in first["question"]["content"]
    assert [a["content"] for a in first["question"]["widgets"]["radio 1"]["options"]["choices"]] == [
        "$\\frac{1}{2}$",
        "$\\frac{1}{3}$",
        "$\\frac{2}{3}$",
    ]
    assert archive.read(f"images/{PNG_MD5}.png") == PNG
    numeric = json.loads(archive.read(f"{qid(2)}.json"))
    answers = numeric["question"]["widgets"]["numeric-input 1"]["options"]["answers"]
    assert {a["value"] for a in answers} == {0.5}
    assert [h["content"] for h in numeric["hints"]] == ["A half of 1."]


def test_the_editor_s_rows_publish_with_the_formula_and_image(quiz, owner):
    channel, _client, _image = quiz
    result = publish_channel(channel_id=channel.pk, user=owner)
    preset, archive = exported_archive(result.database_key, NODE)
    assert preset == "exercise"
    check_perseus_archive(archive)
    with open_export(result.database_key) as conn:
        (ids,) = conn.execute(
            "SELECT assessment_item_ids FROM content_assessmentmetadata WHERE contentnode_id = ?",
            [ContentNode.objects.get(pk=NODE).node_id],
        ).fetchone()
    assert json.loads(ids) == [qid(1), qid(2)]


@pytest.mark.kolibri
@pytest.mark.slow
def test_real_kolibri_imports_the_editor_s_exercise_with_image_and_formula(quiz, owner, kolibri_venv, tmp_path):
    from django.core.management import call_command

    from contentcuration.tests.test_publish_kolibri import import_and_read

    channel, _client, _image = quiz
    result = publish_channel(channel_id=channel.pk, user=owner)
    folder = tmp_path / "export"
    call_command("export_channel", channel.pk, str(folder), "--no-progress")
    home = tmp_path / "kolibri-home"
    imported = import_and_read(home, channel.pk, folder)
    kolibri_id = ContentNode.objects.get(pk=NODE).node_id
    assert imported["nodes"][kolibri_id]["available"] is True
    assert imported["assessments"][kolibri_id]["ids"] == [qid(1), qid(2)]
    with open_export(result.database_key) as conn:
        md5, ext = conn.execute(
            "SELECT local_file_id, extension FROM content_file WHERE contentnode_id = ?", [kolibri_id]
        ).fetchone()
    # What Kolibri's Perseus renderer loads: the archive from Kolibri's own content storage.
    with zipfile.ZipFile(home / "content" / "storage" / md5[0] / md5[1] / f"{md5}.{ext}") as archive:
        check_perseus_archive(archive)
