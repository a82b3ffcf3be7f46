"""The browser tests' live server (frontend/tests/e2e/global-setup.ts starts it with a real
Celery worker): production code paths over plain HTTP, accounts that need e-mail activation,
and e-mails written as files to ``E2E_MAIL_DIR`` for the tests to read."""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("HTTPS", "0")

from .base import *  # noqa: E402,F403

SECRET_KEY = "e2e-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REQUIRE_EMAIL_ACTIVATION = True
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["E2E_MAIL_DIR"]
# The built app is served from frontend/dist as it is, without collectstatic.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Browser and API tests arm one-shot failures here (contentcuration/faults.py).
FAULT_INJECTION_DIR = DATA_DIR / "faults"  # noqa: F405
