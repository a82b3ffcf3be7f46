"""docs/api.md, executed: its Python blocks run in order against a live server with a real
Celery worker, and the channel they publish is imported into real Kolibri 0.19.5 with the
guide's shell commands (issue 16 item 2). A stale guide fails here."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from contentcuration.tests.guides import code_blocks, guide_path, run_guide

GUIDE = guide_path("api.md")


def blocks(language: str) -> list[str]:
    return code_blocks(GUIDE, language)


@pytest.mark.django_db(transaction=True)
def test_every_example_of_the_guide_runs_against_a_live_server(live_server, celery_worker, monkeypatch):
    guide = run_guide(GUIDE, live_server, monkeypatch, email="guide@example.org")

    assert guide["version"]["version"] == 1
    assert guide["version"]["resource_count"] == 2


@pytest.mark.kolibri
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_channel_the_guide_publishes_imports_into_kolibri(
    live_server, celery_worker, kolibri_venv, monkeypatch, tmp_path
):
    from contentcuration.tests.test_publish_kolibri import import_and_read

    guide = run_guide(GUIDE, live_server, monkeypatch, email="guide@example.org")
    channel_id = guide["channel_id"]
    (shell,) = blocks("sh")
    assert shell.split("\n")[:3] == [
        "python manage.py export_channel $CHANNEL_ID ./export",
        "kolibri manage importchannel disk $CHANNEL_ID ./export",
        "kolibri manage importcontent disk $CHANNEL_ID ./export",
    ]
    folder = tmp_path / "export"
    call_command("export_channel", channel_id, str(folder), "--no-progress")

    imported = import_and_read(tmp_path / "kolibri-home", channel_id, folder)

    assert imported["version"] == 1
    titles = {node["title"]: node for node in imported["nodes"].values()}
    assert {"Unit 1", "Reading", "Practice"} <= set(titles)
    assert all(node["available"] for node in titles.values())
    assert len(imported["assessments"]) == 1
    (assessment,) = imported["assessments"].values()
    assert len(assessment["ids"]) == 2
