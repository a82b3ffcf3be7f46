"""Personas and shared fixtures. Every test runs against a real database."""

from __future__ import annotations

import pytest
from django.db import connection

from contentcuration.tests.factories import UserFactory, make_channel


@pytest.fixture
def client():
    """pytest-django's ``client``, but enforcing CSRF like a browser (sync_helpers.browser_client):
    a test that logs it in writes through the real CSRF path."""
    from contentcuration.tests.sync_helpers import browser_client

    return browser_client()


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@example.com")


@pytest.fixture
def channel(owner):
    return make_channel(owner=owner, name="Owned channel")


@pytest.fixture
def editor(channel):
    user = UserFactory(email="editor@example.com")
    channel.editors.add(user)
    return user


@pytest.fixture
def viewer(channel):
    user = UserFactory(email="viewer@example.com")
    channel.viewers.add(user)
    return user


@pytest.fixture
def stranger(db):
    return UserFactory(email="stranger@example.com")


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@example.com", is_admin=True, is_staff=True)


@pytest.fixture
def root(channel):
    return channel.main_tree


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("postgresql") and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return "transactional_db" in item.fixturenames or bool(marker is not None and marker.kwargs.get("transaction"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Transactional tests flush every table at teardown, including the le-utils constants
    the data migration loaded. Put them back right after the flush (every fixture is torn
    down by then), so the next test of either kind, in any order, finds them. Not
    ``serialized_rollback``: restoring the serialized rows collides with the content types
    Django's flush re-creates under new ids, depending on which test ran before."""
    yield
    if nextitem is not None and _is_transactional(item):  # after the last test the database is gone
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _ensure_constants()


def _ensure_constants() -> None:
    from contentcuration.models import ContentKind
    from contentcuration.reference_loading import load_constants

    if not ContentKind.objects.exists():
        load_constants()


@pytest.fixture
def isolated_storage(settings, tmp_path):
    """An empty local storage of the test's own: the live-server tests serve from it."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media), "base_url": settings.MEDIA_URL},
        },
    }
    return media


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker (solo pool, in a thread) over the configured broker, for one
    test module; its tests use the transactional database so the worker sees their rows."""
    from celery.contrib.testing.worker import start_worker

    from contentcuration.celery import app

    app.loader.import_task_module("celery.contrib.testing.tasks")
    # Messages an earlier module left in the broker (jobs sent with no worker running, or held
    # by a worker a test killed) would run first and delay the start-up ping past its timeout.
    app.control.purge()
    with django_db_blocker.unblock():
        with start_worker(
            app, pool="solo", perform_ping_check=True, ping_task_timeout=30, shutdown_timeout=10
        ) as worker:
            yield worker


@pytest.fixture(scope="session")
def kolibri_venv():
    """A virtualenv with real Kolibri 0.19.5 (built once, cached in .venv-kolibri/)."""
    import subprocess

    from contentcuration.tests.test_publish_kolibri import KOLIBRI_VERSION, VENV, kolibri_python

    try:
        return kolibri_python()
    except subprocess.CalledProcessError as exc:  # pragma: no cover - reported, not hidden
        pytest.fail(f"could not install kolibri=={KOLIBRI_VERSION} into {VENV}: {exc}")
