"""The chef API through HTTP, with the request shapes ricecooker 0.8.0 sends (no Content-Type).

The real client is exercised in test_chef_ricecooker.py; these tests pin the server's own
behaviour: mapping of every node kind, idempotent re-sends, structured errors, deploy.
"""

from __future__ import annotations

import json
import uuid

import pytest
from rest_framework.authtoken.models import Token

from contentcuration import storage, tree
from contentcuration.models import AssessmentItem, Change, Channel, ContentNode, File
from contentcuration.models.change_types import DEPLOYED, PUBLISHED
from contentcuration.tests.factories import make_file

CHANNEL_ID = uuid.uuid5(uuid.NAMESPACE_DNS, "chef-api-test").hex


def hexid(seed: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, seed).hex


def stored(data: bytes, ext: str) -> str:
    checksum, _ = storage.save_bytes(data, ext)
    return f"{checksum}.{ext}"


def file_dict(filename: str, preset: str, **extra) -> dict:
    return {
        "size": 10,
        "preset": preset,
        "filename": filename,
        "original_filename": "x",
        "language": None,
        "source_url": None,
        "duration": None,
        **extra,
    }


def node_dict(kind: str, seed: str, **fields) -> dict:
    data = {
        "kind": kind,
        "title": f"{kind} {seed}",
        "language": "en",
        "description": "",
        "node_id": hexid(f"node-{seed}"),
        "content_id": hexid(f"content-{seed}"),
        "source_domain": hexid("domain"),
        "source_id": seed,
        "author": "",
        "aggregator": "",
        "provider": "",
        "files": [],
        "tags": [],
        "license": None if kind == "topic" else "CC BY",
        "license_description": None,
        "copyright_holder": "" if kind == "topic" else "Someone",
        "questions": [],
        "extra_fields": "{}",
        "grade_levels": [],
        "resource_types": [],
        "learning_activities": [],
        "accessibility_labels": [],
        "categories": [],
        "learner_needs": [],
        "role": "learner",
    }
    if kind != "topic":
        data["suggested_duration"] = None
    data.update(fields)
    return data


def question(seed: str, qtype: str, answers: list, **fields) -> dict:
    return {
        "assessment_id": hexid(f"q-{seed}"),
        "type": qtype,
        "question": f"Question {seed}?",
        "files": [],
        "hints": json.dumps([{"hint": "think", "order": 0}]),
        "answers": json.dumps(answers),
        "raw_data": "",
        "source_url": None,
        "randomize": False,
        **fields,
    }


class Chef:
    """A client posting the way ricecooker does: raw JSON text, token header, no Content-Type."""

    def __init__(self, client, user):
        self.client = client
        self.token = Token.objects.get_or_create(user=user)[0].key if user else None

    def post(self, name: str, payload=None):
        headers = {"HTTP_AUTHORIZATION": f"Token {self.token}"} if self.token else {}
        body = "" if payload is None else json.dumps(payload)
        return self.client.generic("POST", f"/api/internal/{name}", body, content_type="", **headers)

    def create_channel(self, **overrides):
        data = {
            "id": CHANNEL_ID,
            "name": "Chef channel",
            "thumbnail": None,
            "language": "en",
            "description": "A chef's channel",
            "tagline": "tag",
            "license": None,
            "source_domain": "example.org",
            "source_id": "chef",
            "ricecooker_version": "0.8.0",
            "extra_fields": "{}",
            "files": [],
            **overrides,
        }
        response = self.post("create_channel", {"channel_data": data})
        assert response.status_code == 200, response.content
        return response.json()["root"]

    def add_nodes(self, root_id, nodes, status=200):
        response = self.post("add_nodes", {"root_id": root_id, "content_data": nodes})
        assert response.status_code == status, response.content
        return response.json()


@pytest.fixture
def chef(client, owner):
    return Chef(client, owner)


