"""Import an export into a real Kolibri 0.19.5 and check the result through Kolibri's own ORM.

Kolibri runs in its own virtualenv, ``.venv-kolibri/`` in the repository (gitignored),
built on first use from PyPI and reused afterwards. Kolibri needs nothing but pip and
Python 3.11; the first build takes a minute or two.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from contentcuration.models import ContentNode
from contentcuration.publish import publish_channel
from contentcuration.tests.publishing import build_sample_channel
from contentcuration.tests.test_publish_qti import build_qti_channel, expected_id

pytestmark = [pytest.mark.kolibri, pytest.mark.slow]

KOLIBRI_VERSION = "0.19.5"
VENV = Path(settings.BASE_DIR) / ".venv-kolibri"

CHECK_SCRIPT = textwrap.dedent(
    """
    import json
    from kolibri.core.content.models import AssessmentMetaData, ChannelMetadata, ContentNode, File, LocalFile
    channel = ChannelMetadata.objects.get(id=CHANNEL_ID)
    nodes = ContentNode.objects.filter(channel_id=CHANNEL_ID)
    root = ContentNode.objects.get(id=channel.root_id)
    out = {
        "version": channel.version,
        "root_descendants": root.get_descendant_count(),
        "nodes": {
            n.id: {
                "parent": n.parent_id, "available": n.available, "kind": n.kind, "title": n.title,
                "learning_activities": n.learning_activities, "categories": n.categories,
                "grade_levels": n.grade_levels, "license_name": n.license_name, "lang": n.lang_id,
                "coach_content": n.coach_content, "options": n.options, "duration": n.duration,
            }
            for n in nodes
        },
        "files": [
            [f.contentnode_id, f.preset, f.local_file.available]
            for f in File.objects.filter(contentnode__channel_id=CHANNEL_ID).select_related("local_file")
        ],
        "assessments": {
            a.contentnode_id: {"ids": a.assessment_item_ids, "mastery": a.mastery_model}
            for a in AssessmentMetaData.objects.filter(contentnode__channel_id=CHANNEL_ID)
        },
    }
    print("RESULT " + json.dumps(out))
    """
)


def kolibri_python() -> Path:
    """The Kolibri virtualenv's python, building the virtualenv once (under a file lock)."""
    python = VENV / "bin" / "python"
    marker = VENV / f".kolibri-{KOLIBRI_VERSION}"
    if marker.exists():
        return python
    VENV.parent.mkdir(exist_ok=True)
    with open(str(VENV) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", f"kolibri=={KOLIBRI_VERSION}"],
                check=True,
            )
            marker.touch()
    return python


def kolibri(home: Path, *args: str) -> str:
    env = {**os.environ, "KOLIBRI_HOME": str(home), "KOLIBRI_RUN_MODE": "test"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [str(VENV / "bin" / "kolibri"), "manage", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"kolibri {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout + proc.stderr


def import_and_read(home: Path, channel_id: str, folder: Path) -> dict:
    kolibri(home, "importchannel", "disk", channel_id, str(folder))
    kolibri(home, "importcontent", "--fail-on-error", "disk", channel_id, str(folder))
    script = home / "check.py"
    script.write_text(f"CHANNEL_ID = {channel_id!r}\n" + CHECK_SCRIPT)
    output = kolibri(home, "shell", "-c", f"exec(open({str(script)!r}).read())")
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def test_real_kolibri_imports_the_export_with_every_node_file_and_exercise(kolibri_venv, owner, tmp_path):
    channel, nodes = build_sample_channel(owner)
    result = publish_channel(channel_id=channel.id, user=owner, version_notes="v1")
    folder = tmp_path / "export"
    call_command("export_channel", channel.id, str(folder), "--no-progress")

    imported = import_and_read(tmp_path / "kolibri-home", channel.id, folder)

    assert imported["version"] == 1
    exported = {channel.main_tree.node_id: None}
    for name in ("topic_a", "video", "document", "exercise", "html5", "audio"):
        node = nodes[name]
        parent = ContentNode.objects.get(pk=node.parent_id)
        exported[node.node_id] = parent.node_id
    assert set(imported["nodes"]) == set(exported)
    for node_id, parent_node_id in exported.items():
        assert imported["nodes"][node_id]["parent"] == parent_node_id
        assert imported["nodes"][node_id]["available"] is True, imported["nodes"][node_id]["title"]
    assert imported["root_descendants"] == len(exported) - 1 == result.node_count - 1
    assert imported["files"] and all(available for _, _, available in imported["files"])

    video = imported["nodes"][nodes["video"].node_id]
    assert sorted(video["learning_activities"].split(",")) == sorted(["UD5UGM0z", "3dSeJhqs"])
    assert video["license_name"] == "CC BY" and video["lang"] == "es" and video["coach_content"] is True
    assert video["duration"] == 125
    assert "d&WXdXWF.qs0Xlaxq.0t5msbL5" in video["categories"]

    exercise = nodes["exercise"]
    question_ids = list(exercise.assessment_items.order_by("order").values_list("assessment_id", flat=True))
    assessment = imported["assessments"][exercise.node_id]
    assert assessment["ids"] == question_ids
    assert assessment["mastery"] == {"type": "m_of_n", "m": 2, "n": 3}
    assert imported["nodes"][exercise.node_id]["options"]["completion_criteria"]["model"] == "mastery"


def test_real_kolibri_upgrades_to_the_next_version_and_drops_removed_nodes(kolibri_venv, owner, tmp_path):
    channel, nodes = build_sample_channel(owner)
    publish_channel(channel_id=channel.id, user=owner)
    home = tmp_path / "kolibri-home"
    call_command("export_channel", channel.id, str(tmp_path / "v1"), "--no-progress")
    import_and_read(home, channel.id, tmp_path / "v1")

    ContentNode.objects.filter(pk=nodes["audio"].pk).update(complete=False, changed=True)
    ContentNode.objects.filter(pk=nodes["html5"].pk).update(title="Renamed game", changed=True)
    publish_channel(channel_id=channel.id, user=owner)
    call_command("export_channel", channel.id, str(tmp_path / "v2"), "--no-progress")
    imported = import_and_read(home, channel.id, tmp_path / "v2")

    assert imported["version"] == 2
    assert nodes["audio"].node_id not in imported["nodes"]
    assert imported["nodes"][nodes["html5"].node_id]["title"] == "Renamed game"


def test_real_kolibri_imports_qti_exercises_as_available_nodes(kolibri_venv, owner, tmp_path):
    channel, nodes = build_qti_channel(owner)
    publish_channel(channel_id=channel.id, user=owner)
    folder = tmp_path / "export"
    call_command("export_channel", channel.id, str(folder), "--no-progress")

    imported = import_and_read(tmp_path / "kolibri-home", channel.id, folder)

    files = {}
    for node_id, preset, available in imported["files"]:
        files.setdefault(node_id, []).append((preset, available))
    for name, preset in (("free", "qti"), ("mixed", "qti"), ("perseus", "exercise")):
        node = nodes[name]
        assert imported["nodes"][node.node_id]["available"] is True, name
        assert files[node.node_id] == [(preset, True)], name
        ids = list(node.assessment_items.order_by("order").values_list("assessment_id", flat=True))
        expected = ids if preset == "exercise" else [expected_id(i) for i in ids]
        assert imported["assessments"][node.node_id]["ids"] == expected, name
