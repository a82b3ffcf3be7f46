"""OpenAPI description of the sync protocol (spec section 2): the envelope, the six-key
answer, and one schema per accepted (table, change type) pair.

The pairs come from the handler registry (``handlers.HANDLERS``), so a handler added there
without a description here fails ``test_api_schema`` instead of going undocumented. This
module only describes; it never validates a change (the handlers do, naming the field).

``add_change_schemas`` is a drf-spectacular postprocessing hook (settings
``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``) that appends the components.
"""

from __future__ import annotations

from typing import Any

from contentcuration.models import LABEL_FIELDS
from contentcuration.models import change_types as c
from contentcuration.models.assessment import QUESTION_TYPES

from .handlers import HANDLERS

Schema = dict[str, Any]

TYPE_NAMES = {
    c.CREATED: "CREATED",
    c.UPDATED: "UPDATED",
    c.DELETED: "DELETED",
    c.MOVED: "MOVED",
    c.COPIED: "COPIED",
    c.PUBLISHED: "PUBLISHED",
    c.SYNCED: "SYNCED",
    c.DEPLOYED: "DEPLOYED",
    c.UPDATED_DESCENDANTS: "UPDATED_DESCENDANTS",
    c.PUBLISHED_NEXT: "PUBLISHED_NEXT",
    c.ADDED_TO_COMMUNITY_LIBRARY: "ADDED_TO_COMMUNITY_LIBRARY",
}

# Example ids, fixed so the generated schema is stable.
CHANNEL = "0c1a1b1c1d1e4f10a1b2c3d4e5f60718"
NODE = "4f3e2d1c0b0a49f8a7b6c5d4e3f2a1b0"
PARENT = "9a8b7c6d5e4f43a2b1c0d9e8f7a6b5c4"
OTHER = "1b2c3d4e5f6a47b8c9d0e1f2a3b4c5d6"
FILE = "7e6d5c4b3a2940f1e0d9c8b7a6f5e4d3"
ITEM = "a0b1c2d3e4f5461789a0b1c2d3e4f5a6"
SET = "5c5d5e5f60614263a4b5c6d7e8f90a1b"
SEARCH = "2d3e4f5a6b7c4d8e9f0a1b2c3d4e5f6a"
INVITE = "3e4f5a6b7c8d4e9fa0b1c2d3e4f5a6b7"
USER_ID = 7

HEX = {
    "type": "string",
    "pattern": "^[0-9a-f]{32}$",
    "description": "32 lower-case hex characters (a uuid4 without dashes).",
}
PAIR = {"type": "array", "minItems": 2, "maxItems": 2}


def _pair(first: str, second: str, first_schema: Schema = HEX) -> Schema:
    return {**PAIR, "items": {"anyOf": [first_schema, HEX]}, "description": f"`[{first}, {second}]`"}


KEYS: dict[str, Schema] = {
    c.CHANNEL: {**HEX, "description": "The channel id (also the change's `channel_id`)."},
    c.CONTENTNODE: {**HEX, "description": "The node id (`id`, not `node_id`)."},
    c.ASSESSMENTITEM: _pair("contentnode_id", "assessment_id"),
    c.CONTENTNODE_PREREQUISITE: _pair("target_node_id", "prerequisite_id"),
    c.FILE: {**HEX, "description": "The file id, from the upload_url answer."},
    c.BOOKMARK: {**HEX, "description": "The bookmarked channel's id."},
    c.CLIPBOARD: {**HEX, "description": "The id of the node in the user's clipboard tree."},
    c.CHANNELSET: HEX,
    c.SAVEDSEARCH: HEX,
    c.INVITATION: HEX,
    c.EDITOR_M2M: _pair("user_id", "channel_id", {"type": "integer"}),
    c.VIEWER_M2M: _pair("user_id", "channel_id", {"type": "integer"}),
}

# Who a change belongs to (spec 2.4): channel changes need `channel_id` (a channel you edit,
# or the one this batch creates); user changes carry your own `user_id` and no channel_id.
USER_TABLES = frozenset({c.BOOKMARK, c.CLIPBOARD, c.CHANNELSET, c.SAVEDSEARCH})

TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": "string", "nullable": True}
FLAG_MAP = {"type": "object", "additionalProperties": {"type": "boolean"}, "description": "`{id: true}`"}
NODE_FIELDS: Schema = {
    "title": {"type": "string", "maxLength": 200},
    "description": TEXT,
    "kind": {
        "type": "string",
        "enum": ["topic", "video", "audio", "document", "exercise", "html5", "slideshow", "h5p", "zim"],
    },
    "language": {**NULLABLE_TEXT, "description": "A language id such as `en` or `fr`."},
    "license": {
        "type": "integer",
        "nullable": True,
        "description": "A License id (1 = CC BY, ..., 9 = Special Permissions).",
    },
    "license_description": NULLABLE_TEXT,
    "copyright_holder": NULLABLE_TEXT,
    "author": TEXT,
    "aggregator": TEXT,
    "provider": TEXT,
    "role_visibility": {"type": "string", "enum": ["learner", "coach"]},
    "extra_fields": {
        "type": "object",
        "additionalProperties": True,
        "description": "`randomize`, `options` (`completion_criteria` {model, threshold}, `modality`), ...",
    },
    "thumbnail_encoding": {"type": "object", "nullable": True, "additionalProperties": True},
    "tags": {"type": "object", "additionalProperties": {"type": "boolean"}, "description": "`{tag name: true}`"},
    "suggested_duration": {"type": "integer", "nullable": True, "description": "Seconds."},
    "complete": {"type": "boolean", "nullable": True, "description": "Ignored: the server decides."},
    **{name: {**FLAG_MAP, "description": "`{label id: true}` (le-utils labels)."} for name in LABEL_FIELDS},
}
CHANNEL_FIELDS: Schema = {
    "name": {"type": "string", "maxLength": 200},
    "description": {"type": "string", "maxLength": 400},
    "language": NULLABLE_TEXT,
    "thumbnail": NULLABLE_TEXT,
    "thumbnail_encoding": {"type": "object", "nullable": True, "additionalProperties": True},
    "content_defaults": {
        "type": "object",
        "additionalProperties": True,
        "description": "Defaults for new nodes: `author`, `license` (name), `copyright_holder`, ...",
    },
    "source_domain": NULLABLE_TEXT,
}
ITEM_FIELDS: Schema = {
    "type": {
        "type": "string",
        "enum": sorted(QUESTION_TYPES),
    },
    "question": TEXT,
    "answers": {"type": "string", "description": 'A JSON-encoded array of `{"answer", "correct", "order"}`.'},
    "hints": {"type": "string", "description": 'A JSON-encoded array of `{"hint", "order"}`.'},
    "order": {"type": "integer"},
    "raw_data": TEXT,
    "source_url": NULLABLE_TEXT,
    "randomize": {"type": "boolean"},
}
CHANNELSET_FIELDS: Schema = {
    "name": {"type": "string", "maxLength": 200},
    "description": {"type": "string", "maxLength": 400},
    "channels": {**FLAG_MAP, "description": "`{channel id: true}`: channels you can view."},
}
SEARCH_FIELDS: Schema = {"name": {"type": "string"}, "params": {"type": "object", "additionalProperties": True}}
INVITATION_FIELDS: Schema = {
    "channel": HEX,
    "email": {"type": "string", "format": "email"},
    "share_mode": {"type": "string", "enum": ["edit", "view"]},
    "first_name": TEXT,
    "last_name": TEXT,
}
FILE_FIELDS: Schema = {
    "contentnode": {**HEX, "nullable": True, "description": "Attach the file to this node."},
    "assessment_item": {"type": "integer", "nullable": True},
    "preset": TEXT,
    "language": NULLABLE_TEXT,
    "duration": {"type": "integer", "nullable": True},
}

DOT_PATHS = (
    "Keys may be dot paths into JSON fields (`extra_fields.options.completion_criteria.threshold`, "
    "`content_defaults.author`), or map entries (`tags.<name>`, `categories.<label id>`); "
    "a `null` value deletes that key or entry."
)


def _obj(properties: Schema, required: list[str] | None = None) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": True}
    if required:
        schema["required"] = required
    return schema


def _mods(properties: Schema, note: str = DOT_PATHS) -> Schema:
    return {"type": "object", "properties": properties, "additionalProperties": True, "description": note}


