"""Slideshows: the JSON manifest Kolibri's slideshow viewer reads.

Kolibri 0.19.5 renders a slideshow from its ``slideshow_manifest`` file (the only preset its
slideshow_viewer plugin registers): the viewer fetches the JSON, reads ``slideshow_data``,
orders the entries by ``sort_order`` and shows, for each, the node's file whose ``checksum``
equals the entry's. The images themselves are the node's ``slideshow_image`` files, exported
as they are. Without a manifest Kolibri never imports nor shows the node (no renderer).

The manifest is rebuilt from ``extra_fields["slideshow_data"]`` on every publish, as exercise
archives are: compact sorted JSON with positions renumbered, so an unchanged slideshow yields
the same bytes and the same content-addressed storage object.
"""

from __future__ import annotations

import json
from typing import Any

from le_utils.constants import format_presets

from .. import storage
from .failures import NodeError


def _position(entry: dict, index: int) -> tuple[int, float, int]:
    # Numeric sort_order first, in its order; entries without one keep their list order after.
    value = entry.get("sort_order")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, float(value), index)
    return (1, 0.0, index)


def _stored(checksum: str, extension: str) -> bool:
    try:
        return storage.object_exists(checksum, extension)
    except ValueError:  # not an md5 or not an extension: no object can have that key
        return False


def build_slideshow_manifest(*, node_label: str, extra_fields: dict | None, files: list[dict]) -> bytes | None:
    """The manifest of a slideshow, or None when it has no slides.

    ``files`` are the node's File values (checksum, file_format_id, preset_id). Each entry of
    ``extra_fields["slideshow_data"]`` is one slide; its image is the ``slideshow_image`` file
    with the entry's checksum. Raises NodeError (naming ``node_label`` and the slide) when
    ``slideshow_data`` is not a list of objects, or a slide's image is not one of the node's
    slide images or is missing from storage.
    """
    slides = (extra_fields.get("slideshow_data") if isinstance(extra_fields, dict) else None) or []
    if not isinstance(slides, list) or not all(isinstance(s, dict) for s in slides):
        raise NodeError(f"{node_label}: slideshow_data is not a list of slides")
    images = {
        (f["checksum"] or "").lower(): (f["file_format_id"] or "").lower()
        for f in files
        if f["preset_id"] == format_presets.SLIDESHOW_IMAGE
    }
    ordered = sorted(enumerate(slides), key=lambda pair: _position(pair[1], pair[0]))
    entries: list[dict[str, Any]] = []
    for position, (_index, slide) in enumerate(ordered):
        checksum = str(slide.get("checksum") or "").lower()
        caption = str(slide.get("caption") or "")
        name = f"slide {position + 1}" + (f" ({caption!r})" if caption else "")
        if checksum not in images:
            image = checksum or "no checksum"
            raise NodeError(f"{node_label}: {name} has no slide image ({image})")
        if not _stored(checksum, images[checksum]):
            raise NodeError(f"{node_label}: {name}: image {checksum}.{images[checksum]} is missing from storage")
        entries.append(
            {
                "caption": caption,
                "descriptive_text": str(slide.get("descriptive_text") or ""),
                "sort_order": position,
                "checksum": checksum,
                "extension": images[checksum],
            }
        )
    if not entries:
        return None
    return json.dumps({"slideshow_data": entries}, ensure_ascii=False, sort_keys=True).encode("utf-8")
