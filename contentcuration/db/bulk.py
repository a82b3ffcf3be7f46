"""Bulk writes on PostgreSQL without Django's per-value preparation; Django's bulk methods
elsewhere.

Inserts of rows whose primary keys are already chosen (nodes, files) go through
``COPY ... FROM STDIN``: 10,000 nodes in about 0.6 s where ``bulk_create`` takes 2.4 s, most
of it in Django preparing 440,000 values one by one (benchmarks/tree.py). Rows that need
their generated key back use ``execute_values ... RETURNING``. Updates with per-row values
are one ``UPDATE ... FROM (VALUES ...)`` instead of a CASE per column, on SQLite too (3.33+),
where Django's ``bulk_update`` spent ~0.9 ms per row building its CASE expressions (a sync
request of 100 edits: 88 of its 170 ms).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections

from .locks import is_postgresql

VALUES_BATCH = 5000
# Values psycopg2 adapts exactly as Django's get_db_prep_save would return them for
# non-JSON columns; skipping that call saves ~5 us per column per row.
PLAIN = frozenset({str, int, float, bool, type(None), datetime.datetime})


def update_tree_columns(model, rows: Sequence[tuple[str, str | None, int, int, int, int]]) -> None:
    """Set (parent_id, tree_id, lft, rght, level) of the ``model`` rows (nodes) given as
    ``(id, parent_id, tree_id, lft, rght, level)`` tuples.

    The model is an argument, like ``update_fields``'s: db/ sits below models/ and imports none.
    """
    if not rows:
        return
    if not is_postgresql():
        columns = ["parent_id", "tree_id", "lft", "rght", "level"]
        _update_from_values(model._meta.db_table, "id", columns, [list(row) for row in rows])
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(rows), VALUES_BATCH):
            chunk = rows[start : start + VALUES_BATCH]
            placeholders = ", ".join(["(%s, %s, %s::integer, %s::integer, %s::integer, %s::integer)"] * len(chunk))
            params = [value for row in chunk for value in row]
            cursor.execute(
                f'UPDATE "{table}" AS n SET parent_id = v.parent_id, tree_id = v.tree_id, lft = v.lft, '
                f"rght = v.rght, level = v.level FROM (VALUES {placeholders}) "
                "AS v(id, parent_id, tree_id, lft, rght, level) WHERE n.id = v.id",
                params,
            )


def update_fields(model, objs: Sequence, fields: Sequence[str]) -> None:
    """Write ``fields`` (names or attnames) of every object in ``objs`` by primary key.

    PostgreSQL: one ``UPDATE ... FROM (VALUES ...)`` per VALUES_BATCH rows, a join instead
    of Django's CASE-per-column (benchmarks/sync.py: 1,000 title updates went from ~4 s to
    well under a second). SQLite: the same join (``_update_from_values``).
    """
    if not objs:
        return
    opts = model._meta
    pk = opts.pk
    columns = [opts.get_field(name) for name in fields]
    if not is_postgresql():
        rows = [
            [pk.get_db_prep_save(obj.pk, connection)]
            + [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns]
            for obj in objs
        ]
        _update_from_values(opts.db_table, pk.column, [f.column for f in columns], rows)
        return
    types = [pk.cast_db_type(connection)] + [f.cast_db_type(connection) for f in columns]
    row_placeholder = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
    names = ", ".join(f'"{f.column}"' for f in [pk, *columns])
    sets = ", ".join(f'"{f.column}" = v."{f.column}"' for f in columns)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), VALUES_BATCH):
            chunk = objs[start : start + VALUES_BATCH]
            params: list = []
            for obj in chunk:
                params.append(pk.get_db_prep_save(obj.pk, connection))
                params.extend(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns)
            cursor.execute(
                f'UPDATE "{opts.db_table}" AS t SET {sets} FROM (VALUES {", ".join([row_placeholder] * len(chunk))}) '
                f'AS v({names}) WHERE t."{pk.column}" = v."{pk.column}"',
                params,
            )


def _update_from_values(table: str, pk_column: str, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """SQLite: ``UPDATE table SET col = v.columnN FROM (VALUES (pk, ...), ...) AS v`` for rows of
    values already prepared for the database, as many rows per statement as its parameter limit
    allows. SQLite names a VALUES table's columns ``column1``, ``column2``, ...: the key is
    ``column1``."""
    if not rows:
        return
    width = 1 + len(columns)
    per_statement = max(1, connection.features.max_query_params // width)
    sets = ", ".join(f'"{column}" = v.column{i}' for i, column in enumerate(columns, start=2))
    row_placeholder = "(" + ", ".join(["%s"] * width) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(
                f'UPDATE "{table}" SET {sets} FROM (VALUES {", ".join([row_placeholder] * len(chunk))}) AS v '
                f'WHERE "{table}"."{pk_column}" = v.column1',
                [value for row in chunk for value in row],
            )


def insert_objects(model, objs: Sequence, *, batch_size: int = 2000) -> None:
    """INSERT unsaved ``objs``; sets the primary key of auto-pk models.

    PostgreSQL: psycopg2's ``execute_values`` with values prepared field by field. Django's
    ``bulk_create`` spends ~10 µs per field per row in its generic preparation (pre_save,
    expressions); for 1,000 nodes x 45 columns that was most of a 1,000-node create
    (benchmarks/sync.py). Model defaults were already applied when the objects were built;
    fields with ``auto_now`` / ``auto_now_add`` are not supported here. Elsewhere:
    ``bulk_create``.
    """
    if not objs:
        return
    if not is_postgresql():
        model.objects.bulk_create(objs, batch_size=batch_size)
        return
    from psycopg2.extras import execute_values

    opts = model._meta
    auto_pk = opts.pk.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField")
    if not auto_pk and _copy_objects(model, objs):
        return
    fields = [f for f in opts.concrete_fields if not (auto_pk and f.primary_key)]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    kinds = [(f, f.get_internal_type() == "JSONField") for f in fields]
    returning = f' RETURNING "{opts.pk.column}"' if auto_pk else ""
    sql = f'INSERT INTO "{opts.db_table}" ({columns}) VALUES %s{returning}'
    conn = connections[DEFAULT_DB_ALIAS]  # resolved once: the `connection` proxy costs per access
    with conn.cursor() as cursor:
        raw = cursor.cursor  # the psycopg2 cursor under Django's wrapper
        for start in range(0, len(objs), batch_size):
            chunk = objs[start : start + batch_size]
            rows = [
                tuple(
                    value if (type(value) in PLAIN and not is_json) else field.get_db_prep_save(value, conn)
                    for field, is_json in kinds
                    for value in (getattr(obj, field.attname),)
                )
                for obj in chunk
            ]
            result = execute_values(raw, sql, rows, page_size=len(rows), fetch=auto_pk)
            if auto_pk:
                for obj, (pk,) in zip(chunk, result, strict=True):
                    obj.pk = pk
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


NULL_MARKER = "\\N"


def _copy_objects(model, objs: Sequence) -> bool:
    """COPY ``objs`` in as CSV; False (nothing written) when a value is one COPY would
    misread (a string equal to the NULL marker) or is not plain data."""
    fields = list(model._meta.concrete_fields)
    is_json = [f.get_internal_type() == "JSONField" for f in fields]
    attnames = [f.attname for f in fields]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for obj in objs:
        values = obj.__dict__
        row = []
        for attname, json_field in zip(attnames, is_json, strict=True):
            value = values.get(attname)
            if value is None:
                row.append(NULL_MARKER)
            elif json_field:
                row.append(json.dumps(value))
            elif type(value) not in PLAIN or value == NULL_MARKER:
                return False
            else:
                row.append(value)
        writer.writerow(row)
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) "
            f"FROM STDIN WITH (FORMAT csv, NULL '{NULL_MARKER}')",
            buffer,
        )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return True


def insert_rows(model, rows: Sequence[dict]) -> list:
    """INSERT rows given as ``{attname: value}`` dicts, without building model instances
    (``Model.__init__`` costs ~25 us a row, more for mptt models); see ``insert_objects``.

    A field missing from a row takes its default (computed per row, so pass complete rows
    where speed matters). Returns the primary keys, in order (the generated ones for an
    auto-increment key).
    """

    class _Row:
        __slots__ = ("__dict__",)

    opts = model._meta
    auto_pk = opts.pk.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField")
    fields = [f for f in opts.concrete_fields if not (auto_pk and f.primary_key)]
    objs = []
    for row in rows:
        obj = _Row()
        values = obj.__dict__
        values.update(row)
        for field in fields:
            if field.attname not in values:
                values[field.attname] = field.get_default()
        values["_state"] = _RowState()
        objs.append(obj)
    pk_name = opts.pk.attname
    if not is_postgresql():
        instances = [model(**{k: v for k, v in o.__dict__.items() if k != "_state"}) for o in objs]
        model.objects.bulk_create(instances)
        return [instance.pk for instance in instances]
    insert_objects(model, objs)
    # insert_objects sets ``.pk`` on objects of auto-increment models.
    return [o.__dict__.get("pk", o.__dict__.get(pk_name)) for o in objs]


class _RowState:
    adding = True
    db = None


def copy_values(model, fields: Sequence[str], rows: Sequence[tuple]) -> None:
    """INSERT plain ``rows`` (tuples of str/int/None) into ``fields`` (attnames) of
    ``model``; the other columns take their database defaults (not Django's ``default``).

    PostgreSQL: one ``COPY ... FROM STDIN`` (100,000 PublishedObject rows: see
    publish/versions.py); elsewhere one ``executemany`` INSERT (bulk_create built a model
    instance per row: 20,000 manifest rows took 7 s on SQLite, benchmarks/publish_progress.py).
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in fields)
    if not is_postgresql():
        placeholders = ", ".join(["%s"] * len(fields))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)
        return
    buffer = io.StringIO()
    # Strings quoted, so that COPY reads "" as an empty string and only None as NULL.
    csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC).writerows(rows)
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
