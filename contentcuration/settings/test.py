"""Tests: same code paths as production, with fast password hashing and an isolated data dir."""

import os
import tempfile

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="cc-test-"))

# The Python suite does not need `npm run build`: a minimal shell stands in for the build
# (the browser tests, frontend/tests/e2e, run against the real one).
_shell_dir = os.path.join(os.environ["DATA_DIR"], "frontend-dist")
os.makedirs(_shell_dir, exist_ok=True)
with open(os.path.join(_shell_dir, "index.html"), "w", encoding="utf-8") as _shell:
    _shell.write('<!doctype html><html lang="en"><head><!--bootstrap--></head><body><div id="app"></div></body></html>')
os.environ["FRONTEND_DIST"] = _shell_dir

from .base import *  # noqa: E402,F403

SECRET_KEY = "test-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
DEFAULT_USER_DISK_SPACE = 500 * 1024 * 1024

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory: a live server thread and a Celery worker must see the same database.
    DATABASES["default"]["TEST"]["NAME"] = str(DATA_DIR / "test.sqlite3")  # noqa: F405

# Django's live server serves MEDIA_URL straight from disk, which would hide the /content/
# views (headers, ranges) that ricecooker and the file tests exercise.
MEDIA_URL = "/test-media-not-served/"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns about a missing one

# Off by default: every test client shares one address and the counts would carry over from
# test to test (and, in Redis, from run to run). test_access_throttling turns them on.
AUTH_THROTTLE_RATES = {scope: "" for scope in AUTH_THROTTLE_RATES}  # noqa: F405

# Tests run the job sweep themselves (jobs.sweep_jobs); a worker process a test starts sets its own.
JOB_SWEEP_SECONDS = int(os.environ.get("JOB_SWEEP_SECONDS", "0"))

# Browser and API tests arm one-shot failures here (contentcuration/faults.py).
FAULT_INJECTION_DIR = DATA_DIR / "faults"  # noqa: F405
