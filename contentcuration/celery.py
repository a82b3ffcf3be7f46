"""The Celery application. Workers receive ids, never request objects."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contentcuration.settings.dev")

app = Celery("contentcuration")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Task modules: contentcuration/tasks.py and contentcuration/publish/tasks.py.
app.autodiscover_tasks(["contentcuration", "contentcuration.publish"])
