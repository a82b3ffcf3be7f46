"""Thumbnails of channels and nodes.

A thumbnail arrives either as an uploaded image File with a thumbnail preset (the normal
upload flow, nothing special here) or inline as a base64 data URI in ``thumbnail_encoding``
(``{"base64": "data:image/png;base64,..."}``), which the browser's cropper produces. This
module turns such a data URI into a stored object (and optionally a File row).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass

from django.db import transaction

from contentcuration import storage
from contentcuration.errors import Invalid
from contentcuration.models import ContentNode, File, User

DATA_URI_RE = re.compile(r"data:(image/(?:png|jpeg|jpg));base64,([A-Za-z0-9+/=\s]+)")
MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024
# Checked against the bytes, not the declared type, so a data URI cannot smuggle other content.
SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff"}
THUMBNAIL_PRESET_BY_KIND = {
    "topic": "topic_thumbnail",
    "video": "video_thumbnail",
    "audio": "audio_thumbnail",
    "document": "document_thumbnail",
    "exercise": "exercise_thumbnail",
    "html5": "html5_thumbnail",
    "h5p": "h5p_thumbnail",
    "zim": "zim_thumbnail",
    "slideshow": "slideshow_thumbnail",
}


class InvalidThumbnail(Invalid):
    pass


@dataclass(frozen=True)
class StoredImage:
    checksum: str
    extension: str
    size: int
    key: str

    @property
    def filename(self) -> str:
        return f"{self.checksum}.{self.extension}"


def decode_data_uri(data_uri: str) -> tuple[bytes, str]:
    """(image bytes, extension) of a PNG or JPEG base64 data URI; raises InvalidThumbnail."""
    match = DATA_URI_RE.fullmatch((data_uri or "").strip())
    if not match:
        raise InvalidThumbnail("Expected a base64 PNG or JPEG data URI.")
    try:
        data = base64.b64decode(re.sub(r"\s", "", match.group(2)), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidThumbnail("The data URI is not valid base64.") from exc
    if len(data) > MAX_THUMBNAIL_BYTES:
        raise InvalidThumbnail(f"Thumbnails are limited to {MAX_THUMBNAIL_BYTES} bytes.")
    for extension, signature in SIGNATURES.items():
        if data.startswith(signature):
            return data, extension
    raise InvalidThumbnail("The data is neither a PNG nor a JPEG image.")


def data_uri_from_encoding(encoding: dict | str | None) -> str | None:
    """The data URI inside a ``thumbnail_encoding`` (a dict on channels, its JSON text on
    nodes), or None when there is none."""
    if isinstance(encoding, str):
        try:
            encoding = json.loads(encoding) if encoding.strip() else None
        except ValueError:
            return None
    if isinstance(encoding, dict) and isinstance(encoding.get("base64"), str):
        return encoding["base64"] or None
    return None


def encode_stored_image(checksum: str, extension: str) -> str:
    """A stored image as a data URI (Kolibri's channel metadata carries thumbnails inline)."""
    with storage.open_object(storage.storage_key(checksum, extension)) as handle:
        data = handle.read()
    mime = "image/jpeg" if extension in ("jpg", "jpeg") else f"image/{extension}"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def store_data_uri(data_uri: str) -> StoredImage:
    """Store the image of a data URI under its content address (idempotent)."""
    data, extension = decode_data_uri(data_uri)
    checksum, key = storage.save_bytes(data, extension)
    return StoredImage(checksum=checksum, extension=extension, size=len(data), key=key)


def thumbnail_preset_for(node: ContentNode | None) -> str:
    """The thumbnail preset of a node's kind; ``channel_thumbnail`` without a node."""
    if node is None:
        return "channel_thumbnail"
    return THUMBNAIL_PRESET_BY_KIND.get(node.kind_id or "topic", "topic_thumbnail")


@transaction.atomic
def create_thumbnail_file(*, data_uri: str, user: User | None, contentnode: ContentNode | None = None) -> File:
    """Store a data-URI image and create its File row with the right thumbnail preset,
    attached to ``contentnode`` when given (replacing no other file: the caller deletes an
    old thumbnail if it wants one). Raises InvalidThumbnail."""
    image = store_data_uri(data_uri)
    return File.objects.create(
        checksum=image.checksum,
        file_size=image.size,
        file_format_id=image.extension,
        file_on_disk=image.key,
        preset_id=thumbnail_preset_for(contentnode),
        contentnode=contentnode,
        uploaded_by=user,
        original_filename=f"thumbnail.{image.extension}",
    )
