"""The one field table for ContentNode: per field its parser, its limit (read from the model
field) and its vocabulary. The node values (``nodes/node_values``, for sync and the admin) and the
chef API (``internal/chef_nodes``) both check values here, so a limit or a vocabulary is written
once; each adapter only reads its protocol's shape (sync sends label maps and tag maps, a
chef sends lists) and renders ``InvalidField`` its protocol's way.

Parsers take a raw value and return what the model stores, or raise ``InvalidField`` naming
the field by its sync (model) name; the chef adapter renames the few fields it calls
otherwise (``role``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from le_utils.constants import roles
from le_utils.constants.labels import (
    accessibility_categories,
    learning_activities,
    levels,
    needs,
    resource_type,
    subjects,
)

from contentcuration.errors import Invalid
from contentcuration.limits import INT_MAX, max_length, whole_number
from contentcuration.models import ContentNode, License

from .reference import ReferenceData


class InvalidField(Invalid):
    """A value a node field cannot hold. ``field`` names it; ``message`` says why.

    The adapters that parse several fields catch it to collect every problem of a node; one
    that escapes is mapped like any other ``Invalid`` (``{field: [message]}``).
    """

    field: str

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class TextField:
    """A plain text column; ``limit`` and ``nullable`` come from the model field."""

    name: str
    limit: int = field(init=False)
    nullable: bool = field(init=False)

    def __post_init__(self) -> None:
        # Read once: a field lookup per value cost W1 (1,000 creates) ~20 ms.
        object.__setattr__(self, "limit", max_length(ContentNode, self.name))
        object.__setattr__(self, "nullable", ContentNode._meta.get_field(self.name).null)

    def parse(self, value: Any) -> str | None:
        if value is None:
            return None if self.nullable else ""
        if not isinstance(value, str):
            raise InvalidField(self.name, "Not a valid string.")
        if len(value) > self.limit:
            raise InvalidField(self.name, f"is {len(value)} characters long; at most {self.limit} are allowed")
        return value


TEXT_FIELDS: dict[str, TextField] = {
    name: TextField(name)
    for name in (
        "title",
        "description",
        "license_description",
        "copyright_holder",
        "author",
        "aggregator",
        "provider",
        "source_id",
        "source_domain",
    )
}
# The text fields a Studio client may write (source_* are the chef's).
EDITABLE_TEXT_FIELDS = tuple(n for n in TEXT_FIELDS if not n.startswith("source_"))

# Each label field's le-utils module and its list of ids (the module also names each id).
LABEL_MODULES: dict[str, tuple[Any, list[str]]] = {
    "grade_levels": (levels, levels.LEVELSLIST),
    "resource_types": (resource_type, resource_type.RESOURCETYPELIST),
    "learning_activities": (learning_activities, learning_activities.LEARNINGACTIVITIESLIST),
    "accessibility_labels": (accessibility_categories, accessibility_categories.ACCESSIBILITYCATEGORIESLIST),
    "categories": (subjects, subjects.SUBJECTSLIST),
    "learner_needs": (needs, needs.NEEDSLIST),
}
LABEL_VOCABULARY: dict[str, frozenset[str]] = {name: frozenset(ids) for name, (_, ids) in LABEL_MODULES.items()}
# The learning activity a new resource gets when the client sent none (Studio does the same).
DEFAULT_ACTIVITY = {
    "video": learning_activities.WATCH,
    "audio": learning_activities.LISTEN,
    "document": learning_activities.READ,
    "exercise": learning_activities.PRACTICE,
    "html5": learning_activities.EXPLORE,
    "h5p": learning_activities.EXPLORE,
    "zim": learning_activities.EXPLORE,
    "slideshow": learning_activities.READ,
}
ROLES = frozenset({roles.LEARNER, roles.COACH})


def parse_text(name: str, value: Any) -> str | None:
    return TEXT_FIELDS[name].parse(value)


def parse_kind(value: Any, *, ref: ReferenceData) -> str:
    if value is None:
        raise InvalidField("kind", "This field is required.")
    if not isinstance(value, str) or value not in ref.kinds:
        raise InvalidField("kind", f"unknown kind {value!r}")
    return value


def parse_language(value: Any, *, ref: ReferenceData, field: str = "language") -> str | None:
    if value is not None and (not isinstance(value, str) or value not in ref.languages):
        raise InvalidField(field, f"unknown language {value!r}")
    return value


def parse_license_id(value: Any, *, ref: ReferenceData) -> int | None:
    """A license by id (what Studio sends: a number, or its digits as text)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        value = int(value)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value not in ref.licenses):
        raise InvalidField("license", f"unknown license {value!r}")
    return value


def parse_license_name(value: Any, *, ref: ReferenceData) -> License | None:
    """A license by name, any case (what ricecooker sends: "CC BY-SA")."""
    if value is None:
        return None
    found = ref.licenses_by_name.get(str(value).lower())
    if found is None:
        raise InvalidField("license", f"unknown license {value!r}")
    return found


def parse_role(value: Any) -> str:
    if value not in ROLES:
        raise InvalidField("role_visibility", f"must be one of {', '.join(sorted(ROLES))}")
    return value


def parse_suggested_duration(value: Any) -> int | None:
    if value is None:
        return None
    seconds = whole_number(value)
    if seconds is None:
        raise InvalidField("suggested_duration", f"must be a non-negative number of seconds below {INT_MAX + 1}")
    return seconds


def check_labels(name: str, label_ids: Any) -> None:
    """Raise unless every id is in the vocabulary of label field ``name``."""
    unknown = [v for v in label_ids if not isinstance(v, str) or v not in LABEL_VOCABULARY[name]]
    if unknown:
        raise InvalidField(name, f"unknown label(s) {', '.join(map(repr, unknown))}")
