"""Injected publish failures, for tests and the browser tests only.

``PUBLISH_FAILURE_INJECTION`` is set by the test and e2e settings and by nothing else (the
base settings do not define it, and no environment variable sets it), so in production
``raise_injected_failure`` returns at once and ``inject_publish_failure`` refuses. When on,
``manage.py inject_publish_failure CHANNEL_ID --message ...`` leaves a marker file that the
next publish of that channel (in whichever process runs it: a worker, a live server)
consumes, failing with the message after its export, as a real failure of that stage would.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from ..models import is_hex_id
from .failures import PublishError

DEFAULT_MESSAGE = "Injected failure: the publish was stopped on purpose."


def injection_enabled() -> bool:
    return bool(getattr(settings, "PUBLISH_FAILURE_INJECTION", False))


def _marker(channel_id: str) -> Path:
    if not is_hex_id(channel_id):
        raise ValueError(f"{channel_id!r} is not a channel id")
    return Path(settings.DATA_DIR) / "injected-failures" / f"publish-{channel_id}"


def inject_publish_failure(*, channel_id: str, message: str = DEFAULT_MESSAGE) -> Path:
    """Make the next publish of ``channel_id`` fail with ``message``. Raises RuntimeError
    unless injection is enabled (test and e2e settings)."""
    if not injection_enabled():
        raise RuntimeError("Publish failure injection is off (only the test and e2e settings turn it on).")
    marker = _marker(channel_id)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(message, encoding="utf-8")
    return marker


def raise_injected_failure(channel_id: str) -> None:
    """Raise PublishError with the injected message, once, if a failure was injected."""
    if not injection_enabled():
        return
    marker = _marker(channel_id)
    try:
        message = marker.read_text(encoding="utf-8")
        marker.unlink()
    except FileNotFoundError:
        return
    raise PublishError(message or DEFAULT_MESSAGE)