OBJ: dict[str, Schema] = {
    c.CHANNEL: _obj(CHANNEL_FIELDS, ["name"]),
    c.CONTENTNODE: _obj(
        {"parent": {**HEX, "description": "The parent topic: the node is appended as its last child."}, **NODE_FIELDS},
        ["parent", "kind"],
    ),
    c.ASSESSMENTITEM: _obj(ITEM_FIELDS, ["type"]),
    c.CONTENTNODE_PREREQUISITE: _obj({}),
    c.BOOKMARK: _obj({}),
    c.CLIPBOARD: _obj(
        {"source_node_id": HEX, "source_channel_id": HEX, "parent": HEX, "extra_fields": {"type": "object"}},
        ["source_node_id", "source_channel_id"],
    ),
    c.CHANNELSET: _obj(CHANNELSET_FIELDS, ["name"]),
    c.SAVEDSEARCH: _obj(SEARCH_FIELDS, ["name", "params"]),
    c.INVITATION: _obj(INVITATION_FIELDS, ["channel", "email"]),
    c.EDITOR_M2M: _obj({}),
    c.VIEWER_M2M: _obj({}),
}
MODS: dict[str, Schema] = {
    c.CHANNEL: _mods({**CHANNEL_FIELDS, "deleted": {"type": "boolean", "description": "Soft delete / restore."}}),
    c.CONTENTNODE: _mods(NODE_FIELDS),
    c.ASSESSMENTITEM: _mods({**ITEM_FIELDS, "deleted": {"type": "boolean"}}),
    c.FILE: _mods(FILE_FIELDS, "The file's writable fields."),
    c.CLIPBOARD: _mods({"extra_fields": {"type": "object"}}, "The clipboard entry's `extra_fields`."),
    c.CHANNELSET: _mods(CHANNELSET_FIELDS, "`channels.<id>`: true adds, null removes a channel."),
    c.SAVEDSEARCH: _mods(SEARCH_FIELDS, "`name` and `params`."),
    c.INVITATION: _mods(
        {"accepted": {"type": "boolean"}, "declined": {"type": "boolean"}, "revoked": {"type": "boolean"}},
        "The invitee sets `accepted` or `declined`; the sender or an editor sets `revoked`.",
    ),
}
POSITION = {"type": "string", "enum": ["first-child", "last-child", "left", "right"], "default": "last-child"}
EXTRA: dict[int, Schema] = {
    c.MOVED: {"properties": {"target": HEX, "position": POSITION}, "required": ["target"]},
    c.COPIED: {
        "properties": {
            "from_key": {**HEX, "description": "The node to copy (the change's `key` is the copy's new id)."},
            "target": HEX,
            "position": POSITION,
            "mods": {"type": "object", "additionalProperties": True},
            "excluded_descendants": {
                "type": "object",
                "nullable": True,
                "additionalProperties": {"type": "boolean"},
                "description": "`{node_id: true}` of descendants to leave out.",
            },
        },
        "required": ["from_key", "target"],
    },
    c.PUBLISHED: {
        "properties": {
            "version_notes": {"type": "string"},
            "language": {"type": "string", "description": "Language of the notification e-mail."},
        }
    },
    c.PUBLISHED_NEXT: {"properties": {"use_staging_tree": {"type": "boolean"}}},
    c.SYNCED: {
        "properties": {
            name: {"type": "boolean"}
            for name in ("titles_and_descriptions", "resource_details", "files", "assessment_items")
        }
    },
    c.DEPLOYED: {"properties": {}},
    c.DELETED: {"properties": {}},
}

