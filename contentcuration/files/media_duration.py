"""The duration of an MP4 or WebM file, read from its container headers in pure Python.

No ffmpeg (not installed, not in requirements): MP4's ``moov/mvhd`` box and Matroska's
``Segment/Info`` (``TimecodeScale`` × ``Duration``) carry the duration; both are found by
walking element headers and seeking over everything else, so a 2 GB file costs a few small
reads. MP3 has no container header with a duration (only optional Xing/VBRI frames, or none
at all for constant bitrate), so for MP3 the client's value stands. A WebM a browser
recorded live usually has no Duration either: then ``None`` and the client's value stands.
"""

from __future__ import annotations

import struct
from typing import IO

MP4_FORMATS = ("mp4", "m4v", "m4a", "mov")
MATROSKA_FORMATS = ("webm", "mkv")
MAX_HEADER_BOX = 64 * 1024 * 1024  # a moov larger than this is not worth reading for one number
EBML_ID, SEGMENT_ID, INFO_ID = 0x1A45DFA3, 0x18538067, 0x1549A966
TIMECODE_SCALE_ID, DURATION_ID, CLUSTER_ID = 0x2AD7B1, 0x4489, 0x1F43B675


def read_duration(handle: IO[bytes], extension: str) -> float | None:
    """Seconds of media in ``handle`` (seekable, at any position), or None when the headers
    do not say (or are not what ``extension`` promises)."""
    try:
        if extension in MP4_FORMATS:
            return _mp4_duration(handle)
        if extension in MATROSKA_FORMATS:
            return _matroska_duration(handle)
    except (OSError, ValueError, struct.error):
        return None
    return None


# --- MP4 (ISO base media file format) ---------------------------------------------------------


def _boxes(handle: IO[bytes], start: int, end: int | None):
    """(type, payload offset, payload size) of each box between ``start`` and ``end``."""
    offset = start
    while end is None or offset + 8 <= end:
        handle.seek(offset)
        header = handle.read(8)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header)
        header_size = 8
        if size == 1:
            size = struct.unpack(">Q", handle.read(8))[0]
            header_size = 16
        elif size == 0:  # to the end of the file
            handle.seek(0, 2)
            size = handle.tell() - offset
        if size < header_size:
            return
        yield kind, offset + header_size, size - header_size
        offset += size


def _mp4_duration(handle: IO[bytes]) -> float | None:
    for kind, payload, size in _boxes(handle, 0, None):
        if kind != b"moov":
            continue
        if size > MAX_HEADER_BOX:
            return None
        for inner, inner_payload, _inner_size in _boxes(handle, payload, payload + size):
            if inner != b"mvhd":
                continue
            handle.seek(inner_payload)
            version = handle.read(4)[0]
            if version == 1:
                _created, _modified, timescale, duration = struct.unpack(">QQIQ", handle.read(28))
            else:
                _created, _modified, timescale, duration = struct.unpack(">IIII", handle.read(16))
            return duration / timescale if timescale else None
        return None
    return None


# --- Matroska / WebM (EBML) -------------------------------------------------------------------


def _vint(handle: IO[bytes], *, keep_marker: bool) -> tuple[int, int] | None:
    """(value, length) of an EBML variable-size integer; None at the end of the data. An
    element id keeps its marker bit; a size drops it (all ones then means "unknown": -1)."""
    first = handle.read(1)
    if not first:
        return None
    byte = first[0]
    length = next((n for n in range(1, 9) if byte & (0x80 >> (n - 1))), None)
    if length is None:
        raise ValueError("invalid EBML integer")
    value = byte if keep_marker else byte & (0xFF >> length)
    rest = handle.read(length - 1)
    if len(rest) < length - 1:
        return None
    for b in rest:
        value = (value << 8) | b
    if not keep_marker and value == (1 << (7 * length)) - 1:
        value = -1
    return value, length


def _elements(handle: IO[bytes], start: int, end: int | None):
    """(id, payload offset, payload size or -1) of each element between ``start`` and ``end``."""
    offset = start
    while end is None or offset < end:
        handle.seek(offset)
        element = _vint(handle, keep_marker=True)
        size = _vint(handle, keep_marker=False) if element else None
        if element is None or size is None:
            return
        payload = offset + element[1] + size[1]
        yield element[0], payload, size[0]
        if size[0] < 0:
            return  # unknown size (a live stream's Segment or Cluster): nothing after it is findable
        offset = payload + size[0]


def _matroska_duration(handle: IO[bytes]) -> float | None:
    top = _elements(handle, 0, None)
    first = next(top, None)
    if first is None or first[0] != EBML_ID:
        return None
    for element_id, payload, size in top:
        if element_id != SEGMENT_ID:
            continue
        segment_end = None if size < 0 else payload + size
        for child, child_payload, child_size in _elements(handle, payload, segment_end):
            if child == CLUSTER_ID:
                return None  # Info precedes the media in every muxer we know of
            if child == INFO_ID and child_size > 0:
                return _info_duration(handle, child_payload, child_payload + child_size)
        return None
    return None


def _info_duration(handle: IO[bytes], start: int, end: int) -> float | None:
    scale, duration = 1_000_000, None  # TimecodeScale defaults to 1 ms in nanoseconds
    for element_id, payload, size in _elements(handle, start, end):
        handle.seek(payload)
        if element_id == TIMECODE_SCALE_ID and 0 < size <= 8:
            scale = int.from_bytes(handle.read(size), "big")
        elif element_id == DURATION_ID and size in (4, 8):
            duration = struct.unpack(">f" if size == 4 else ">d", handle.read(size))[0]
    if duration is None or not duration > 0:
        return None
    return duration * scale / 1e9
