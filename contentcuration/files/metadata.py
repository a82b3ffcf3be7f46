"""What the server reads from an uploaded file's bytes: the new resource's title, language,
license and author, the media duration, the HTML5 entry page, and what makes it unusable.

The browser reads what it cheaply can (file name, a video's duration from ``<video>``) and
creates the node; the server checks and fills:

* H5P (``.h5p``): ``h5p.json`` gives title, language, license (mapped to ours) and author;
  a ``.h5p`` without it is refused.
* HTML5 app (``.zip``, preset ``html5_zip``): Kolibri opens ``index.html`` at the top of the
  zip, so one is required; its ``<title>`` is offered as the resource's title.
* EPUB: must be a zip with ``META-INF/container.xml``; the package's ``dc:title``,
  ``dc:language`` and ``dc:creator`` are read.
* Thumbnails (``*_thumbnail`` presets): the bytes must start as a PNG / JPEG does.
* Captions (``.vtt``): must start with ``WEBVTT`` (Kolibri's player shows nothing otherwise).
* MP4 / WebM: the duration from the container (``files.media_duration``); it replaces the
  announced one when they differ, and the announced one (validated at ``upload_url``)
  stands when the container does not say (MP3, live-recorded WebM).

``check_upload`` runs on a finished upload before it is stored (``files.uploads``): a
problem refuses the upload, nothing is kept. ``read_file_metadata`` answers
``GET /api/file/<id>/metadata`` for stored bytes.
"""

from __future__ import annotations

import html
import json
import math
import posixpath
import re
from dataclasses import asdict, dataclass, field
from typing import IO, Any
from xml.etree import ElementTree

from le_utils.constants import format_presets, licenses

from contentcuration import storage
from contentcuration.errors import Invalid
from contentcuration.limits import INT_MAX
from contentcuration.models import File, Language, License

from . import archives
from .media_duration import MATROSKA_FORMATS, MP4_FORMATS, read_duration
from .thumbnails import SIGNATURES

MAX_TITLE = 200  # a node title's limit (nodes.field_table)
# H5P's license codes (h5p.json "license") as our le-utils license names; "U" (undisclosed)
# and the GPL have no counterpart: the curator picks one.
H5P_LICENSES = {
    "CC BY": licenses.CC_BY,
    "CC BY-SA": licenses.CC_BY_SA,
    "CC BY-ND": licenses.CC_BY_ND,
    "CC BY-NC": licenses.CC_BY_NC,
    "CC BY-NC-SA": licenses.CC_BY_NC_SA,
    "CC BY-NC-ND": licenses.CC_BY_NC_ND,
    "CC0 1.0": licenses.PUBLIC_DOMAIN,
    "CC PDM": licenses.PUBLIC_DOMAIN,
    "PD": licenses.PUBLIC_DOMAIN,
    "ODC PDDL": licenses.PUBLIC_DOMAIN,
    "C": licenses.ALL_RIGHTS_RESERVED,
}
TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
DC = "{http://purl.org/dc/elements/1.1/}"
OPF = "{http://www.idpf.org/2007/opf}"
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")
MAX_CANDIDATES = 5
CONTAINER_NS = "{urn:oasis:names:tc:opendocument:xmlns:container}"


class UnusableFile(Invalid):
    """The bytes are what was announced but cannot be used as the announced kind."""


@dataclass
class FileMetadata:
    title: str | None = None
    language: str | None = None  # a Language id we know
    license: int | None = None  # a License id
    license_name: str | None = None
    author: str | None = None
    duration: int | None = None  # whole seconds, as File.duration
    entry: str | None = None  # the HTML5 entry page, relative to the zip
    # Images inside an archive the browser may crop into a thumbnail (loading them from
    # /zipcontent/<md5>.<ext>/<path>): an EPUB's cover first, then the largest.
    thumbnail_candidates: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_metadata(handle: IO[bytes], *, extension: str, preset: str | None) -> FileMetadata:
    """Everything readable from the bytes in ``handle`` (seekable); ``problems`` says what
    makes them unusable for ``preset``. Never raises for bad content."""
    meta = FileMetadata()
    if preset and preset.endswith("_thumbnail"):
        signature = SIGNATURES.get("jpg" if extension == "jpeg" else extension)
        if signature is None or handle.read(len(signature)) != signature:
            meta.problems.append(f"The thumbnail is not a {extension.upper()} image.")
        return meta
    if extension == "vtt":
        if handle.read(9).removeprefix(b"\xef\xbb\xbf")[:6] != b"WEBVTT":
            meta.problems.append("The captions file is not WebVTT: it must start with WEBVTT.")
        return meta
    if extension in MP4_FORMATS or extension in MATROSKA_FORMATS:
        seconds = read_duration(handle, extension)
        if seconds is not None and math.isfinite(seconds) and 0 < seconds < INT_MAX:
            meta.duration = max(1, math.floor(seconds))
        return meta
    if extension == "h5p" or (extension == "zip" and preset == format_presets.HTML5_ZIP) or extension == "epub":
        try:
            with archives.open_archive(handle) as archive:
                if extension == "h5p":
                    _read_h5p(archive, meta)
                elif extension == "epub":
                    _read_epub(archive, meta)
                else:
                    _read_html5(archive, meta)
                meta.thumbnail_candidates += [
                    name for name in _largest_images(archive) if name not in meta.thumbnail_candidates
                ][: MAX_CANDIDATES - len(meta.thumbnail_candidates)]
        except archives.NotAnArchive:
            meta.problems.append(f"The {extension} file is not a readable zip archive.")
    return meta