@pytest.fixture
def files(db):
    return {
        "pdf": stored(b"%PDF-1.4 chef document", "pdf"),
        "zip": stored(b"PK fake html5 zip", "zip"),
        "png": stored(b"\x89PNG fake image", "png"),
        "mp3": stored(b"ID3 fake audio", "mp3"),
        "mp4": stored(b"fake video", "mp4"),
        "h5p": stored(b"PK fake h5p", "h5p"),
        "vtt": stored(b"WEBVTT", "vtt"),
    }


def every_kind(files) -> list[dict]:
    return [
        node_dict(
            "document",
            "doc",
            files=[file_dict(files["pdf"], "document", language="en"), file_dict(files["png"], "document_thumbnail")],
            tags=["reading", "pdf"],
            categories=["d&WXdXWF.qs0Xlaxq"],
            learning_activities=["wA01urpi"],
        ),
        node_dict(
            "html5",
            "app",
            files=[file_dict(files["zip"], "html5_zip")],
            extra_fields=json.dumps({"options": {"entry": "index.html"}}),
        ),
        node_dict("audio", "audio", files=[file_dict(files["mp3"], "audio", duration=2)]),
        node_dict(
            "video",
            "video",
            files=[
                file_dict(files["mp4"], "high_res_video", duration=5),
                file_dict(files["vtt"], "video_subtitle", language="fr"),
            ],
        ),
        node_dict("h5p", "h5p", files=[file_dict(files["h5p"], "h5p")]),
        node_dict(
            "slideshow",
            "slides",
            files=[file_dict(files["png"], "slideshow_image")],
            extra_fields=json.dumps(
                {
                    "slideshow_data": [
                        {"caption": "one", "sort_order": 0, "checksum": files["png"].split(".")[0], "extension": "png"}
                    ]
                }
            ),
        ),
        node_dict(
            "exercise",
            "exercise",
            extra_fields=json.dumps({"mastery_model": "m_of_n", "randomize": True, "m": 2, "n": 3}),
            questions=[
                question(
                    "single",
                    "single_selection",
                    [{"answer": "Red", "correct": True, "order": 0}, {"answer": "Blue", "correct": False, "order": 1}],
                    files=[file_dict(files["png"], "exercise_image")],
                    question=f"Which colour?\n\n![img](${{\u2623 CONTENTSTORAGE}}/{files['png']})",
                ),
                question(
                    "multi",
                    "multiple_selection",
                    [{"answer": "2", "correct": True, "order": 0}, {"answer": "4", "correct": True, "order": 1}],
                ),
                question("input", "input_question", [{"answer": "42", "correct": True, "order": 0}]),
                question("perseus", "perseus_question", [], raw_data=json.dumps({"question": {"content": "x"}})),
            ],
        ),
    ]


def test_authenticate_user_internal_answers_the_username(chef, owner):
    response = chef.post("authenticate_user_internal")
    assert response.status_code == 200
    assert response.json()["username"] == owner.email


def test_check_version_accepts_ricecooker_0_8_and_refuses_ancient_ones(chef):
    assert chef.post("check_version", {"version": "0.8.0"}).json()["status"] == 0
    assert chef.post("check_version", {"version": "0.7.1"}).json()["status"] == 1
    assert chef.post("check_version", {"version": "0.6.30"}).json()["status"] == 2
    assert chef.post("check_version", {"version": "0.5.0"}).json()["status"] == 3
    assert chef.post("check_version", {"version": "banana"}).status_code == 400


def test_a_slideshow_is_complete_only_when_a_slide_names_one_of_its_images(chef, files):
    root_id = chef.create_channel()
    image = files["png"].split(".")[0]
    good, orphan = (
        node_dict(
            "slideshow",
            seed,
            files=[file_dict(files["png"], "slideshow_image")],
            extra_fields=json.dumps({"slideshow_data": [{"caption": "one", "sort_order": 0, "checksum": checksum}]}),
        )
        for seed, checksum in (("good", image), ("orphan", "0" * 32))
    )
    root_ids = chef.add_nodes(root_id, [good, orphan])["root_ids"]
    # The same rule as the editor's and publish's (nodes/completeness.py): Kolibri shows slides.
    assert ContentNode.objects.get(pk=root_ids[good["node_id"]]).complete is True
    assert ContentNode.objects.get(pk=root_ids[orphan["node_id"]]).complete is False