EXAMPLE_KEYS: dict[str, Any] = {
    c.CHANNEL: CHANNEL,
    c.CONTENTNODE: NODE,
    c.ASSESSMENTITEM: [NODE, ITEM],
    c.CONTENTNODE_PREREQUISITE: [NODE, OTHER],
    c.FILE: FILE,
    c.BOOKMARK: CHANNEL,
    c.CLIPBOARD: OTHER,
    c.CHANNELSET: SET,
    c.SAVEDSEARCH: SEARCH,
    c.INVITATION: INVITE,
    c.EDITOR_M2M: [USER_ID, CHANNEL],
    c.VIEWER_M2M: [USER_ID, CHANNEL],
}
EXAMPLE_OBJ: dict[str, Any] = {
    c.CHANNEL: {"name": "Algebra", "description": "Worked examples", "language": "en"},
    c.CONTENTNODE: {"parent": PARENT, "kind": "topic", "title": "Chapter 1"},
    c.ASSESSMENTITEM: {
        "type": "single_selection",
        "question": "2 + 2 = ?",
        "answers": '[{"answer": "4", "correct": true, "order": 1}, {"answer": "5", "correct": false, "order": 2}]',
        "hints": "[]",
        "order": 0,
    },
    c.CONTENTNODE_PREREQUISITE: {},
    c.BOOKMARK: {},
    c.CLIPBOARD: {"source_node_id": NODE, "source_channel_id": CHANNEL},
    c.CHANNELSET: {"name": "Maths", "channels": {CHANNEL: True}},
    c.SAVEDSEARCH: {"name": "Videos in French", "params": {"kinds": ["video"], "languages": ["fr"]}},
    c.INVITATION: {"channel": CHANNEL, "email": "colleague@example.org", "share_mode": "edit"},
    c.EDITOR_M2M: {},
    c.VIEWER_M2M: {},
}
EXAMPLE_MODS: dict[str, Any] = {
    c.CHANNEL: {"name": "Algebra I", "content_defaults.author": "Maths team"},
    c.CONTENTNODE: {"title": "Chapter one", "tags.fractions": True, "extra_fields.randomize": True},
    c.ASSESSMENTITEM: {"question": "3 + 4 = ?"},
    c.FILE: {"contentnode": NODE},
    c.CLIPBOARD: {"extra_fields": {"excluded_descendants": {}}},
    c.CHANNELSET: {"name": "Maths (all grades)", f"channels.{OTHER}": True},
    c.SAVEDSEARCH: {"name": "French videos"},
    c.INVITATION: {"accepted": True},
}
EXAMPLE_EXTRA: dict[int, dict[str, Any]] = {
    c.MOVED: {"target": PARENT, "position": "last-child"},
    c.COPIED: {"from_key": OTHER, "target": PARENT, "position": "last-child", "mods": {}, "excluded_descendants": None},
    c.PUBLISHED: {"version_notes": "First release", "language": "en"},
    c.PUBLISHED_NEXT: {"use_staging_tree": False},
    c.SYNCED: {"titles_and_descriptions": True, "resource_details": True, "files": True, "assessment_items": True},
    c.UPDATED_DESCENDANTS: {"mods": {"license": 1, "copyright_holder": "Maths team"}},
}


def component_name(table: str, change_type: int) -> str:
    return f"Change_{table}_{TYPE_NAMES[change_type]}"


def _scope(table: str) -> tuple[Schema, dict[str, Any]]:
    if table in USER_TABLES:
        return {"user_id": {"type": "integer", "description": "Your own user id (a user change)."}}, {
            "user_id": USER_ID
        }
    if table == c.INVITATION:
        return (
            {
                "channel_id": {**HEX, "description": "The channel (sender, editors)."},
                "user_id": {"type": "integer", "description": "Your id, without channel_id, to accept or decline."},
            },
            {"channel_id": CHANNEL},
        )
    return {"channel_id": {**HEX, "description": "The channel this change belongs to (you must edit it)."}}, {
        "channel_id": CHANNEL
    }


def change_schema(table: str, change_type: int) -> Schema:
    """The schema, with an example, of one change the server accepts."""
    scope_props, scope_example = _scope(table)
    properties: Schema = {
        "type": {"type": "integer", "enum": [change_type], "description": TYPE_NAMES[change_type]},
        "table": {"type": "string", "enum": [table]},
        "key": KEYS[table],
        "rev": {
            "type": "integer",
            "minimum": -(2**31),
            "maximum": 2**31 - 1,
            "description": "Your own number for this change, echoed in `allowed`/`disallowed`.",
        },
        **scope_props,
    }
    required = ["type", "table", "key"]
    example: dict[str, Any] = {"type": change_type, "table": table, "key": EXAMPLE_KEYS[table], "rev": 1}
    example.update(scope_example)
    if change_type == c.CREATED:
        properties["obj"] = OBJ[table]
        required.append("obj")
        example["obj"] = EXAMPLE_OBJ[table]
    elif change_type in (c.UPDATED, c.UPDATED_DESCENDANTS):
        properties["mods"] = MODS[table]
        required.append("mods")
        example["mods"] = EXAMPLE_MODS[table] if change_type == c.UPDATED else EXAMPLE_EXTRA[change_type]["mods"]
    else:
        extra = EXTRA[change_type]
        properties.update(extra["properties"])
        required.extend(extra.get("required", []))
        example.update(EXAMPLE_EXTRA.get(change_type, {}))
    return {
        "type": "object",
        "title": f"{TYPE_NAMES[change_type]} {table}",
        "properties": properties,
        "required": required,
        "additionalProperties": True,
        "example": example,
    }


def accepted_pairs() -> list[tuple[str, int]]:
    return sorted(HANDLERS)


