"""The exercise editor's round trip: what the browser writes through /api/sync is what publish
exports, compared member by member with golden files (``tests/golden/exercise/``) written
from kolibri-export.md section 5 (Perseus, QTI). Plus the per-question verdict the editor
shows ("needs a correct answer") and its effect on the exercise's completeness.

Regenerating the golden files after a deliberate export change:
``GOLDEN_UPDATE=1 pytest contentcuration/tests/test_exercise_round_trip.py``; then read the diff.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from contentcuration import storage
from contentcuration.models import AssessmentItem, ContentNode, File
from contentcuration.publish import publish_channel
from contentcuration.publish.qti import qti_identifier
from contentcuration.tests.factories import make_channel
from contentcuration.tests.publishing import open_export
from contentcuration.tests.sync_helpers import browser_client, created, deleted, post_sync, updated

GOLDEN = Path(__file__).parent / "golden" / "exercise"
CC_BY = 1
# A 1x1 PNG: fixed bytes, so its md5 (and every golden reference to it) is fixed too.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e8e2cd360000000049454e44ae426082"
)
PNG_MD5 = hashlib.md5(PNG).hexdigest()
IMAGE = f"![one half drawn as a pie](${{☣ CONTENTSTORAGE}}/{PNG_MD5}.png)"
EXERCISE_OPTIONS = {
    "randomize": False,
    "options": {"completion_criteria": {"model": "mastery", "threshold": {"mastery_model": "m_of_n", "m": 3, "n": 4}}},
}


def qid(n: int) -> str:
    return f"{n:032x}"


def answers(*pairs: tuple[str, bool]) -> str:
    return json.dumps([{"answer": text, "correct": correct, "order": i} for i, (text, correct) in enumerate(pairs, 1)])


def hints(*texts: str) -> str:
    return json.dumps([{"hint": text, "order": i} for i, text in enumerate(texts, 1)])


# What the exercise editor sends, question by question (answers and hints as JSON strings).
QUESTIONS = [
    {
        "assessment_id": qid(1),
        "type": "single_selection",
        "question": f"What is $$\\frac{{1}}{{2}}$$ of the pie?\n\n{IMAGE}",
        "answers": answers(("$$\\frac{1}{2}$$", True), ("$$\\frac{1}{3}$$", False), ("$$\\frac{2}{3}$$", False)),
        "hints": hints("Count the **equal** parts."),
    },
    {
        "assessment_id": qid(2),
        "type": "input_question",
        "question": "Write one half as a number.",
        "answers": answers(("0.5", True), ("1/2", True)),
        "hints": hints("A half of 1."),
    },
    {
        "assessment_id": qid(3),
        "type": "true_false",
        "question": "$$\\frac{2}{4}$$ equals $$\\frac{1}{2}$$.",
        "answers": answers(("True", True), ("False", False)),
        "hints": "[]",
    },
    {
        "assessment_id": qid(4),
        "type": "multiple_selection",
        "question": "Which are equal to one half?",
        "answers": answers(("2/4", True), ("3/6", True), ("1/3", False)),
        "hints": hints("Simplify each fraction.", "Divide top and bottom by the same number."),
    },
]
FREE_RESPONSE = {
    "assessment_id": qid(5),
    "type": "free_response",
    "question": f"Explain why the picture shows one half.\n\n{IMAGE}",
    "answers": "[]",
    "hints": hints("Look at the two parts."),
}


def upload_image(client) -> str:
    """The editor's image upload: announce, PUT, and nothing else (the question links it)."""
    announced = client.post(
        "/api/file/upload_url",
        {"size": len(PNG), "checksum": PNG_MD5, "name": "pie.png", "file_format": "png", "preset": "exercise_image"},
        content_type="application/json",
    )
    assert announced.status_code == 200, announced.content
    put = client.generic("PUT", urlsplit(announced.json()["uploadURL"]).path, PNG, content_type="image/png")
    assert put.status_code == 200, put.content
    return announced.json()["file"]["id"]