def test_create_channel_creates_the_channel_with_a_fresh_chef_tree(chef, owner):
    root_id = chef.create_channel()
    channel = Channel.objects.get(pk=CHANNEL_ID)
    assert channel.chef_tree_id == root_id
    assert channel.editors.filter(pk=owner.pk).exists()
    assert (channel.name, channel.source_id, channel.language_id) == ("Chef channel", "chef", "en")
    root = ContentNode.objects.get(pk=root_id)
    assert (root.node_id, root.content_id, root.kind_id) == (CHANNEL_ID, CHANNEL_ID, "topic")


def test_every_node_kind_is_mapped_with_files_tags_labels_and_questions(chef, files):
    root_id = chef.create_channel()
    topic = node_dict("topic", "topic")
    result = chef.add_nodes(root_id, [topic])
    topic_pk = result["root_ids"][topic["node_id"]]
    nodes = every_kind(files)
    root_ids = chef.add_nodes(topic_pk, nodes)["root_ids"]
    assert set(root_ids) == {n["node_id"] for n in nodes}

    doc = ContentNode.objects.get(pk=root_ids[nodes[0]["node_id"]])
    assert (doc.kind_id, doc.license.license_name, doc.copyright_holder, doc.language_id) == (
        "document",
        "CC BY",
        "Someone",
        "en",
    )
    assert doc.categories == {"d&WXdXWF.qs0Xlaxq": True} and doc.learning_activities == {"wA01urpi": True}
    assert sorted(doc.tags.values_list("tag_name", flat=True)) == ["pdf", "reading"]
    assert sorted(doc.files.values_list("preset_id", flat=True)) == ["document", "document_thumbnail"]
    assert doc.complete and doc.freeze_authoring_data
    assert list(ContentNode.objects.get(pk=topic_pk).get_children().values_list("title", flat=True)) == [
        n["title"] for n in nodes
    ]
    video = ContentNode.objects.get(pk=root_ids[nodes[3]["node_id"]])
    assert video.files.get(preset_id="video_subtitle").language_id == "fr"
    assert video.files.get(preset_id="high_res_video").duration == 5

    exercise = ContentNode.objects.get(pk=root_ids[nodes[6]["node_id"]])
    assert exercise.extra_fields["options"]["completion_criteria"] == {
        "model": "mastery",
        "threshold": {"mastery_model": "m_of_n", "m": 2, "n": 3},
    }
    items = list(exercise.assessment_items.order_by("order"))
    assert [i.type for i in items] == ["single_selection", "multiple_selection", "input_question", "perseus_question"]
    assert json.loads(items[0].answers)[0] == {"answer": "Red", "correct": True, "order": 0}
    assert items[0].files.get().preset_id == "exercise_image"
    assert "\u2623 CONTENTSTORAGE" in items[0].question
    channel = Channel.objects.get(pk=CHANNEL_ID)
    assert tree.find_tree_error(channel.chef_tree.tree_id) is None


def test_a_resent_chunk_is_not_duplicated_and_answers_the_same_ids(chef, files):
    root_id = chef.create_channel()
    nodes = every_kind(files)[:2]
    first = chef.add_nodes(root_id, nodes)["root_ids"]
    second = chef.add_nodes(root_id, nodes)["root_ids"]
    assert first == second
    assert ContentNode.objects.filter(parent_id=root_id).count() == 2
    assert File.objects.filter(contentnode__parent_id=root_id).count() == 3


