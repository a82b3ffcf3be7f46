"""docs/media-api.md, executed: its Python blocks run in order against a live server, signed
in as a browser (session cookie + X-CSRFToken), as a user with a storage quota. A stale page
fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from contentcuration.tests import factories
from contentcuration.tests.files_helpers import reload_constants

GUIDE = Path(settings.BASE_DIR) / "docs" / "media-api.md"
PASSWORD = "media-guide-password-1"


@pytest.mark.django_db(transaction=True)
def test_every_example_of_the_media_guide_runs_against_a_live_server(live_server, monkeypatch):
    reload_constants()
    user = factories.UserFactory(email="media-guide@example.org", disk_space=50 * 1024 * 1024)
    user.set_password(PASSWORD)
    user.save()
    monkeypatch.setenv("SERVER", live_server.url)
    monkeypatch.setenv("EMAIL", user.email)
    monkeypatch.setenv("PASSWORD", PASSWORD)
    namespace: dict = {"__name__": "media_guide"}
    for number, code in enumerate(re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S), start=1):
        exec(compile(code, f"docs/media-api.md block {number}", "exec"), namespace)  # noqa: S102

    assert namespace["too_big"].status_code == 412  # a user with a quota meets the refusal
    assert "circle of previous steps" in namespace["errors"](namespace["circle"])[0][0]