def write_exercise(client, channel, title: str, questions: list[dict]) -> str:
    node_id = qid(100 + len(questions))
    node = {
        "parent": channel.main_tree_id,
        "kind": "exercise",
        "title": title,
        "license": CC_BY,
        "copyright_holder": "Fractions Inc.",
        "extra_fields": EXERCISE_OPTIONS,
    }
    changes = [created("contentnode", node_id, node, channel_id=channel.pk)]
    for order, q in enumerate(questions, 1):
        obj = {k: v for k, v in q.items() if k != "assessment_id"} | {"order": order, "randomize": False}
        changes.append(created("assessmentitem", [node_id, q["assessment_id"]], obj, channel_id=channel.pk))
    response = post_sync(client, changes)
    assert not response["errors"], response["errors"]
    return node_id


def verdict(client, node_id: str) -> tuple[bool, list[str]]:
    response = client.get("/api/contentnode", {"id__in": node_id})
    assert response.status_code == 200, response.content
    rows = response.json()
    (row,) = rows["results"] if isinstance(rows, dict) else rows
    return row["complete"], row.get("incomplete_reasons", [])


def question_problems(client, node_id: str) -> dict[str, list[str]]:
    response = client.get("/api/assessmentitem", {"contentnode": node_id})
    assert response.status_code == 200, response.content
    return {row["assessment_id"]: row["problems"] for row in response.json()}


def exported_archive(database_key: str, node_id: str) -> tuple[str, zipfile.ZipFile]:
    """(preset, archive) of the exercise's one exported file."""
    node = ContentNode.objects.get(pk=node_id)
    with open_export(database_key) as conn:
        [(preset, checksum, extension)] = conn.execute(
            "SELECT preset, local_file_id, extension FROM content_file WHERE contentnode_id = ?", [node.node_id]
        ).fetchall()
    with storage.open_object(storage.storage_key(checksum, extension)) as handle:
        return preset, zipfile.ZipFile(io.BytesIO(handle.read()))


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GOLDEN_UPDATE"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with GOLDEN_UPDATE=1 and review it"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def pretty_json(data: bytes) -> str:
    return json.dumps(json.loads(data), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@pytest.fixture
def fractions(owner):
    channel = make_channel(owner=owner, name="Fractions", language_id="en")
    client = browser_client(owner)
    image_file = upload_image(client)
    perseus = write_exercise(client, channel, "Fractions quiz", QUESTIONS)
    qti = write_exercise(client, channel, "Fractions in words", [*QUESTIONS, FREE_RESPONSE])
    return channel, client, image_file, perseus, qti


def test_the_editor_s_exercise_is_complete_and_its_image_upload_is_linked(fractions):
    _channel, client, image_file, perseus, _qti = fractions
    assert verdict(client, perseus) == (True, [])
    assert all(problems == [] for problems in question_problems(client, perseus).values())
    first = AssessmentItem.objects.get(contentnode_id=perseus, assessment_id=qid(1))
    assert File.objects.get(pk=image_file).assessment_item_id == first.pk  # the upload itself, reused


def test_published_perseus_archive_matches_the_golden_files(fractions, owner):
    channel, _client, _image, perseus, _qti = fractions
    result = publish_channel(channel_id=channel.pk, user=owner)
    preset, archive = exported_archive(result.database_key, perseus)
    assert preset == "exercise"
    names = sorted(archive.namelist())
    check_golden("perseus/members.txt", "\n".join(names) + "\n")
    for name in names:
        if name.endswith(".json"):
            check_golden(f"perseus/{name}", pretty_json(archive.read(name)))
    assert archive.read(f"images/{PNG_MD5}.png") == PNG
    with open_export(result.database_key) as conn:
        node_id = ContentNode.objects.get(pk=perseus).node_id
        ids, mastery, randomize = conn.execute(
            "SELECT assessment_item_ids, mastery_model, randomize FROM content_assessmentmetadata "
            "WHERE contentnode_id = ?",
            [node_id],
        ).fetchone()
    assert json.loads(ids) == [q["assessment_id"] for q in QUESTIONS]
    assert json.loads(mastery) == {"type": "m_of_n", "m": 3, "n": 4}
    assert not randomize


def test_published_qti_package_matches_the_golden_files(fractions, owner):
    channel, _client, _image, _perseus, qti = fractions
    result = publish_channel(channel_id=channel.pk, user=owner)
    preset, archive = exported_archive(result.database_key, qti)
    assert preset == "qti"
    # The package's own identifier comes from the node's content_id, which the server makes.
    package_id = qti_identifier(ContentNode.objects.get(pk=qti).content_id)
    names = sorted(archive.namelist())
    check_golden("qti/members.txt", "\n".join(names) + "\n")
    for name in names:
        if name.endswith(".xml"):
            check_golden(f"qti/{name}", archive.read(name).decode("utf-8").replace(package_id, "K_PACKAGE_ID"))
    assert archive.read(f"items/images/{PNG_MD5}.png") == PNG


def test_a_question_without_a_correct_answer_makes_the_exercise_incomplete_until_fixed(fractions):
    channel, client, _image, perseus, _qti = fractions
    key = [perseus, qid(1)]
    no_correct = answers(("$$\\frac{1}{2}$$", False), ("$$\\frac{1}{3}$$", False))
    assert not post_sync(client, [updated("assessmentitem", key, {"answers": no_correct}, channel_id=channel.pk)])[
        "errors"
    ]
    assert verdict(client, perseus) == (False, ["needs a correct answer"])
    assert question_problems(client, perseus)[qid(1)] == ["needs a correct answer"]
    assert question_problems(client, perseus)[qid(2)] == []

    fixed = answers(("$$\\frac{1}{2}$$", True), ("$$\\frac{1}{3}$$", False))
    post_sync(client, [updated("assessmentitem", key, {"answers": fixed}, channel_id=channel.pk)])
    assert verdict(client, perseus) == (True, [])


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"question": "  "}, "needs question text"),
        ({"answers": "[]"}, "needs answers"),
        ({"answers": answers(("True", True), ("False", True))}, "needs exactly one correct answer"),
    ],
)
def test_each_question_problem_is_named_on_the_question_and_the_exercise(fractions, change, problem):
    channel, client, _image, perseus, _qti = fractions
    post_sync(client, [updated("assessmentitem", [perseus, qid(3)], change, channel_id=channel.pk)])
    assert question_problems(client, perseus)[qid(3)] == [problem]
    assert verdict(client, perseus) == (False, [problem])


