"""Local development (``manage.py`` and ``make run``): DEBUG on, a fixed secret key, plain
HTTP, and ``manage.py setup`` creates the admin a@a.com / a and the demo channel.

Only manage.py defaults to this module; wsgi.py and celery.py default to settings.production,
so a server started without DJANGO_SETTINGS_MODULE never runs with DEBUG on.
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("SETUP_DEMO_CHANNEL", "1")

from .base import *  # noqa: E402,F403

SECRET_KEY = SECRET_KEY or "dev-only-secret-key-not-for-production"  # noqa: F405
SETUP_ADMIN_EMAIL = SETUP_ADMIN_EMAIL or "a@a.com"  # noqa: F405
SETUP_ADMIN_PASSWORD = SETUP_ADMIN_PASSWORD or "a"  # noqa: F405