ERROR_VALUE: Schema = {
    "description": (
        'Why a change failed: a field error object (`{"title": ["..."]}`) or a list of messages '
        '(`["Not found"]`, `["Internal server error"]`).'
    ),
    "oneOf": [
        {"type": "object", "additionalProperties": True},
        {"type": "array", "items": {"type": "string"}},
    ],
}


def components() -> dict[str, Schema]:
    """Every component this module adds: the change schemas, ``Change`` (their ``oneOf``), the
    server's change rows, and the envelope and answer of ``POST /api/sync/``."""
    schemas: dict[str, Schema] = {component_name(t, n): change_schema(t, n) for t, n in accepted_pairs()}
    schemas["Change"] = {
        "description": (
            "One change. `type` and `table` together select the schema (one per pair the server accepts); "
            "other pairs are answered as an error on the change."
        ),
        "oneOf": [{"$ref": f"#/components/schemas/{component_name(t, n)}"} for t, n in accepted_pairs()],
    }
    schemas["ChangeError"] = ERROR_VALUE
    schemas["ServerChange"] = {
        "type": "object",
        "description": (
            "A stored change: what was submitted (without `rev`) plus the server's fields; "
            "on a failed change, `errors`."
        ),
        "properties": {
            "server_rev": {"type": "integer"},
            "table": {"type": "string"},
            "type": {"type": "integer"},
            "key": {},
            "channel_id": {"type": "string", "nullable": True},
            "user_id": {"type": "integer", "nullable": True},
            "created_by_id": {"type": "integer", "nullable": True},
            "unpublishable": {"type": "boolean", "nullable": True},
            "errors": {"$ref": "#/components/schemas/ChangeError"},
        },
        "required": ["server_rev", "table", "type"],
        "additionalProperties": True,
    }
    schemas["SyncRequest"] = {
        "type": "object",
        "properties": {
            "changes": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}},
            "channel_revs": {
                "type": "object",
                "additionalProperties": {"type": "integer"},
                "description": "`{channel id: highest server_rev seen}` for the channels you watch.",
            },
            "user_rev": {"type": "integer", "description": "Highest server_rev seen among changes about you."},
            "unapplied_revs": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "server_revs of your changes whose outcome you have not seen yet.",
            },
        },
        "example": {
            "changes": [
                {
                    "type": c.CREATED,
                    "table": c.CHANNEL,
                    "key": CHANNEL,
                    "channel_id": CHANNEL,
                    "rev": 1,
                    "obj": {"name": "Algebra", "language": "en"},
                },
                {
                    "type": c.UPDATED,
                    "table": c.CONTENTNODE,
                    "key": NODE,
                    "channel_id": CHANNEL,
                    "rev": 2,
                    "mods": {"title": "Chapter one"},
                },
            ],
            "channel_revs": {CHANNEL: 0},
            "user_rev": 0,
            "unapplied_revs": [],
        },
    }
    schemas["Task"] = {
        "type": "object",
        "properties": {
            "task_id": {"type": "string"},
            "task_name": {"type": "string", "example": "export-channel"},
            "status": {"type": "string", "enum": ["PENDING", "STARTED", "SUCCESS", "FAILURE", "REVOKED", "RETRY"]},
            "progress": {"type": "integer", "nullable": True},
            "traceback": {"type": "string", "nullable": True, "description": "Why a failed task failed."},
            "channel_id": {"type": "string", "nullable": True, "description": "With dashes (a UUID)."},
        },
    }
    server_change_list = {"type": "array", "items": {"$ref": "#/components/schemas/ServerChange"}}
    schemas["SyncResponse"] = {
        "type": "object",
        "description": "Always the six keys.",
        "properties": {
            "disallowed": {
                "type": "array",
                "items": {"type": "object", "additionalProperties": True},
                "description": "Submitted changes refused outright (a channel you cannot edit, a server-only type), echoed.",
            },
            "allowed": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"rev": {"type": "integer", "nullable": True}, "server_rev": {"type": "integer"}},
                    "required": ["rev", "server_rev"],
                },
            },
            "changes": {**server_change_list, "description": "Applied changes by others or the server."},
            "errors": {**server_change_list, "description": "Your changes that failed, each with `errors`."},
            "successes": {**server_change_list, "description": "Your changes that were applied."},
            "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
        },
        "required": ["disallowed", "allowed", "changes", "errors", "successes", "tasks"],
    }
    return schemas


def add_change_schemas(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: append the sync components."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(components())
    return result