def test_an_empty_chunk_is_accepted(chef):
    root_id = chef.create_channel()
    assert chef.add_nodes(root_id, [])["root_ids"] == {}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"license": "CC BY-XYZ"}, "license", "unknown license"),
        ({"language": "klingon"}, "language", "unknown language"),
        ({"kind": "hologram"}, "kind", "unknown kind"),
        ({"node_id": "not-hex"}, "node_id", "hex id"),
        ({"tags": ["x" * 31]}, "tags", "longer than 30"),
        ({"categories": ["nonsense"]}, "categories", "unknown label"),
        ({"extra_fields": "{not json"}, "extra_fields", "not valid JSON"),
        ({"title": "t" * 201}, "title", "at most 200"),
        ({"files": [file_dict("0" * 32 + ".pdf", "document")]}, "files[0].filename", "not in storage"),
        ({"files": [file_dict("0" * 32 + ".mp3", "document")]}, "files[0].filename", "not allowed for preset"),
        ({"role": "king"}, "role", "must be one of"),
    ],
)
def test_bad_node_data_is_refused_naming_the_node_and_field_and_nothing_is_created(chef, files, change, field, words):
    root_id = chef.create_channel()
    good = node_dict("document", "good", files=[file_dict(files["pdf"], "document")])
    bad = node_dict("document", "bad", files=[file_dict(files["pdf"], "document")])
    bad.update(change)
    body = chef.add_nodes(root_id, [good, bad], status=400)
    problem = body["problems"][0]
    assert problem["field"] == field and words in problem["message"]
    assert problem["title"] == bad["title"]
    assert bad["title"] in body["error"][:80] or field in body["error"]
    assert not ContentNode.objects.filter(parent_id=root_id).exists()
    assert not File.objects.filter(contentnode__parent_id=root_id).exists()


@pytest.mark.parametrize(
    ("q", "field"),
    [
        (
            question("a", "single_selection", [{"answer": "1", "correct": True}, {"answer": "2", "correct": True}]),
            "questions[0].answers",
        ),
        (question("a", "multiple_selection", [{"answer": "1", "correct": False}]), "questions[0].answers"),
        (question("a", "essay", []), "questions[0].type"),
        ({**question("a", "input_question", []), "answers": "[oops"}, "questions[0].answers"),
        (question("a", "perseus_question", [], raw_data=""), "questions[0].raw_data"),
    ],
)
def test_bad_questions_are_refused_with_the_question_named(chef, q, field):
    root_id = chef.create_channel()
    body = chef.add_nodes(root_id, [node_dict("exercise", "ex", questions=[q])], status=400)
    assert body["problems"][0]["field"] == field
    assert not AssessmentItem.objects.exists()


def test_duplicate_assessment_ids_are_refused(chef):
    root_id = chef.create_channel()
    q = question("same", "input_question", [{"answer": "1", "correct": True}])
    body = chef.add_nodes(root_id, [node_dict("exercise", "ex", questions=[q, q])], status=400)
    assert "duplicate assessment_id" in body["problems"][0]["message"]


def test_add_nodes_under_a_resource_is_refused(chef, files):
    root_id = chef.create_channel()
    doc = node_dict("document", "doc", files=[file_dict(files["pdf"], "document")])
    doc_pk = chef.add_nodes(root_id, [doc])["root_ids"][doc["node_id"]]
    body = chef.add_nodes(doc_pk, [node_dict("topic", "child")], status=400)
    assert body["problems"][0]["field"] == "root_id"


def test_a_chef_over_quota_learns_it_before_anything_is_created(chef, owner):
    owner.disk_space = 1000
    owner.save()
    make_file(uploaded_by=owner, data=b"u" * 995)  # usage is recomputed, not read from a cache
    big = stored(b"y" * 100, "pdf")
    root_id = chef.create_channel()
    body = chef.add_nodes(
        root_id, [node_dict("document", "d", files=[file_dict(big, "document", size=100)])], status=412
    )
    assert body["code"] == "quota_exceeded"
    assert not ContentNode.objects.filter(parent_id=root_id).exists()


