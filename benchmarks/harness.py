"""Shared set-up for the benchmark scripts: a throwaway database, Django configured, timing.

Each script calls ``setup_django("bench_<name>")`` first. With ``DATABASE_URL`` pointing at
PostgreSQL, a database of that name is (re)created on the same server; without it, a fresh
SQLite file in a temporary directory is used. The figures the issues target are PostgreSQL's.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent


def _postgres_admin(statements: list[str]) -> None:
    import psycopg2

    parsed = urlparse(os.environ["DATABASE_URL"])
    admin = psycopg2.connect(urlunparse(parsed._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    admin.close()


def setup_django(database_name: str) -> str:
    """Point Django at a brand-new database called ``database_name``; returns the vendor.

    Sets ``DATABASE_URL`` in the environment, so child processes use the same database.
    """
    # BENCH_DATABASE overrides the name, so parallel checkouts on one server do not collide.
    database_name = os.environ.get("BENCH_DATABASE") or database_name
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contentcuration.settings.test")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        _postgres_admin(
            [f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)', f'CREATE DATABASE "{database_name}"']
        )
        os.environ["DATABASE_URL"] = urlunparse(urlparse(url)._replace(path=f"/{database_name}"))
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/{database_name}.sqlite3"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor


@contextmanager
def throwaway_database(database_name: str) -> Iterator[str]:
    """``setup_django`` for the duration of a block, then drop the database (PostgreSQL)."""
    vendor = setup_django(database_name)
    try:
        yield vendor
    finally:
        drop_database(database_name, vendor)


def drop_database(database_name: str, vendor: str) -> None:
    """Close Django's connections and drop the benchmark database (PostgreSQL; a SQLite
    file is left in its temporary directory)."""
    database_name = os.environ.get("BENCH_DATABASE") or database_name
    from django.db import connections

    connections.close_all()
    if vendor == "postgresql":
        _postgres_admin([f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)'])


def median_seconds(run: Callable[[], object], *, repeat: int = 3, prepare: Callable[[], object] | None = None) -> float:
    """Median wall time of ``run()`` over ``repeat`` runs, each after an untimed ``prepare()``."""
    timings = []
    for _ in range(repeat):
        if prepare is not None:
            prepare()
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def report(label: str, seconds: float, target: float | None = None, unit: str = "s") -> None:
    verdict = ""
    if target is not None:
        verdict = f"  (target <= {target} {unit}: {'met' if seconds <= target else 'MISSED'})"
    print(f"{label:<55} {seconds:8.3f} {unit}{verdict}", flush=True)


def settle() -> None:
    """VACUUM ANALYZE after building fixtures, as autovacuum would have done to a real tree
    by the time a curator edits it: freshly bulk-inserted rows otherwise pay for hint bits
    and have no planner statistics, which triples the first renumbering UPDATE."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
