"""The WSGI application (gunicorn contentcuration.wsgi).

Without DJANGO_SETTINGS_MODULE it runs settings.production, never settings.dev: a server
started without the variable must not serve with DEBUG on and a public secret key. Production
settings refuse to start until SECRET_KEY is set.
"""

import os

# Before any import of the contentcuration package, whose celery.py sets the same default.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contentcuration.settings.production")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