def test_finish_channel_with_stage_makes_the_upload_the_staging_tree(chef, files):
    root_id = chef.create_channel()
    chef.add_nodes(root_id, every_kind(files)[:1])
    response = chef.post("finish_channel", {"channel_id": CHANNEL_ID, "stage": True})
    assert response.status_code == 200 and response.json()["new_channel"] == CHANNEL_ID
    channel = Channel.objects.get(pk=CHANNEL_ID)
    assert channel.staging_tree_id == root_id and channel.chef_tree_id is None
    assert channel.main_tree_id != root_id
    assert not ContentNode.objects.filter(tree_id=channel.staging_tree.tree_id, original_channel_id=None).exists()


def test_finish_channel_without_stage_deploys_and_records_a_deployed_change(chef, files, owner):
    root_id = chef.create_channel()
    chef.add_nodes(root_id, every_kind(files)[:1])
    old_main = Channel.objects.get(pk=CHANNEL_ID).main_tree_id
    assert chef.post("finish_channel", {"channel_id": CHANNEL_ID, "stage": False}).status_code == 200
    channel = Channel.objects.get(pk=CHANNEL_ID)
    assert (channel.main_tree_id, channel.previous_tree_id, channel.staging_tree_id) == (root_id, old_main, None)
    change = Change.objects.get(channel=channel, change_type=DEPLOYED)
    assert change.created_by == owner


def test_a_second_run_updates_the_same_channel_in_place(chef, files):
    nodes = every_kind(files)[:1]
    chef.add_nodes(chef.create_channel(), nodes)
    chef.post("finish_channel", {"channel_id": CHANNEL_ID, "stage": False})
    files_before = set(File.objects.values_list("checksum", flat=True))
    nodes[0]["description"] = "A better description"
    chef.add_nodes(chef.create_channel(description="New channel description"), nodes)
    chef.post("finish_channel", {"channel_id": CHANNEL_ID, "stage": False})
    assert Channel.objects.count() == 1
    channel = Channel.objects.get(pk=CHANNEL_ID)
    assert channel.description == "New channel description"
    doc = ContentNode.objects.get(tree_id=channel.main_tree.tree_id, node_id=nodes[0]["node_id"])
    assert doc.description == "A better description"
    assert set(File.objects.values_list("checksum", flat=True)) == files_before
    # Two deploys keep one previous tree: the first main is gone, nothing piles up.
    assert ContentNode.objects.filter(node_id=nodes[0]["node_id"]).count() == 2


def test_publish_channel_records_a_published_change_by_the_caller(chef, owner, django_capture_on_commit_callbacks):
    pytest.importorskip("contentcuration.publish.tasks", reason="the publish task is in the publish branch")
    chef.create_channel()
    chef.post("finish_channel", {"channel_id": CHANNEL_ID, "stage": False})
    with django_capture_on_commit_callbacks(execute=False):
        response = chef.post("publish_channel", {"channel_id": CHANNEL_ID})
    assert response.status_code == 200
    change = Change.objects.get(channel_id=CHANNEL_ID, change_type=PUBLISHED)
    assert change.created_by == owner


def test_get_tree_data_lists_the_tree_with_sizes_and_question_counts(chef, files):
    root_id = chef.create_channel()
    topic = node_dict("topic", "t")
    topic_pk = chef.add_nodes(root_id, [topic])["root_ids"][topic["node_id"]]
    chef.add_nodes(topic_pk, every_kind(files)[:1] + every_kind(files)[-1:])
    response = chef.post("get_tree_data", {"channel_id": CHANNEL_ID, "tree": "chef"})
    assert response.status_code == 200
    (entry,) = response.json()["tree"]
    assert entry["title"] == topic["title"] and len(entry["children"]) == 2
    doc, exercise = entry["children"]
    assert doc["file_size"] == 20 and exercise["count"] == 4
    one_level = chef.post("get_node_tree_data", {"channel_id": CHANNEL_ID, "tree": "chef", "node_id": topic["node_id"]})
    assert [e["title"] for e in one_level.json()["tree"]] == [doc["title"], exercise["title"]]