def check_upload(path: str, file: File) -> FileMetadata:
    """Read a finished upload (local ``path``) before it is stored; raises UnusableFile with
    the first problem. The caller stores the bytes and applies ``duration``."""
    with open(path, "rb") as handle:
        meta = read_metadata(handle, extension=file.file_format_id or "", preset=file.preset_id)
    if meta.problems:
        raise UnusableFile(meta.problems[0])
    return meta


def read_file_metadata(file: File) -> FileMetadata:
    """The metadata of a stored File's bytes. Raises FileNotFoundError when they are not
    stored (yet)."""
    extension = file.file_format_id or ""
    key = storage.storage_key(file.checksum, extension)
    if not storage.key_exists(key):
        raise FileNotFoundError(key)
    with storage.open_object(key) as handle:
        return read_metadata(handle, extension=extension, preset=file.preset_id)


# --- per format -----------------------------------------------------------------------------


def _text(value: Any, limit: int = MAX_TITLE) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value[:limit] or None


def _language(code: Any) -> str | None:
    """Our Language id for a code such as "en", "es-419" or "pt_BR"; None when unknown."""
    if not isinstance(code, str) or code.strip().lower() in ("", "und"):  # H5P's "und": not specified
        return None
    code = code.strip().replace("_", "-")
    candidates = [code, code.lower(), code.split("-")[0].lower()]
    known = set(Language.objects.filter(pk__in=candidates).values_list("pk", flat=True))
    return next((c for c in candidates if c in known), None)


def _largest_images(archive) -> list[str]:
    images = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and posixpath.splitext(info.filename)[1].lower() in IMAGE_EXTENSIONS
        and archives.safe_entry_name(info.filename) == info.filename
    ]
    return [info.filename for info in sorted(images, key=lambda i: -i.file_size)[:MAX_CANDIDATES]]


def _read_h5p(archive, meta: FileMetadata) -> None:
    raw = archives.read_text_entry(archive, "h5p.json")
    try:
        data = json.loads(raw) if raw is not None else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        meta.problems.append("The H5P file has no readable h5p.json.")
        return
    meta.title = _text(data.get("title"))
    meta.language = _language(data.get("language"))
    name = H5P_LICENSES.get(str(data.get("license") or "").strip())
    if name:
        license = License.objects.filter(license_name=name).first()
        if license is not None:
            meta.license, meta.license_name = license.pk, license.license_name
    authors = data.get("authors")
    if isinstance(authors, list):
        names = [_text(a.get("name")) for a in authors if isinstance(a, dict)]
        meta.author = ", ".join(n for n in names if n)[:MAX_TITLE] or None


def _read_html5(archive, meta: FileMetadata) -> None:
    if archives.find_entry(archive, archives.ENTRY_PAGE) is None:
        nested = archives.top_level_entry_page(archive)
        if nested:
            meta.problems.append(
                f"index.html must be at the top of the zip; this one has it at {nested}. "
                f"Zip the contents of {posixpath.dirname(nested)}/ instead of the folder."
            )
        else:
            meta.problems.append("The zip has no index.html: Kolibri opens index.html at the top of the zip.")
        return
    meta.entry = archives.ENTRY_PAGE
    page = archives.read_text_entry(archive, archives.ENTRY_PAGE)
    match = TITLE_RE.search(page) if page else None
    if match:
        meta.title = _text(html.unescape(match.group(1)))


def _xml(archive, name: str) -> ElementTree.Element | None:
    text = archives.read_text_entry(archive, name)
    if text is None:
        return None
    try:
        # Entity expansion is bounded by expat itself (2.4+ refuses billion-laughs input);
        # external entities are never fetched by ElementTree.
        return ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return None


def _read_epub(archive, meta: FileMetadata) -> None:
    container = _xml(archive, "META-INF/container.xml")
    rootfile = container.find(f".//{CONTAINER_NS}rootfile") if container is not None else None
    if rootfile is None or not rootfile.get("full-path"):
        meta.problems.append("The EPUB has no META-INF/container.xml naming its package file.")
        return
    package = _xml(archive, rootfile.get("full-path", ""))
    if package is None:
        return  # still an EPUB a reader may open; the curator types the title
    meta.title = _text(package.findtext(f".//{DC}title"))
    meta.language = _language(package.findtext(f".//{DC}language"))
    meta.author = _text(package.findtext(f".//{DC}creator"))
    cover = _epub_cover(package)
    if cover:
        folder = posixpath.dirname(rootfile.get("full-path", ""))
        name = posixpath.normpath(posixpath.join(folder, cover)) if folder else cover
        if archives.find_entry(archive, name) is not None:
            meta.thumbnail_candidates.append(name)


def _epub_cover(package: ElementTree.Element) -> str | None:
    """The cover image's href: EPUB 3's ``properties="cover-image"``, else EPUB 2's
    ``<meta name="cover" content="<item id>">``."""
    items = package.findall(f".//{OPF}item")
    for item in items:
        if "cover-image" in (item.get("properties") or "").split():
            return item.get("href")
    meta = next((m for m in package.iter(f"{OPF}meta") if m.get("name") == "cover"), None)
    if meta is not None:
        return next((i.get("href") for i in items if i.get("id") == meta.get("content")), None)
    return None
