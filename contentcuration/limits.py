"""What a request may carry: the shape limits every entry point applies to client JSON.

Field lengths live on the models (``max_length``; read them with ``max_length``) and the
body size in ``settings.DATA_UPLOAD_MAX_MEMORY_SIZE``; this module holds what neither can
express: how deep JSON may nest, which integers a column holds, and the check that a parsed
value can be stored at all (PostgreSQL refuses NUL in text and jsonb; Python's recursion
limit is ~1,000 frames, and copying or storing a deep value takes several per level).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models

# Studio's deepest legitimate JSON (Perseus items inside assessment raw_data, which arrive
# as strings) nests about 12 levels; what we parse as objects nests 6 at most.
MAX_JSON_DEPTH = 64
INT_MAX = 2**31 - 1  # IntegerField on PostgreSQL
BIGINT_MAX = 2**63 - 1  # BigIntegerField
_PATH_SHOWN = 8  # path components shown in a message about a deep value


class InvalidJSON(ValueError):
    """Client JSON that cannot be accepted; ``path`` names where (``changes[0].mods.title``)."""

    def __init__(self, message: str, *, path: str = ""):
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path


def max_length(model: type[models.Model], field: str) -> int:
    """The ``max_length`` of a model field: the one place a text limit is written."""
    limit = model._meta.get_field(field).max_length
    assert limit is not None, f"{model.__name__}.{field} has no max_length"
    return limit


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _shown(path: str) -> str:
    parts = path.split(".")
    return path if len(parts) <= _PATH_SHOWN else ".".join(parts[:_PATH_SHOWN]) + ".…"


def check_json(value: Any, *, path: str = "", max_depth: int = MAX_JSON_DEPTH, allow_nul: bool = False) -> None:
    """Raise InvalidJSON naming the first place where ``value`` nests deeper than
    ``max_depth`` or a string (key or value) holds a NUL character. Iterative, so it is
    safe on any value the parser produced. ``allow_nul`` leaves NUL to a later, per-field
    check (Django forms refuse it naming the field)."""
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item and not allow_nul:
                raise InvalidJSON("NUL characters (\\u0000) are not allowed.", path=where)
        elif isinstance(item, (dict, list)):
            if depth >= max_depth:
                raise InvalidJSON(f"nested deeper than {max_depth} levels.", path=_shown(where))
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str) and "\x00" in key and not allow_nul:
                    raise InvalidJSON("NUL characters (\\u0000) are not allowed in keys.", path=where)
                stack.append((child, _join(where, key), depth + 1))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def load_json(text: str | bytes, *, path: str = "", max_depth: int = MAX_JSON_DEPTH, allow_nul: bool = False) -> Any:
    """``json.loads`` plus ``check_json``. Raises InvalidJSON (a ValueError) for text that is
    not JSON (``NaN`` and ``Infinity`` included: jsonb refuses them), nests too deeply
    (Python's parser raises RecursionError near 1,000 levels) or holds NUL characters."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise InvalidJSON(f"nested deeper than {max_depth} levels.", path=path) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJSON(f"not valid JSON ({exc}).", path=path) from None
    check_json(value, path=path, max_depth=max_depth, allow_nul=allow_nul)
    return value


def is_int_in(value: Any, low: int, high: int) -> bool:
    """An int (not a bool) with ``low <= value <= high``."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def whole_number(value: Any, *, low: int = 0, high: int = INT_MAX) -> int | None:
    """``value`` (an int, or a finite float) as an int within [low, high], else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        value = int(value)
    return value if low <= value <= high else None


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact JSON (what a jsonb column and the change feed hold)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def tag_name_problem(name: Any) -> str | None:
    """Why ``name`` cannot be a tag name, or None."""
    from contentcuration.models import MAX_TAG_LENGTH

    if not isinstance(name, str) or not name.strip():
        return "Tag names must be non-empty text."
    if len(name) > MAX_TAG_LENGTH:
        return f"tag {name!r} is longer than {MAX_TAG_LENGTH} characters"
    return None


def tags_problem(names: list[str]) -> str | None:
    """Why this list of tag names (to add to one node) is not acceptable, or None."""
    from contentcuration.models import MAX_TAGS_PER_NODE

    if len(names) > MAX_TAGS_PER_NODE:
        return f"A node can have at most {MAX_TAGS_PER_NODE} tags."
    return next((p for p in map(tag_name_problem, names) if p), None)


def extra_fields_problem(value: Any) -> str | None:
    from contentcuration.models import EXTRA_FIELDS_MAX_BYTES

    if not value:  # the common {} of a new node: nothing to measure
        return None
    if json_size(value) > EXTRA_FIELDS_MAX_BYTES:
        return f"extra_fields is larger than {EXTRA_FIELDS_MAX_BYTES} bytes as JSON."
    return None


# An inline thumbnail (thumbnail_encoding.base64) is an image data URI and nothing else: the
# browser puts it in an <img src>, so a "javascript:" or remote URL must never get there.
INLINE_THUMBNAIL_PREFIXES = tuple(f"data:image/{kind};base64," for kind in ("png", "jpeg", "jpg", "gif", "webp"))
# A base64 data URI of thumbnails.MAX_THUMBNAIL_BYTES, with room for the other keys.
THUMBNAIL_ENCODING_MAX_BYTES = 3 * 1024 * 1024


def thumbnail_encoding_problem(value: Any) -> str | None:
    """Why a thumbnail_encoding dict cannot be stored, or None."""
    if not isinstance(value, dict):
        return None
    uri = value.get("base64")
    if uri not in (None, "") and (not isinstance(uri, str) or not uri.startswith(INLINE_THUMBNAIL_PREFIXES)):
        return "base64 must be a data:image/png, jpeg, gif or webp URI."
    if json_size(value) > THUMBNAIL_ENCODING_MAX_BYTES:
        return f"thumbnail_encoding is larger than {THUMBNAIL_ENCODING_MAX_BYTES} bytes as JSON."
    return None


def thumbnail_name_problem(name: Any) -> str | None:
    """A channel's ``thumbnail`` names a stored object as ``<md5>.<ext>`` (what uploads
    answer), or is empty; a path, a URL or a ``javascript:`` string is refused."""
    from contentcuration.storage import OBJECT_NAME_RE

    if name is None or name == "":
        return None
    if not isinstance(name, str) or not OBJECT_NAME_RE.fullmatch(name):
        return "The thumbnail must be the '<md5>.<ext>' name of an uploaded image."
    return None