def test_a_duplicated_question_is_a_created_item_and_the_orders_after_it_move_in_one_batch(fractions):
    """The editor's "Duplicate": a CREATED item copying another's fields with the next order,
    and the questions after it renumbered (orders are whole numbers), all in one batch."""
    channel, client, _image, perseus, _qti = fractions
    copy = {k: v for k, v in QUESTIONS[0].items() if k != "assessment_id"} | {"order": 2}
    batch = [created("assessmentitem", [perseus, qid(9)], copy, channel_id=channel.pk)]
    batch += [
        updated("assessmentitem", [perseus, q["assessment_id"]], {"order": n + 1}, channel_id=channel.pk)
        for n, q in enumerate(QUESTIONS[1:], start=2)
    ]
    response = post_sync(client, batch)
    assert not response["errors"], response["errors"]
    order = list(
        AssessmentItem.objects.filter(contentnode_id=perseus).order_by("order").values_list("assessment_id", flat=True)
    )
    assert order == [qid(1), qid(9), qid(2), qid(3), qid(4)]
    assert verdict(client, perseus) == (True, [])


def test_deleting_the_last_question_leaves_the_exercise_needing_questions(fractions):
    channel, client, _image, perseus, _qti = fractions
    post_sync(
        client, [deleted("assessmentitem", [perseus, q["assessment_id"]], channel_id=channel.pk) for q in QUESTIONS]
    )
    assert verdict(client, perseus) == (False, ["assessment_items"])
