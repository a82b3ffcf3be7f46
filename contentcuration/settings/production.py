"""Production: DEBUG off, HTTPS on, SECRET_KEY required from the environment.

There is no fallback secret: sessions, password-reset and activation links are signed with
it, so a key anyone can read (a default in a compose file, a README) lets anyone forge them.
Settings refuse to load, and every process (gunicorn, celery, manage.py) refuses to start,
until the operator sets a long random one.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY

# Keys that were ever published with this project: never acceptable, whatever their length.
PUBLIC_SECRET_KEYS = {
    "change-me-change-me-change-me-change-me-change-me-0000",  # the old docker-compose.yml default
    "dev-only-secret-key-not-for-production",
    "test-secret-key",
}
SECRET_KEY_HELP = (
    "Set the SECRET_KEY environment variable to at least 50 random characters, e.g. the output of "
    'python -c "import secrets; print(secrets.token_urlsafe(50))", and keep it the same across '
    "restarts and for every web and worker process."
)


def check_secret_key(key: str) -> None:
    """Refuse what Django's own deploy check would warn about (W009), and known public keys."""
    if not key:
        raise ImproperlyConfigured(f"SECRET_KEY is not set. {SECRET_KEY_HELP}")
    if key in PUBLIC_SECRET_KEYS:
        raise ImproperlyConfigured(f"SECRET_KEY is a publicly known value. {SECRET_KEY_HELP}")
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-"):
        raise ImproperlyConfigured(f"SECRET_KEY is too short or not random enough. {SECRET_KEY_HELP}")


check_secret_key(SECRET_KEY)
# Faults are armed by tests only; whatever settings module this one imports, never here.
FAULT_INJECTION_DIR = None
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
