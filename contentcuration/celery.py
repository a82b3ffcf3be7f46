"""The Celery application. Workers receive ids, never request objects.

Without DJANGO_SETTINGS_MODULE a worker runs settings.production (which needs SECRET_KEY);
manage.py sets settings.dev first, so ``make run``'s worker (started by ``manage.py serve``,
inheriting the variable) and ``make worker`` run development settings.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contentcuration.settings.production")

app = Celery("contentcuration")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Task modules: contentcuration/tasks.py and contentcuration/publish/tasks.py.
app.autodiscover_tasks(["contentcuration", "contentcuration.publish"])
