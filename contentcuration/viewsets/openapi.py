"""Request bodies and error shapes of the REST writes, for the OpenAPI schema only.

Nothing here validates a request: the views and domain functions do (and name the field at
fault). These serializers exist so that ``/api/schema/`` and ``/api/docs/`` show what each
POST accepts; ``test_api_schema`` fails when a POST or PUT in the schema has no body schema.
The sync protocol's own components (changes, envelope, answer) are in ``viewsets/sync/schemas.py``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

HEX_ID = r"^[0-9a-f]{32}$"

# Raw schemas of the error answers (appended as components by ``add_error_schemas``).
ERROR = {"$ref": "#/components/schemas/Error"}
FIELD_ERRORS = {"$ref": "#/components/schemas/FieldErrors"}
ERROR_COMPONENTS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "description": "A refusal that concerns the whole request.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
        "example": {"detail": "Not found."},
    },
    "FieldErrors": {
        "type": "object",
        "description": (
            "Validation errors: each field at fault with its messages (`non_field_errors` for the rest). "
            "A body that is not acceptable JSON (a NUL character, too deep) has a readable `detail`, "
            "alone or beside the field it names (`preset`, `changes[3].mods.title`)."
        ),
        "properties": {"detail": {"type": "string"}},
        "additionalProperties": {
            "oneOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "object", "additionalProperties": True},
            ]
        },
        "example": {"name": ["Ensure this field has no more than 200 characters."]},
    },
    "QuotaExceeded": {
        "type": "object",
        "description": "The upload would take the user over their storage allowance (bytes).",
        "properties": {
            "detail": {"type": "string"},
            "used": {"type": "integer"},
            "allowed": {"type": "integer"},
            "size": {"type": "integer"},
        },
        "required": ["detail", "used", "allowed", "size"],
    },
}
QUOTA_EXCEEDED = {"$ref": "#/components/schemas/QuotaExceeded"}
# A POST whose body is ignored: documented as an empty object so clients know to send nothing.
NO_BODY = {
    "application/json": {
        "type": "object",
        "properties": {},
        "additionalProperties": True,
        "description": "No body is needed (send nothing or `{}`).",
    }
}


def add_error_schemas(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: append the error components."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_COMPONENTS)
    return result


class ChannelCreate(serializers.Serializer):
    id = serializers.RegexField(
        HEX_ID, required=False, help_text="Your own id for the channel (a uuid4 without dashes); chosen if absent."
    )
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=400, required=False, allow_blank=True)
    language = serializers.CharField(required=False, allow_null=True, help_text="A language id, e.g. `en`.")
    thumbnail = serializers.CharField(required=False, allow_null=True)
    thumbnail_encoding = serializers.DictField(required=False, allow_null=True)
    content_defaults = serializers.DictField(
        required=False, help_text="Defaults for new nodes: `author`, `license` (name), `copyright_holder`, ..."
    )


CHANNEL_CREATE_EXAMPLE = OpenApiExample(
    "A channel", value={"name": "Algebra", "description": "Worked examples", "language": "en"}, request_only=True
)


class ChannelSetCreate(serializers.Serializer):
    id = serializers.RegexField(HEX_ID, required=False)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=400, required=False, allow_blank=True)
    channels = serializers.DictField(
        child=serializers.BooleanField(), required=False, help_text="`{channel id: true}`: channels you can view."
    )


class NotificationsRead(serializers.Serializer):
    timestamp = serializers.DateTimeField()


class UploadURLRequest(serializers.Serializer):
    size = serializers.IntegerField(min_value=0, help_text="Bytes.")
    checksum = serializers.RegexField(HEX_ID, help_text="The file's md5, lower-case hex.")
    name = serializers.CharField(help_text="The original file name.")
    file_format = serializers.CharField(help_text="The extension without the dot: `pdf`, `mp4`, `epub`, ...")
    preset = serializers.CharField(help_text="A format preset: `document`, `high_res_video`, `audio`, ...")
    duration = serializers.FloatField(required=False, allow_null=True, help_text="Seconds; required for audio/video.")
    resumable = serializers.BooleanField(required=False, default=False)


UPLOAD_URL_EXAMPLE = OpenApiExample(
    "A PDF",
    value={
        "size": 2048,
        "checksum": "0cc175b9c0f1b6a831c399e269772661",
        "name": "lesson.pdf",
        "file_format": "pdf",
        "preset": "document",
    },
    request_only=True,
)


class UploadURLAnswer(serializers.Serializer):
    uploadURL = serializers.CharField(help_text="PUT the bytes here, with `Content-MD5` (base64 of the md5).")
    mimetype = serializers.CharField()
    might_skip = serializers.BooleanField(help_text="The server already has these bytes.")
    resumable = serializers.BooleanField(help_text="Always false (Studio's GCS-only resumable protocol).")
    received = serializers.IntegerField(
        help_text="Bytes of this upload the server already holds for this user (a reload mid-upload): "
        "PUT the rest with `Content-Range: bytes <received>-<last>/<size>`."
    )
    file = serializers.DictField(help_text="The new File row: attach it with a sync UPDATED `file` change.")


class UploadURLsRequest(serializers.Serializer):
    files = UploadURLRequest(many=True, help_text="1 to 100 announcements, each as `upload_url` takes it.")


class UploadURLsEntry(serializers.Serializer):
    status = serializers.IntegerField(help_text="What `upload_url` would answer for this file alone: 200, 400 or 412.")
    body = serializers.DictField(help_text="Its body: the upload URL answer, the field errors, or the quota refusal.")


class UploadURLsAnswer(serializers.Serializer):
    files = UploadURLsEntry(many=True, help_text="One entry per announcement, in order.")


# --- The chef (ricecooker) API (spec ricecooker-api.md) ----------------------------------------


class CheckVersion(serializers.Serializer):
    version = serializers.CharField(help_text="The ricecooker version, e.g. `0.8.0`.")


class ChefCreateChannel(serializers.Serializer):
    channel_data = serializers.DictField(
        help_text="`id, name, description, thumbnail, language, source_id, source_domain, ricecooker_version`, ..."
    )


class ChefAddNodes(serializers.Serializer):
    root_id = serializers.RegexField(HEX_ID, help_text="The parent topic (a node id).")
    content_data = serializers.ListField(child=serializers.DictField(), help_text="Node dicts (spec 1.3).")


class ChefChannelId(serializers.Serializer):
    channel_id = serializers.RegexField(HEX_ID)


class ChefFinishChannel(ChefChannelId):
    stage = serializers.BooleanField(required=False, default=True)


class ChefPublishChannel(ChefChannelId):
    version_notes = serializers.CharField(required=False, allow_blank=True)


class ChefTreeData(ChefChannelId):
    tree = serializers.ChoiceField(["main", "staging", "chef", "previous", "trash"], required=False, default="main")


class ChefNodeTreeData(ChefTreeData):
    node_id = serializers.CharField(required=False, allow_null=True)


class ChefChannelStatusBulk(serializers.Serializer):
    channel_ids = serializers.ListField(child=serializers.RegexField(HEX_ID))


FILE_DIFF_ANSWER = {
    "type": "array",
    "items": {"type": "string"},
    "description": "The names sent that the server does not store yet (upload those).",
}

FILE_DIFF = {
    "application/json": {
        "type": "array",
        "items": {"type": "string", "example": "0cc175b9c0f1b6a831c399e269772661.pdf"},
        "description": "Storage file names `<md5>.<ext>`.",
    }
}

STATUS_SUCCESS = {"type": "object", "properties": {"status": {"type": "string", "enum": ["success"]}}}

# POST /api/channel with the id of an existing channel (Studio's shape, kept for its clients).
CHANNEL_CONFLICT = {
    "type": "object",
    "properties": {"error": {"type": "string", "example": "Channel could not be created"}},
    "required": ["error"],
}
