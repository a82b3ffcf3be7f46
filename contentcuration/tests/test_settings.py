"""Settings come from the environment: DATABASE_URL and REDIS_URL switch backends."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import ImproperlyConfigured


def load_base(monkeypatch, **env):
    for name in ("DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from contentcuration.settings import base

    return importlib.reload(base)


def test_without_environment_the_embedded_defaults_are_used(monkeypatch, tmp_path):
    settings = load_base(monkeypatch, DATA_DIR=str(tmp_path))
    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "db.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert settings.CELERY_BROKER_URL == "filesystem://"
    assert (tmp_path / "broker" / "queue").is_dir()


def test_database_url_switches_to_postgresql_and_redis_url_to_redis(monkeypatch, tmp_path):
    settings = load_base(
        monkeypatch,
        DATA_DIR=str(tmp_path),
        DATABASE_URL="postgres://u:p@db.example:5433/curation",
        REDIS_URL="redis://cache.example:6379/2",
    )
    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.example", 5433, "curation")
    assert settings.CELERY_BROKER_URL == "redis://cache.example:6379/2"
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


def test_a_sqlite_database_url_picks_another_file_with_the_same_options(monkeypatch, tmp_path):
    settings = load_base(monkeypatch, DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/other.sqlite3")
    database = settings.DATABASES["default"]
    assert database["NAME"] == f"{tmp_path}/other.sqlite3"
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_an_unsupported_database_is_refused(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL or SQLite"):
        load_base(monkeypatch, DATA_DIR=str(tmp_path), DATABASE_URL="mysql://u:p@h/db")


def test_production_settings_pass_the_deploy_checks(tmp_path):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contentcuration.settings.production",
        "SECRET_KEY": "x" * 20 + "y7#Kq2!zP0mW9@vB4^nR6&tL1*eJ8$hF3",
        "DATA_DIR": str(tmp_path),
    }
    env.pop("DEBUG", None)
    env.pop("HTTPS", None)  # the test settings set it off for this process
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout
