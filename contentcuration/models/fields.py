"""Field types shared by the models."""

from __future__ import annotations

import re
import uuid

from django.core.exceptions import ValidationError
from django.db import models

HEX_ID_RE = re.compile(r"[0-9a-f]{32}")


def new_hex_id() -> str:
    """A fresh 32-character lower-case hex id (a UUID4 without dashes)."""
    return uuid.uuid4().hex


def is_hex_id(value: object) -> bool:
    return isinstance(value, str) and bool(HEX_ID_RE.fullmatch(value))


def validate_hex_id(value: object) -> None:
    if not is_hex_id(value):
        raise ValidationError("%(value)r is not a 32-character lower-case hex id.", params={"value": value})


class HexIdField(models.CharField):
    """A UUID stored as 32 lower-case hex characters, the form clients send and receive.

    A native UUID column was rejected: clients choose ids, compare them as strings and the
    wire format never has dashes, so storing the exact string avoids a conversion on every
    read and write, and behaves the same on SQLite and PostgreSQL.
    """

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = 32
        kwargs.setdefault("validators", [validate_hex_id])
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        if kwargs.get("validators") == [validate_hex_id]:
            kwargs.pop("validators")
        return name, path, args, kwargs

    def db_type(self, connection):
        # The same type as varchar(32), spelled so that Django's PostgreSQL schema editor does
        # not add a second varchar_pattern_ops ("_like") index to every indexed id column: those
        # doubled the index count of the node table and the cost of every renumbering UPDATE
        # (benchmarks/tree.py). Ids are never searched by prefix.
        if connection.vendor == "postgresql":
            return "character varying(32)"
        return super().db_type(connection)

    def to_python(self, value):
        if isinstance(value, uuid.UUID):
            return value.hex
        return super().to_python(value)

    def get_prep_value(self, value):
        if isinstance(value, uuid.UUID):
            return value.hex
        return super().get_prep_value(value)
