"""Running a guide in docs/ as a test: its code blocks, executed in order against a live
server, signed in as a user made for it (SERVER, EMAIL and PASSWORD in the environment, as
the guides read them)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings

from contentcuration.tests import factories

PASSWORD = "guide-password-1"


def guide_path(name: str) -> Path:
    return Path(settings.BASE_DIR) / "docs" / name


def code_blocks(guide: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", guide.read_text(), flags=re.S)


def run_guide(guide: Path, live_server, monkeypatch, *, email: str, **user_fields: Any) -> dict:
    """Execute every Python block of ``guide``; returns the namespace they shared."""
    user = factories.UserFactory(email=email, **user_fields)
    user.set_password(PASSWORD)
    user.save()
    monkeypatch.setenv("SERVER", live_server.url)
    monkeypatch.setenv("EMAIL", user.email)
    monkeypatch.setenv("PASSWORD", PASSWORD)
    namespace: dict = {"__name__": guide.stem}
    for number, code in enumerate(code_blocks(guide, "python"), start=1):
        exec(compile(code, f"docs/{guide.name} block {number}", "exec"), namespace)  # noqa: S102
    return namespace
