"""Exercises with free_response or QTI questions publish as QTI packages (preset ``qti``)."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from xml.etree import ElementTree

import pytest

from contentcuration import storage
from contentcuration.models import AssessmentItem, ContentNode
from contentcuration.publish import NodesFailed, publish_channel
from contentcuration.tests.factories import build_tree, make_channel
from contentcuration.tests.publishing import CC_BY, MASTERY_OPTIONS, open_export

QTI_NS = "{http://www.imsglobal.org/xsd/imsqti_v3p0}"
CP_NS = "{http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p2}"


def qti_item_xml(identifier: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqti_v3p0" '
        f'identifier="{identifier}" title="Colours" adaptive="false" time-dependent="false">'
        '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">'
        "<qti-correct-response><qti-value>red</qti-value></qti-correct-response>"
        "</qti-response-declaration>"
        f"<qti-item-body>{body}</qti-item-body>"
        "</qti-assessment-item>"
    )


def build_qti_channel(owner):
    """A channel with a free_response exercise (with an image), an exercise mixing a stored QTI
    item with selection and input questions, and a Perseus-only exercise.

    Returns (channel, nodes)."""
    channel = make_channel(owner=owner, name="QTI channel", language_id="en")
    fields = {"complete": True, "license_id": CC_BY, "copyright_holder": "Q"}
    free, mixed, perseus = build_tree(
        channel.main_tree,
        [
            ("exercise", [], {**fields, "title": "Free response", "extra_fields": {"options": MASTERY_OPTIONS}}),
            ("exercise", [], {**fields, "title": "Mixed QTI"}),
            ("exercise", [], {**fields, "title": "Perseus only"}),
        ],
    )
    image, _ = storage.save_bytes(b"\x89PNG picture for a free response", "png")
    AssessmentItem.objects.create(
        contentnode=free,
        order=1,
        type="free_response",
        question=f"Describe the picture & its <colours>.\n\n![a picture](${{☣ CONTENTSTORAGE}}/{image}.png =40x30)",
    )
    AssessmentItem.objects.create(contentnode=free, order=2, type="free_response", question="Why $$x^2$$?")
    qti_image, _ = storage.save_bytes(b"\x89PNG picture inside a QTI item", "png")
    AssessmentItem.objects.create(
        contentnode=mixed,
        order=1,
        type="QTI",
        raw_data=qti_item_xml(
            "colours",
            f'<p><img src="${{☣ CONTENTSTORAGE}}/{qti_image}.png" alt="flag"/></p>'
            '<qti-choice-interaction response-identifier="RESPONSE" max-choices="1">'
            "<qti-prompt>Which colour?</qti-prompt>"
            '<qti-simple-choice identifier="red">Red</qti-simple-choice>'
            '<qti-simple-choice identifier="blue">Blue</qti-simple-choice>'
            "</qti-choice-interaction>",
        ),
    )
    AssessmentItem.objects.create(
        contentnode=mixed,
        order=2,
        type="multiple_selection",
        question="Which are even?",
        answers=json.dumps(
            [
                {"answer": "2", "correct": True, "order": 1},
                {"answer": "3", "correct": False, "order": 2},
                {"answer": "4", "correct": True, "order": 3},
            ]
        ),
        randomize=True,
    )
    AssessmentItem.objects.create(
        contentnode=mixed,
        order=3,
        type="input_question",
        question="2 times 3?",
        answers=json.dumps([{"answer": "6", "correct": True, "order": 1}]),
    )
    AssessmentItem.objects.create(
        contentnode=mixed,
        order=4,
        type="true_false",
        question="The sky is green.",
        answers=json.dumps(
            [{"answer": "True", "correct": False, "order": 1}, {"answer": "False", "correct": True, "order": 2}]
        ),
    )
    AssessmentItem.objects.create(
        contentnode=perseus,
        order=1,
        type="single_selection",
        question="1 + 1?",
        answers=json.dumps([{"answer": "2", "correct": True, "order": 1}, {"answer": "3", "correct": False}]),
    )
    return channel, {"free": free, "mixed": mixed, "perseus": perseus, "image": image, "qti_image": qti_image}


def expected_id(assessment_id: str) -> str:
    return "K" + base64.urlsafe_b64encode(bytes.fromhex(assessment_id)).decode().rstrip("=")


def question_ids(node: ContentNode) -> list[str]:
    return list(node.assessment_items.order_by("order").values_list("assessment_id", flat=True))


def exported_files(key: str, node: ContentNode) -> list[tuple[str, str, str]]:
    with open_export(key) as conn:
        return [
            tuple(r)
            for r in conn.execute(
                "SELECT preset, local_file_id, extension FROM content_file WHERE contentnode_id = ?", [node.node_id]
            )
        ]


def package(checksum: str) -> zipfile.ZipFile:
    with storage.open_object(storage.storage_key(checksum, "zip")) as fh:
        return zipfile.ZipFile(io.BytesIO(fh.read()))


@pytest.fixture
def published(owner):
    channel, nodes = build_qti_channel(owner)
    result = publish_channel(channel_id=channel.id, user=owner)
    return channel, nodes, result


def test_free_response_and_qti_exercises_publish_with_a_qti_file_and_their_manifest_ids(published):
    _channel, nodes, result = published
    with open_export(result.database_key) as conn:
        metadata = {r["contentnode_id"]: r for r in conn.execute("SELECT * FROM content_assessmentmetadata").fetchall()}
    for name in ("free", "mixed"):
        node = nodes[name]
        [(preset, checksum, extension)] = exported_files(result.database_key, node)
        assert (preset, extension) == ("qti", "zip")
        ids = [expected_id(aid) for aid in question_ids(node)]
        assert all(len(i) == 23 for i in ids)
        row = metadata[node.node_id]
        assert json.loads(row["assessment_item_ids"]) == ids
        assert row["number_of_assessments"] == len(ids)
    assert json.loads(metadata[nodes["free"].node_id]["mastery_model"]) == {"type": "m_of_n", "m": 2, "n": 3}
    assert ContentNode.objects.get(pk=nodes["mixed"].pk).published


def test_a_perseus_only_exercise_still_gets_a_perseus_archive(published):
    _channel, nodes, result = published
    [(preset, _checksum, extension)] = exported_files(result.database_key, nodes["perseus"])
    assert (preset, extension) == ("exercise", "perseus")
    with open_export(result.database_key) as conn:
        ids = conn.execute(
            "SELECT assessment_item_ids FROM content_assessmentmetadata WHERE contentnode_id = ?",
            [nodes["perseus"].node_id],
        ).fetchone()[0]
    assert json.loads(ids) == question_ids(nodes["perseus"])


def test_the_manifest_lists_every_item_and_every_item_is_qti_3(published):
    _channel, nodes, result = published
    for name in ("free", "mixed"):
        node = nodes[name]
        [(_preset, checksum, _ext)] = exported_files(result.database_key, node)
        zf = package(checksum)
        names = set(zf.namelist())
        manifest = ElementTree.fromstring(zf.read("imsmanifest.xml"))
        assert manifest.tag == f"{CP_NS}manifest"
        resources = manifest.findall(f"./{CP_NS}resources/{CP_NS}resource")
        assert [r.get("identifier") for r in resources] == [expected_id(a) for a in question_ids(node)]
        for resource in resources:
            assert resource.get("type") == "imsqti_item_xmlv3p0"
            assert resource.get("href") == f"items/{resource.get('identifier')}.xml"
            files = [f.get("href") for f in resource.findall(f"{CP_NS}file")]
            assert set(files) <= names, files
            item = ElementTree.fromstring(zf.read(resource.get("href")))
            assert item.tag == f"{QTI_NS}qti-assessment-item"
            assert item.find(f"{QTI_NS}qti-item-body") is not None
            for img in item.iter(f"{QTI_NS}img"):
                assert f"items/{img.get('src')}" in files


def test_free_response_questions_become_unscored_text_entry_items_with_their_images(published):
    _channel, nodes, result = published
    [(_preset, checksum, _ext)] = exported_files(result.database_key, nodes["free"])
    zf = package(checksum)
    first, second = (expected_id(a) for a in question_ids(nodes["free"]))
    item = ElementTree.fromstring(zf.read(f"items/{first}.xml"))
    assert item.get("identifier") == first
    body = item.find(f"{QTI_NS}qti-item-body")
    assert body.find(f".//{QTI_NS}qti-text-entry-interaction") is not None
    assert item.find(f"{QTI_NS}qti-response-processing") is None  # not machine-scored
    assert "".join(body.itertext()).startswith("Describe the picture & its <colours>.")
    img = body.find(f".//{QTI_NS}img")
    assert (img.get("src"), img.get("width"), img.get("height")) == (f"images/{nodes['image']}.png", "40", "30")
    assert zf.read(f"items/images/{nodes['image']}.png") == b"\x89PNG picture for a free response"
    second_item = ElementTree.fromstring(zf.read(f"items/{second}.xml"))
    assert "Why $$x^2$$?" in "".join(second_item.itertext())


def test_a_qti_question_goes_in_as_stored_and_the_others_become_native_items(published):
    _channel, nodes, result = published
    [(_preset, checksum, _ext)] = exported_files(result.database_key, nodes["mixed"])
    zf = package(checksum)
    qti_id, multiple_id, input_id, true_false_id = (expected_id(a) for a in question_ids(nodes["mixed"]))
    stored = nodes["mixed"].assessment_items.get(order=1).raw_data
    assert zf.read(f"items/{qti_id}.xml").decode() == stored.replace("${☣ CONTENTSTORAGE}", "images")
    assert zf.read(f"items/images/{nodes['qti_image']}.png") == b"\x89PNG picture inside a QTI item"

    multiple = ElementTree.fromstring(zf.read(f"items/{multiple_id}.xml"))
    declaration = multiple.find(f"{QTI_NS}qti-response-declaration")
    assert declaration.get("cardinality") == "multiple"
    correct = [v.text for v in declaration.iter(f"{QTI_NS}qti-value")]
    choices = multiple.findall(f".//{QTI_NS}qti-simple-choice")
    assert [c.get("identifier") for c in choices if c.get("identifier") in correct] == correct
    assert ["".join(c.itertext()) for c in choices if c.get("identifier") in correct] == ["2", "4"]
    assert multiple.find(f".//{QTI_NS}qti-choice-interaction").get("shuffle") == "true"

    entry = ElementTree.fromstring(zf.read(f"items/{input_id}.xml"))
    assert entry.find(f".//{QTI_NS}qti-text-entry-interaction") is not None
    assert entry.find(f"{QTI_NS}qti-response-declaration").get("base-type") == "float"
    assert [e.get("map-key") for e in entry.iter(f"{QTI_NS}qti-map-entry")] == ["6"]

    true_false = ElementTree.fromstring(zf.read(f"items/{true_false_id}.xml"))
    assert true_false.find(f".//{QTI_NS}qti-choice-interaction").get("max-choices") == "1"


def test_an_unchanged_qti_exercise_has_the_same_checksum_in_the_next_version(published, owner):
    channel, nodes, first = published
    before = exported_files(first.database_key, nodes["mixed"])
    [(_p, before_free, _e)] = exported_files(first.database_key, nodes["free"])
    ContentNode.objects.filter(pk=nodes["free"].pk).update(title="Renamed", changed=True)
    second = publish_channel(channel_id=channel.id, user=owner)
    assert second.version == first.version + 1
    assert exported_files(second.database_key, nodes["mixed"]) == before
    # The renamed exercise's item titles changed, so its package did too.
    [(_p, renamed, _e)] = exported_files(second.database_key, nodes["free"])
    assert renamed != before_free


@pytest.mark.parametrize(
    "raw_data, problem",
    [
        ("<qti-assessment-item", "not well-formed XML"),
        (
            '<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="a"><itemBody/></assessmentItem>',
            "is not a QTI 3.0 item",
        ),
        ('<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqti_v3p0" identifier="a"/>', "no qti-item-body"),
    ],
)
def test_an_exercise_with_unusable_qti_data_fails_naming_the_node_and_question(owner, raw_data, problem):
    channel, nodes = build_qti_channel(owner)
    # Written past the sync validation, as old or imported data can be.
    bad = AssessmentItem.objects.create(contentnode=nodes["mixed"], order=9, type="QTI", raw_data=raw_data)

    with pytest.raises(NodesFailed) as failure:
        publish_channel(channel_id=channel.id, user=owner)

    [message] = failure.value.errors
    assert nodes["mixed"].id in message and "Mixed QTI" in message
    assert f"question {bad.assessment_id}" in message and problem in message
    channel.refresh_from_db()
    assert channel.version == 0


def test_a_perseus_question_in_a_qti_exercise_is_embedded_as_json(owner):
    channel, nodes = build_qti_channel(owner)
    perseus = {"question": {"content": "Embedded", "images": {}, "widgets": {}}, "hints": []}
    item = AssessmentItem.objects.create(
        contentnode=nodes["free"], order=3, type="perseus_question", raw_data=json.dumps(perseus)
    )
    result = publish_channel(channel_id=channel.id, user=owner)

    [(preset, checksum, _ext)] = exported_files(result.database_key, nodes["free"])
    assert preset == "qti"
    zf = package(checksum)
    identifier = expected_id(item.assessment_id)
    assert json.loads(zf.read(f"perseus/{identifier}.json")) == perseus
    manifest = ElementTree.fromstring(zf.read("imsmanifest.xml"))
    [resource] = [r for r in manifest.iter(f"{CP_NS}resource") if r.get("identifier") == identifier]
    assert f"perseus/{identifier}.json" in [f.get("href") for f in resource.findall(f"{CP_NS}file")]
    wrapper = ElementTree.fromstring(zf.read(resource.get("href")))
    assert wrapper.find(f".//{QTI_NS}qti-custom-interaction").get("data-type") == "perseus"
