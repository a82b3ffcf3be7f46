"""The content-curation server: channels, their trees, sync, publish and the chef API."""

from .celery import app as celery_app

__all__ = ["celery_app"]
