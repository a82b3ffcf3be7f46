"""docs/media-api.md, executed: its Python blocks run in order against a live server, signed
in as a browser (session cookie + X-CSRFToken), as a user with a storage quota. A stale page
fails here."""

from __future__ import annotations

import pytest

from contentcuration.tests.files_helpers import reload_constants
from contentcuration.tests.guides import guide_path, run_guide


@pytest.mark.django_db(transaction=True)
def test_every_example_of_the_media_guide_runs_against_a_live_server(live_server, monkeypatch):
    reload_constants()
    guide = run_guide(
        guide_path("media-api.md"), live_server, monkeypatch, email="media-guide@example.org", disk_space=50 * 2**20
    )
    assert guide["too_big"].status_code == 412  # a user with a quota meets the refusal
    assert "circle of previous steps" in guide["errors"](guide["circle"])[0][0]
