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


# A tiny H5P content type: enough for a real player to run (the library's JS is inside the
# archive, as in every .h5p) and for a test to see that it did.
HELLO_LIBRARY = {
    "title": "Hello",
    "machineName": "H5P.Hello",
    "majorVersion": 1,
    "minorVersion": 0,
    "patchVersion": 0,
    "runnable": 1,
    "embedTypes": ["iframe"],
    "preloadedJs": [{"path": "hello.js"}],
}
HELLO_JS = """var H5P = H5P || {};
H5P.Hello = function (params) { this.text = params.text; };
H5P.Hello.prototype.attach = function ($container) {
  var text = document.createElement("p");
  text.className = "hello-text";
  text.textContent = this.text;
  $container.get(0).appendChild(text);
};
"""


def h5p(
    *, title: str = "Fractions game", language: str = "es", license: str = "CC BY-SA", text: str | None = None
) -> bytes:
    """An .h5p's manifest and content; with ``text``, a playable one: its main library
    ``H5P.Hello-1.0`` (at the root, as H5P packs libraries) shows ``text`` from content.json."""
    main = ("H5P.Hello", 1, 0) if text is not None else ("H5P.MultiChoice", 1, 16)
    manifest = {
        "title": title,
        "language": language,
        "license": license,
        "authors": [{"name": "Ana Pérez", "role": "Author"}],
        "mainLibrary": main[0],
        "preloadedDependencies": [{"machineName": main[0], "majorVersion": main[1], "minorVersion": main[2]}],
    }
    if text is None:
        return zip_bytes({"h5p.json": json.dumps(manifest), "content/content.json": '{"question": "1/2?"}'})
    manifest["embedTypes"] = ["iframe"]
    return zip_bytes(
        {
            "h5p.json": json.dumps(manifest),
            "content/content.json": json.dumps({"text": text}),
            "H5P.Hello-1.0/library.json": json.dumps(HELLO_LIBRARY),
            "H5P.Hello-1.0/hello.js": HELLO_JS,
        }
    )


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


def epub(*, title: str = "Fractions for everyone", language: str = "fr", chapters: tuple[str, ...] = ()) -> bytes:
    """An EPUB 3 package with a cover; ``chapters``: the texts of XHTML chapters in its spine
    (the first one carries a script a reader must not run)."""
    container = (
        '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
        '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    items = "".join(
        f'<item id="ch{i}" href="chapter{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(1, len(chapters) + 1)
    )
    spine = (
        "<spine>" + "".join(f'<itemref idref="ch{i}"/>' for i in range(1, len(chapters) + 1)) + "</spine>"
        if chapters
        else ""
    )
    opf = (
        '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{title}</dc:title><dc:language>{language}</dc:language><dc:creator>Marie</dc:creator>"
        '</metadata><manifest><item id="c" href="images/cover.jpg" media-type="image/jpeg" properties="cover-image"/>'
        f"{items}</manifest>{spine}</package>"
    )
    members: dict[str, bytes | str] = {
        "mimetype": "application/epub+zip",
        "META-INF/container.xml": container,
        "OEBPS/content.opf": opf,
        "OEBPS/images/cover.jpg": b"\xff\xd8\xff" + bytes(100),
        "OEBPS/images/big-figure.png": b"\x89PNG\r\n\x1a\n" + bytes(5000),
    }
    for i, text in enumerate(chapters, start=1):
        script = "<script>document.body.setAttribute('data-script-ran', 'yes');</script>" if i == 1 else ""
        members[f"OEBPS/chapter{i}.xhtml"] = (
            f'<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" lang="{language}" '
            f'xml:lang="{language}"><head><title>{title} {i}</title></head>'
            f"<body><h1>{title} {i}</h1><p>{text}</p>{script}</body></html>"
        )
    return zip_bytes(members)
