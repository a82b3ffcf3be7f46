"""The real ricecooker 0.8.0 client, from PyPI, uploads a channel to a live server unchanged.

The client runs in its own virtualenv (``.venv-ricecooker/`` in the repository, built on
first use, gitignored) as a subprocess with ``STUDIO_URL`` pointing at pytest-django's live
server. ricecooker exits 0 even when nodes fail, so the tests assert on server state and on
the requests the server saw.

The chef uploads through the real file endpoints (``POST /api/file/upload_url``, the signed
PUT, ``HEAD /content/storage/...``), deploys and publishes; the published channel is then
exported and imported into a real Kolibri 0.19.5 (``test_publish_kolibri``'s harness).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

import pytest
from django.core import signals
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from contentcuration import storage
from contentcuration.models import AssessmentItem, Change, Channel, ContentNode, File
from contentcuration.models.change_types import DEPLOYED, PUBLISHED
from contentcuration.tests.test_publish_kolibri import import_and_read

pytestmark = [
    pytest.mark.ricecooker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

REPO = Path(__file__).resolve().parents[2]
RC_VENV = REPO / ".venv-ricecooker"
RC_PYTHON = RC_VENV / "bin" / "python"
RICECOOKER = "ricecooker==0.8.0"
CHEF_TIMEOUT = 300  # a stuck server hangs the client forever (spec 2.4)

SOURCE_DOMAIN = "chef-test.example.org"
SOURCE_ID = "ricecooker-acceptance"
CHANNEL_ID = uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_DNS, SOURCE_DOMAIN), SOURCE_ID).hex


# --- the chef --------------------------------------------------------------------------------------

CHEF = (
    textwrap.dedent(
        """
    import os
    import struct
    import zipfile
    import zlib

    from le_utils.constants import exercises
    from ricecooker.chefs import SushiChef
    from ricecooker.classes import files, nodes, questions
    from ricecooker.classes.licenses import get_license

    HERE = os.path.dirname(os.path.abspath(__file__))


    def write(name, data):
        path = os.path.join(HERE, name)
        with open(path, "wb") as f:
            f.write(data)
        return path


    def pdf(text):
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << >> >>",
        ]
        stream = ("BT /F1 12 Tf 20 100 Td (%s) Tj ET" % text).encode()
        objects.append(b"<< /Length %d >>\\nstream\\n" % len(stream) + stream + b"\\nendstream")
        out, offsets = bytearray(b"%PDF-1.4\\n"), []
        for i, body in enumerate(objects, 1):
            offsets.append(len(out))
            out += b"%d 0 obj\\n" % i + body + b"\\nendobj\\n"
        xref = len(out)
        out += b"xref\\n0 %d\\n0000000000 65535 f \\n" % (len(objects) + 1)
        for offset in offsets:
            out += b"%010d 00000 n \\n" % offset
        out += b"trailer\\n<< /Size %d /Root 1 0 R >>\\nstartxref\\n%d\\n%%%%EOF\\n" % (len(objects) + 1, xref)
        return bytes(out)


    def png(r, g, b):
        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        raw = b"".join(b"\\x00" + bytes([r, g, b]) * 8 for _ in range(8))
        return (b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


    def html5_zip():
        path = os.path.join(HERE, "app.zip")
        with zipfile.ZipFile(path, "w") as z:
            # Text right after <body>: ricecooker 0.8.0 crashes on a body starting with a tag.
            # A fixed timestamp keeps the archive's bytes, and so its md5, the same on every run.
            # ricecooker 0.8.0's get_storage_path races (exists() then makedirs()) when two of
            # its threads store files under the same two-character folder; with fixed bytes the
            # four files of this chef land in four distinct folders.
            info = zipfile.ZipInfo("index.html", date_time=(2020, 1, 1, 0, 0, 0))
            z.writestr(info, "<html><head><title>App</title></head><body> Hello <p>app</p></body></html>")
        return path


    class AcceptanceChef(SushiChef):
        channel_info = {
            "CHANNEL_SOURCE_DOMAIN": "@DOMAIN@",
            "CHANNEL_SOURCE_ID": "@SOURCE_ID@",
            "CHANNEL_TITLE": "Ricecooker acceptance",
            "CHANNEL_LANGUAGE": "en",
            "CHANNEL_DESCRIPTION": "Built by the real ricecooker client.",
            "CHANNEL_THUMBNAIL": write("channel.png", png(0, 0, 255)),
        }

        def construct_channel(self, **kwargs):
            channel = self.get_channel(**kwargs)
            lic = get_license("CC BY", copyright_holder="Acceptance Tests")
            outer = nodes.TopicNode(source_id="outer", title="Outer topic")
            inner = nodes.TopicNode(source_id="inner", title="Inner topic")
            channel.add_child(outer)
            outer.add_child(inner)
            inner.add_child(nodes.DocumentNode(
                source_id="doc", title="A document", license=lic, language="en",
                description=os.environ.get("DOC_DESCRIPTION", "first"),
                files=[files.DocumentFile(path=write("doc.pdf", pdf("Hello chef")))],
                tags=["reading"],
            ))
            outer.add_child(nodes.HTML5AppNode(
                source_id="app", title="An HTML5 app", license=lic, language="en",
                files=[files.HTMLZipFile(path=html5_zip())],
            ))
            red = write("red.png", png(255, 0, 0))
            exercise = nodes.ExerciseNode(
                source_id="exercise", title="An exercise", license=lic, language="en",
                exercise_data={"mastery_model": exercises.M_OF_N, "randomize": True, "m": 2, "n": 3},
            )
            exercise.add_question(questions.SingleSelectQuestion(
                id="q-single", question="What colour is this? ![red](%s)" % red,
                correct_answer="Red", all_answers=["Red", "Green", "Blue"],
            ))
            exercise.add_question(questions.MultipleSelectQuestion(
                id="q-multi", question="Which are even?", correct_answers=["2", "4"], all_answers=["1", "2", "3", "4"],
            ))
            exercise.add_question(questions.InputQuestion(id="q-input", question="6 times 7?", answers=["42"]))
            outer.add_child(exercise)
            return channel


    if __name__ == "__main__":
        AcceptanceChef().main()
    """
    )
    .replace("@DOMAIN@", SOURCE_DOMAIN)
    .replace("@SOURCE_ID@", SOURCE_ID)
)


@pytest.fixture(scope="session")
def ricecooker_python() -> Path:
    """ricecooker 0.8.0 in its own virtualenv; its dependency pins clash with the server's."""
    marker = RC_VENV / ".ricecooker-0.8.0"
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(RC_VENV)], check=True)
        subprocess.run([str(RC_PYTHON), "-m", "pip", "install", "--quiet", RICECOOKER], check=True, timeout=900)
        marker.touch()
    return RC_PYTHON


