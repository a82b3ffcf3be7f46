"""Local development: DEBUG on, a fixed secret key, plain HTTP."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("HTTPS", "0")

from .base import *  # noqa: E402,F403

SECRET_KEY = SECRET_KEY or "dev-only-secret-key-not-for-production"  # noqa: F405