def test_channel_status_bulk_reports_staged_channels(chef):
    chef.create_channel()
    chef.post("finish_channel", {"channel_id": CHANNEL_ID, "stage": True})
    response = chef.post("get_channel_status_bulk", {"channel_ids": [CHANNEL_ID]})
    assert response.json()["statuses"] == {CHANNEL_ID: "staged"}


def test_file_diff_lists_the_files_not_yet_stored(chef, files):
    missing = "f" * 32 + ".pdf"
    assert chef.post("file_diff", [files["pdf"], missing]).json() == [missing]


def test_file_upload_stores_a_file_under_its_md5(client, owner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = b"legacy upload"
    name = f"{__import__('hashlib').md5(data).hexdigest()}.pdf"
    token = Token.objects.create(user=owner).key
    response = client.post(
        "/api/internal/file_upload", {"file": SimpleUploadedFile(name, data)}, HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 200
    assert storage.object_exists(name[:32], "pdf")
    bad = client.post(
        "/api/internal/file_upload",
        {"file": SimpleUploadedFile("0" * 32 + ".pdf", data)},
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert bad.status_code == 400 and bad.json()["problems"][0]["field"] == "file"


def test_a_remote_node_copies_a_resource_from_another_channel_keeping_sibling_order(chef, files, stranger):
    from contentcuration.tests.factories import build_tree, make_channel

    source_channel = make_channel(owner=stranger, name="Source", public=True)
    (source,) = build_tree(source_channel.main_tree, [("document", [], {"title": "Original"})])
    make_file(contentnode=source, data=b"remote pdf")
    root_id = chef.create_channel()
    before = node_dict("topic", "before")
    remote = {
        "node_id": hexid("remote"),
        "source_channel_id": source_channel.pk,
        "source_node_id": source.node_id,
        "source_content_id": source.content_id,
        "title": "Copied and renamed",
        "tags": ["imported"],
        "categories": ["d&WXdXWF.qs0Xlaxq"],
    }
    after = node_dict("topic", "after")
    root_ids = chef.add_nodes(root_id, [before, remote, after])["root_ids"]
    copy = ContentNode.objects.get(pk=root_ids[remote["node_id"]])
    assert (copy.node_id, copy.title, copy.content_id) == (remote["node_id"], "Copied and renamed", source.content_id)
    assert copy.freeze_authoring_data and copy.categories == {"d&WXdXWF.qs0Xlaxq": True}
    assert list(copy.tags.values_list("tag_name", flat=True)) == ["imported"]
    assert copy.files.count() == 1
    assert list(ContentNode.objects.get(pk=root_id).get_children().values_list("title", flat=True)) == [
        before["title"],
        "Copied and renamed",
        after["title"],
    ]
    assert tree.find_tree_error(copy.tree_id) is None


def test_a_remote_node_from_a_channel_the_user_cannot_see_is_refused(chef, stranger):
    from contentcuration.tests.factories import build_tree, make_channel

    private = make_channel(owner=stranger, name="Private")
    (source,) = build_tree(private.main_tree, ["document"])
    root_id = chef.create_channel()
    remote = {"node_id": hexid("remote"), "source_channel_id": private.pk, "source_node_id": source.node_id}
    body = chef.add_nodes(root_id, [remote], status=400)
    assert body["problems"][0]["field"] == "source_channel_id"
    assert not ContentNode.objects.filter(parent_id=root_id).exists()


def _run_and_deploy(chef, nodes):
    root_id = chef.create_channel()
    topic = node_dict("topic", "topic")
    topic_pk = chef.add_nodes(root_id, [topic])["root_ids"][topic["node_id"]]
    chef.add_nodes(topic_pk, nodes)
    assert chef.post("finish_channel", {"channel_id": CHANNEL_ID, "stage": False}).status_code == 200
    return Channel.objects.get(pk=CHANNEL_ID).main_tree


def _as_if_published(main):
    ContentNode.objects.filter(tree_id=main.tree_id).update(changed=False, published=True)


def test_a_rerun_marks_only_the_edited_node_changed(chef, files):
    nodes = every_kind(files)
    _as_if_published(_run_and_deploy(chef, nodes))
    nodes[1]["description"] = "Edited by the chef"
    main = _run_and_deploy(chef, nodes)
    changed = set(ContentNode.objects.filter(tree_id=main.tree_id, changed=True).values_list("title", flat=True))
    assert changed == {nodes[1]["title"], main.title}
    assert not ContentNode.objects.filter(tree_id=main.tree_id, published=False).exists()
    assert (
        chef.post("get_channel_status_bulk", {"channel_ids": [CHANNEL_ID]}).json()["statuses"][CHANNEL_ID]
        == "unpublished"
    )


def test_a_rerun_with_nothing_new_leaves_the_channel_published(chef, files):
    nodes = every_kind(files)
    _as_if_published(_run_and_deploy(chef, nodes))
    main = _run_and_deploy(chef, nodes)
    assert not ContentNode.objects.filter(tree_id=main.tree_id, changed=True).exists()
    assert (
        chef.post("get_channel_status_bulk", {"channel_ids": [CHANNEL_ID]}).json()["statuses"][CHANNEL_ID] == "active"
    )


def test_a_rerun_that_changes_a_question_or_drops_a_node_marks_them(chef, files):
    nodes = every_kind(files)
    _as_if_published(_run_and_deploy(chef, nodes))
    exercise = nodes[-1]
    exercise["questions"][2]["answers"] = json.dumps([{"answer": "43", "correct": True, "order": 0}])
    main = _run_and_deploy(chef, nodes[2:])
    changed = set(ContentNode.objects.filter(tree_id=main.tree_id, changed=True).values_list("title", flat=True))
    # The exercise changed; the first two nodes are gone, so every survivor moved up a place.
    assert exercise["title"] in changed and main.title in changed


@pytest.mark.parametrize("content_type", ["", "text/plain", "application/json", "application/x-www-form-urlencoded"])
def test_json_bodies_are_read_whatever_the_content_type(client, owner, content_type):
    token = Token.objects.create(user=owner).key
    response = client.generic(
        "POST", "/api/internal/check_version", json.dumps({"version": "0.8.0"}),
        content_type=content_type, HTTP_AUTHORIZATION=f"Token {token}",
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == 0


def test_a_body_larger_than_djangos_default_limit_is_accepted(chef):
    root_id = chef.create_channel()
    # 3.3 MB: above Django's 2.5 MB default, each description within its 10,000-character limit.
    big = [node_dict("topic", f"big{i}", description="x" * 9_000) for i in range(360)]
    assert len(chef.add_nodes(root_id, big)["root_ids"]) == len(big)


def test_a_body_that_is_not_json_is_a_400_not_a_500(chef):
    response = chef.client.generic(
        "POST", "/api/internal/add_nodes", "{not json", content_type="", HTTP_AUTHORIZATION=f"Token {chef.token}"
    )
    assert response.status_code == 400 and "not JSON" in response.json()["error"]


def test_paths_with_a_trailing_slash_are_not_redirected_into_gets(chef):
    # ricecooker posts to the exact slash-less paths; a 301 would turn its POST into a GET.
    assert chef.post("check_version", {"version": "0.8.0"}).status_code == 200
    response = chef.client.post("/api/internal/check_version/", HTTP_AUTHORIZATION=f"Token {chef.token}")
    assert response.status_code == 404