@pytest.fixture
def requests_seen():
    """Every (method, path) the live server handles, from Django's request_started signal."""
    seen: list[tuple[str, str]] = []
    lock = threading.Lock()

    def record(sender, environ, **kwargs):
        with lock:
            seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))

    signals.request_started.connect(record, dispatch_uid="chef-requests-seen")
    yield seen
    signals.request_started.disconnect(dispatch_uid="chef-requests-seen")


@pytest.fixture
def chef_server(live_server, isolated_storage):
    """The live server, with an empty storage of its own."""
    return live_server


def run_chef(python: Path, workdir: Path, server_url: str, token: str, *args: str, **env: str) -> str:
    workdir = workdir / "chef"
    workdir.mkdir(exist_ok=True)
    script = workdir / "chef.py"
    script.write_text(CHEF)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "STUDIO_URL": server_url,
        "TASK_THREADS": "2",
        "NO_PROXY": "127.0.0.1,localhost",
        **env,
    }
    result = subprocess.run(
        [str(python), str(script), f"--token={token}", *args],
        cwd=workdir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=CHEF_TIMEOUT,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for failure in ("could not be created", "token rejected", "Traceback", "Failed to upload"):
        assert failure not in output, output
    return output


def test_ricecooker_uploads_and_deploys_a_channel(ricecooker_python, chef_server, owner, tmp_path, requests_seen):
    token = Token.objects.create(user=owner).key
    output = run_chef(ricecooker_python, tmp_path, chef_server.url, token, "--deploy")
    assert f"/channels/{CHANNEL_ID}/edit" in output

    channel = Channel.objects.get(pk=CHANNEL_ID)
    assert channel.name == "Ricecooker acceptance" and channel.editors.filter(pk=owner.pk).exists()
    assert channel.staging_tree_id is None and channel.chef_tree_id is None
    main = channel.main_tree
    titles = dict(main.get_descendants().values_list("title", "kind_id"))
    assert titles == {
        "Outer topic": "topic",
        "Inner topic": "topic",
        "A document": "document",
        "An HTML5 app": "html5",
        "An exercise": "exercise",
    }
    inner = ContentNode.objects.get(tree_id=main.tree_id, title="Inner topic")
    assert inner.parent.title == "Outer topic"
    doc = ContentNode.objects.get(tree_id=main.tree_id, title="A document")
    assert doc.parent_id == inner.pk and doc.license.license_name == "CC BY" and doc.complete
    assert list(doc.tags.values_list("tag_name", flat=True)) == ["reading"]
    doc_file = doc.files.get(preset_id="document")
    assert storage.object_exists(doc_file.checksum, "pdf")
    app = ContentNode.objects.get(tree_id=main.tree_id, title="An HTML5 app")
    assert app.files.filter(preset_id="html5_zip").exists()
    exercise = ContentNode.objects.get(tree_id=main.tree_id, title="An exercise")
    items = list(AssessmentItem.objects.filter(contentnode=exercise).order_by("order"))
    assert [i.type for i in items] == ["single_selection", "multiple_selection", "input_question"]
    image = items[0].files.get()
    assert image.preset_id == "exercise_image" and image.checksum in items[0].question
    assert exercise.extra_fields["options"]["completion_criteria"]["threshold"]["mastery_model"] == "m_of_n"
    assert Change.objects.filter(channel=channel, change_type=DEPLOYED, created_by=owner).exists()
    puts = [p for m, p in requests_seen if m == "PUT"]
    assert len(puts) == 4  # the pdf, the zip, the question's png and the channel's: each once
    assert channel.thumbnail and storage.object_exists(*channel.thumbnail.split("."))


@pytest.mark.kolibri
def test_ricecooker_deploy_and_publish_publishes_a_channel_real_kolibri_imports(
    ricecooker_python, kolibri_venv, chef_server, owner, tmp_path, monkeypatch
):
    from contentcuration.celery import app
    from contentcuration.models import TaskMetadata

    # No worker runs in tests: the publish job runs inline when the request commits. (The
    # conf reads Django settings with the CELERY_ namespace: the prefixed key is the one read.)
    monkeypatch.setitem(app.conf, "CELERY_TASK_ALWAYS_EAGER", True)
    token = Token.objects.create(user=owner).key
    run_chef(ricecooker_python, tmp_path, chef_server.url, token, "--deploy", "--publish")

    channel = Channel.objects.get(pk=CHANNEL_ID)
    change = Change.objects.get(channel=channel, change_type=PUBLISHED)
    assert change.created_by == owner
    assert TaskMetadata.objects.filter(channel_id=CHANNEL_ID, task_name__endswith="publish_channel_task").exists()
    assert channel.version == 1 and channel.main_tree.get_descendants().filter(title="A document").exists()

    folder = tmp_path / "export"
    call_command("export_channel", CHANNEL_ID, str(folder), "--no-progress")
    imported = import_and_read(tmp_path / "kolibri-home", CHANNEL_ID, folder)

    published = channel.main_tree.get_descendants(include_self=True).select_related("parent")
    expected = {n.node_id: (n.parent.node_id if n.parent_id else None) for n in published}
    assert {node_id: row["parent"] for node_id, row in imported["nodes"].items()} == expected
    assert all(row["available"] for row in imported["nodes"].values())
    assert imported["files"] and all(available for _, _, available in imported["files"])
    exercise = published.get(title="An exercise")
    question_ids = list(exercise.assessment_items.order_by("order").values_list("assessment_id", flat=True))
    assert imported["assessments"][exercise.node_id]["ids"] == question_ids
    assert imported["assessments"][exercise.node_id]["mastery"]["type"] == "m_of_n"


def test_a_second_run_uploads_no_file_and_updates_the_channel_in_place(
    ricecooker_python, chef_server, owner, tmp_path, requests_seen
):
    token = Token.objects.create(user=owner).key
    run_chef(ricecooker_python, tmp_path, chef_server.url, token, "--deploy")
    first_files = File.objects.count()
    assert any(m == "PUT" for m, _ in requests_seen)
    requests_seen.clear()

    run_chef(ricecooker_python, tmp_path, chef_server.url, token, "--deploy", DOC_DESCRIPTION="second")

    assert not [(m, p) for m, p in requests_seen if m == "PUT" or p == "/api/file/upload_url"]
    assert any(m == "HEAD" for m, _ in requests_seen)  # it did ask, and the server said "stored"
    assert Channel.objects.filter(pk=CHANNEL_ID).count() == 1
    channel = Channel.objects.get(pk=CHANNEL_ID)
    doc = ContentNode.objects.get(tree_id=channel.main_tree.tree_id, title="A document")
    assert doc.description == "second"
    # One copy of each node in main, one in previous_tree; nothing else left behind.
    assert ContentNode.objects.filter(title="A document").count() == 2
    assert File.objects.count() <= 2 * first_files
