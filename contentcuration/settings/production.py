"""Production: DEBUG off, HTTPS on, SECRET_KEY required from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to at least 50 random characters")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
