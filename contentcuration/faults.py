"""Test-only fault injection: a browser or API test arms a named fault, and the next operation
that checks it fails once, as a real failure of that operation would.

Only settings that set ``FAULT_INJECTION_DIR`` (settings/test.py and settings/e2e.py) can
arm a fault; base and production settings leave it ``None``, so ``take`` is always False
there and ``arm`` refuses. A fault is a marker file in that directory, shared by the web
server, the Celery worker and the test process (``manage.py inject_fault copy``): whichever
process removes a marker first takes it, so an armed fault fires exactly once.

Faults (the code that checks each):
  ``copy``     tree.copy_subtree fails after writing its rows, inside its transaction (so the
               copy rolls back whole), for inline copies and the copy job alike.
  ``publish``  publish_channel fails after its export, before anything is recorded, with
               the message the fault was armed with (``--message``): the job's result
               carries it and the channel's ``publishing`` flag is released.
  ``publish_pause``  publish_channel waits, instead of failing, for the seconds the fault was
               armed with (``--message 4``), once after reporting 1 % and once after its
               export (88 %), so that a browser test sees the progress rise through both.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FAULTS = frozenset({"copy", "publish", "publish_pause"})
MAX_PAUSE_SECONDS = 30.0


def _directory() -> Path | None:
    directory = getattr(settings, "FAULT_INJECTION_DIR", None)
    return Path(directory) if directory else None


def arm(name: str, *, times: int = 1, message: str = "") -> None:
    """Make the next ``times`` checks of fault ``name`` fail (with ``message``, for the faults
    that show one). Raises ImproperlyConfigured when these settings have no fault injection
    (production), ValueError for an unknown fault."""
    if name not in FAULTS:
        raise ValueError(f"Unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}.")
    if name == "publish_pause":
        try:
            seconds = float(message)
        except ValueError:
            seconds = -1.0
        if not 0 < seconds <= MAX_PAUSE_SECONDS:
            raise ValueError(f"publish_pause needs a number of seconds (0 to {MAX_PAUSE_SECONDS:g}) as its message.")
    directory = _directory()
    if directory is None:
        raise ImproperlyConfigured("Fault injection is off in these settings (FAULT_INJECTION_DIR is not set).")
    directory.mkdir(parents=True, exist_ok=True)
    for _ in range(times):
        (directory / f"{name}.{uuid.uuid4().hex}").write_text(message, encoding="utf-8")


def disarm(name: str) -> None:
    """Remove every armed instance of fault ``name`` (a test's clean-up)."""
    directory = _directory()
    if directory is not None and directory.is_dir():
        for marker in directory.glob(f"{name}.*"):
            marker.unlink(missing_ok=True)


def take(name: str) -> bool:
    """True once per armed instance of fault ``name`` (consumed); always False when fault
    injection is off. The caller then fails the way the operation really can."""
    return take_message(name) is not None


def take_message(name: str) -> str | None:
    """``take`` for a fault that fails with a message: the message it was armed with ("" for
    none) once per armed instance, else None."""
    directory = _directory()
    if directory is None or not directory.is_dir():
        return None
    for marker in sorted(directory.glob(f"{name}.*")):
        try:
            message = marker.read_text(encoding="utf-8")
            marker.unlink()
        except FileNotFoundError:
            continue  # another process took this one
        return message
    return None


def pause(name: str) -> None:
    """For a fault armed with a number of seconds as its message: wait that long (at most
    MAX_PAUSE_SECONDS) once per armed instance; otherwise return at once."""
    message = take_message(name)
    if message:
        time.sleep(min(float(message), MAX_PAUSE_SECONDS))
