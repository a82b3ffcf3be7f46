"""Small but real media containers and archives for the upload, metadata and preview tests:
built byte by byte to the formats' specifications (ISO BMFF, Matroska/EBML, H5P, EPUB), so
no binary fixture and no ffmpeg is needed."""

from __future__ import annotations

import io
import json
import struct
import zipfile


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp4(*, seconds: float, timescale: int = 600, moov_last: bool = False, version: int = 0) -> bytes:
    """An MP4 with ``ftyp``, ``mdat`` and a ``moov/mvhd`` saying ``seconds`` (moov after the
    media when ``moov_last``, as cameras write it)."""
    duration = round(seconds * timescale)
    if version == 1:
        mvhd = bytes([1, 0, 0, 0]) + struct.pack(">QQIQ", 0, 0, timescale, duration)
    else:
        mvhd = bytes(4) + struct.pack(">IIII", 0, 0, timescale, duration)
    moov = box(b"moov", box(b"mvhd", mvhd + bytes(80)))
    ftyp = box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")
    mdat = box(b"mdat", bytes(5000))
    return ftyp + (mdat + moov if moov_last else moov + mdat)


def _ebml_size(n: int) -> bytes:
    return bytes([0x01]) + n.to_bytes(7, "big")  # 8-byte size: always valid


def element(element_id: int, payload: bytes) -> bytes:
    return element_id.to_bytes((element_id.bit_length() + 7) // 8, "big") + _ebml_size(len(payload)) + payload


def webm(*, milliseconds: float | None, scale: int = 1_000_000, unknown_segment_size: bool = False) -> bytes:
    """A WebM: EBML header, Segment with SeekHead, Info (TimecodeScale, optional Duration in
    ``scale`` units) and one Cluster. ``milliseconds=None`` is what a live recorder writes."""
    header = element(0x1A45DFA3, element(0x4282, b"webm"))
    info = element(0x2AD7B1, scale.to_bytes(4, "big"))
    if milliseconds is not None:
        info += element(0x4489, struct.pack(">d", milliseconds * 1_000_000 / scale))
    children = element(0x114D9B74, b"") + element(0x1549A966, info) + element(0x1F43B675, bytes(3000))
    if unknown_segment_size:
        segment = (0x18538067).to_bytes(4, "big") + bytes([0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) + children
    else:
        segment = element(0x18538067, children)
    return header + segment


def zip_bytes(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def h5p(*, title: str = "Fractions game", language: str = "es", license: str = "CC BY-SA") -> bytes:
    manifest = {
        "title": title,
        "language": language,
        "license": license,
        "authors": [{"name": "Ana Pérez", "role": "Author"}],
        "mainLibrary": "H5P.MultiChoice",
        "preloadedDependencies": [{"machineName": "H5P.MultiChoice", "majorVersion": 1, "minorVersion": 16}],
    }
    return zip_bytes({"h5p.json": json.dumps(manifest), "content/content.json": '{"question": "1/2?"}'})


def html5_app(*, top_level: bool = True) -> bytes:
    prefix = "" if top_level else "app/"
    return zip_bytes(
        {
            f"{prefix}index.html": "<!doctype html><html><head><title>Fraction &amp; pie</title>"
            '<script src="js/app.js"></script></head><body><img src="img/pie.png"></body></html>',
            f"{prefix}js/app.js": "document.body.dataset.ready = 'yes';",
            f"{prefix}img/pie.png": b"\x89PNG\r\n\x1a\n" + bytes(200),
            f"{prefix}media/clip.webm": webm(milliseconds=2000),
        }
    )


def epub(*, title: str = "Fractions for everyone", language: str = "fr") -> bytes:
    container = (
        '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
        '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    opf = (
        '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{title}</dc:title><dc:language>{language}</dc:language><dc:creator>Marie</dc:creator>"
        '</metadata><manifest><item id="c" href="images/cover.jpg" media-type="image/jpeg" properties="cover-image"/>'
        "</manifest></package>"
    )
    return zip_bytes(
        {
            "mimetype": "application/epub+zip",
            "META-INF/container.xml": container,
            "OEBPS/content.opf": opf,
            "OEBPS/images/cover.jpg": b"\xff\xd8\xff" + bytes(100),
            "OEBPS/images/big-figure.png": b"\x89PNG\r\n\x1a\n" + bytes(5000),
        }
    )
