"""Exercises as QTI packages: the ``.zip`` Kolibri's qti_viewer renders (preset ``qti``).

An exercise goes out as a QTI package instead of a ``.perseus`` archive when one of its
questions is ``free_response`` or ``QTI``: Perseus cannot show either (spec kolibri-export 5).
The package is an IMS content package:

* ``imsmanifest.xml`` lists one resource per question, identified by ``K`` + the url-safe
  base64 of the question's 16 id bytes (22 characters, no padding). Those identifiers, in
  question order, are the exercise's ``assessment_item_ids``: Kolibri's viewer looks an item
  up in the manifest by them.
* ``items/<identifier>.xml``: one QTI 3.0 ``qti-assessment-item`` per question. A ``QTI``
  question's stored item XML goes in byte for byte (only storage references are rewritten);
  the other types are generated: ``free_response`` as an unscored text-entry item,
  selection and true/false as choice items, ``input_question`` as a scored text-entry item.
* ``items/images/<md5>.<ext>``: images the items refer to (``${☣ CONTENTSTORAGE}/...``).
* ``perseus/<identifier>.json`` (+ ``perseus/images/``): a ``perseus_question`` mixed into
  such an exercise, wrapped by an item holding a ``qti-custom-interaction`` (``data-type``
  ``perseus``) that points at it. Kolibri 0.19.5 renders no custom interaction, and the
  attributes are ours, not checked against a later Kolibri's; the exercise still publishes.

Like the Perseus archive, the package is deterministic (stored members, fixed dates, fixed
attribute order), so an unchanged exercise keeps its checksum and storage object.
"""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from xml.etree import ElementTree

from le_utils.constants import exercises

from .. import storage
from .exercises import (
    STORAGE_PLACEHOLDER,
    ZIP_DATE,
    _Archive,
    _loads,
    _number,
)
from .failures import NodeError

QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v3p0"
QTI_SCHEMA = f"{QTI_NS} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"
MANIFEST_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p2"
MANIFEST_SCHEMA = f"{MANIFEST_NS} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ITEM_RESOURCE_TYPE = "imsqti_item_xmlv3p0"  # the only type Kolibri 0.19.5's qti_viewer renders
MATCH_CORRECT = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct"
MAP_RESPONSE = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/map_response"
ZIP_COMMENT = b"QTI package generated during export process"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Types Perseus cannot show: one of them in an exercise makes the whole exercise a QTI package.
QTI_ONLY_TYPES = frozenset({exercises.FREE_RESPONSE, exercises.QTI})
CHOICE_TYPES = {exercises.SINGLE_SELECTION: False, "true_false": False, exercises.MULTIPLE_SELECTION: True}
# Studio stores ``${☣ CONTENTSTORAGE}/<md5>.<ext>``; le-utils' placeholder lacks the ``$``.
STORED_REF = "$" + STORAGE_PLACEHOLDER + "/"
STORED_SRC_RE = re.compile(r"\$?" + re.escape(STORAGE_PLACEHOLDER) + r"/([0-9a-f]{32})\.([0-9a-z]+)")
GRAPHIE_SRC_RE = re.compile(r"web\+graphie:\$?" + re.escape(STORAGE_PLACEHOLDER) + r"/([0-9a-f]{32})")
# ``![alt](src =WxH)``; the placeholder in a stored src contains a space.
IMAGE_MD_RE = re.compile(
    r"!\[([^\]]*)\]\(((?:(?:web\+graphie:)?\$?"
    + re.escape(STORAGE_PLACEHOLDER)
    + r"/)?[^)\s]+)(?:\s+=([0-9.]+)x([0-9.]+))?\)"
)


def needs_qti(items: list[dict]) -> bool:
    """Whether an exercise with these questions must be published as a QTI package."""
    return any(item["type"] in QTI_ONLY_TYPES for item in items)


def qti_identifier(hex_id: str) -> str:
    """``K`` + url-safe base64 of the 16 bytes of a hex id, unpadded: an XML NCName."""
    return "K" + base64.urlsafe_b64encode(bytes.fromhex(hex_id)).decode("ascii").rstrip("=")


def _q(tag: str) -> str:
    """A QTI 3.0 element name as ElementTree reports it when parsing."""
    return f"{{{QTI_NS}}}{tag}"


def _sub(parent: ElementTree.Element, tag: str, **attrs: str) -> ElementTree.Element:
    return ElementTree.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items()})


class _Package:
    """Collects the package members; copies stored images in as items refer to them."""

    def __init__(self, node_label: str):
        self.node_label = node_label
        self.members: dict[str, bytes] = {}
        self.resources: list[tuple[str, str, list[str]]] = []  # identifier, href, other files
        self.perseus = _Archive(node_label)  # embedded Perseus questions and their images

    def image(self, checksum: str, ext: str) -> str:
        """Copy a stored image into ``items/images/``; return its path relative to the items."""
        name = f"images/{checksum}.{ext}"
        if f"items/{name}" not in self.members:
            try:
                with storage.open_object(storage.storage_key(checksum, ext)) as fh:
                    self.members[f"items/{name}"] = fh.read()
            except (FileNotFoundError, OSError) as exc:
                raise NodeError(f"{self.node_label}: image {checksum}.{ext} is missing from storage") from exc
        return name

    def add_item(self, identifier: str, data: bytes, images: list[str], extra: list[str]) -> None:
        href = f"items/{identifier}.xml"
        self.members[href] = data
        files = sorted({f"items/{name}" for name in images}) + list(extra)
        self.resources.append((identifier, href, files))

    def manifest(self, identifier: str) -> bytes:
        root = ElementTree.Element(
            "manifest",
            {
                "xmlns": MANIFEST_NS,
                "xmlns:xsi": XSI_NS,
                "xsi:schemaLocation": MANIFEST_SCHEMA,
                "identifier": identifier,
                "version": "1.0",
            },
        )
        metadata = ElementTree.SubElement(root, "metadata")
        ElementTree.SubElement(metadata, "schema").text = "QTI Package"
        ElementTree.SubElement(metadata, "schemaversion").text = "3.0.0"
        ElementTree.SubElement(root, "organizations")
        resources = ElementTree.SubElement(root, "resources")
        for rid, href, files in self.resources:
            resource = ElementTree.SubElement(
                resources, "resource", {"identifier": rid, "type": ITEM_RESOURCE_TYPE, "href": href}
            )
            for name in [href, *files]:
                ElementTree.SubElement(resource, "file", {"href": name})
        return _serialize(root)

    def build(self, identifier: str) -> bytes:
        members = dict(self.members)
        for name, data in self.perseus.members.items():
            members[f"perseus/{name}"] = data
        members["imsmanifest.xml"] = self.manifest(identifier)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
            for name in sorted(members, key=lambda n: (n != "imsmanifest.xml", n)):
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.create_system = 0
                info.compress_type = zipfile.ZIP_STORED
                zf.writestr(info, members[name])
            zf.comment = ZIP_COMMENT
        return buffer.getvalue()


# --- text -> QTI flow content ----------------------------------------------------------------


def _flow(package: _Package, parent: ElementTree.Element, text: str, images: list[str]) -> None:
    """Studio's question text (markdown / plain text) as QTI flow content under ``parent``.

    Paragraphs (blank-line separated) become ``<p>``, line breaks ``<br>``, markdown images
    ``<img>`` pointing into ``items/images/``. Other markdown and ``$$formulas$$`` stay as
    text: escaped, never interpreted as markup.
    """
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        if not block.strip():
            continue
        paragraph = _sub(parent, "p")
        last: ElementTree.Element | None = None
        for line_no, line in enumerate(block.split("\n")):
            if line_no:
                last = _sub(paragraph, "br")
            pos = 0
            for match in IMAGE_MD_RE.finditer(line):
                last = _text(paragraph, last, line[pos : match.start()])
                # ``is None``, not ``or``: an Element without children is falsy, so ``or`` put the
                # markdown back in as text beside every image.
                image = _image(package, paragraph, match, images)
                last = _text(paragraph, last, match.group(0)) if image is None else image
                pos = match.end()
            last = _text(paragraph, last, line[pos:])


def _text(parent: ElementTree.Element, last: ElementTree.Element | None, text: str) -> ElementTree.Element | None:
    if text:
        if last is None:
            parent.text = (parent.text or "") + text
        else:
            last.tail = (last.tail or "") + text
    return last


def _image(package: _Package, parent: ElementTree.Element, match: re.Match, images: list[str]):
    src = match.group(2)
    graphie = GRAPHIE_SRC_RE.fullmatch(src)
    stored = STORED_SRC_RE.fullmatch(src)
    if graphie:
        # A graphie is an svg plus Perseus data; the svg alone is the picture.
        name = graphie.group(1)
        try:
            with storage.open_object(storage.storage_key(name, "graphie")) as fh:
                svg = fh.read().decode("utf-8").partition(exercises.GRAPHIE_DELIMITER)[0]
        except (FileNotFoundError, OSError) as exc:
            raise NodeError(f"{package.node_label}: graphie {name} is missing from storage") from exc
        path = f"images/{name}.svg"
        package.members[f"items/{path}"] = svg.encode("utf-8")
    elif stored:
        path = package.image(stored.group(1), stored.group(2))
    else:
        return None  # an external URL: not packaged, left as text
    images.append(path)
    attrs = {"src": path, "alt": match.group(1) or ""}
    if match.group(3):
        attrs["width"] = str(_number(match.group(3)))
        attrs["height"] = str(_number(match.group(4)))
    return _sub(parent, "img", **attrs)


# --- items -----------------------------------------------------------------------------------


def _item(identifier: str, title: str, language: str | None) -> ElementTree.Element:
    attrs = {
        "xmlns": QTI_NS,
        "xmlns:xsi": XSI_NS,
        "xsi:schemaLocation": QTI_SCHEMA,
        "identifier": identifier,
        "title": title,
        "adaptive": "false",
        "time-dependent": "false",
    }
    if language:
        attrs["xml:lang"] = language
    return ElementTree.Element("qti-assessment-item", attrs)


def _score(item: ElementTree.Element) -> None:
    _sub(item, "qti-outcome-declaration", identifier="SCORE", cardinality="single", base_type="float")


def _serialize(root: ElementTree.Element) -> bytes:
    # Trees are built with plain names and literal xmlns attributes, so serializing needs no
    # namespace map (register_namespace would change a process-wide one).
    return (XML_DECLARATION + ElementTree.tostring(root, encoding="unicode")).encode("utf-8")


def _choice_item(package, item, identifier, title, language, label, images) -> ElementTree.Element:
    multiple = CHOICE_TYPES[item["type"]]
    answers = [a for a in _loads(item["answers"], label, "answers") if str(a.get("answer") or "").strip()]
    if not answers:
        raise NodeError(f"{label}: question {item['assessment_id']} has no answers to choose from")
    root = _item(identifier, title, language)
    response = _sub(
        root,
        "qti-response-declaration",
        identifier="RESPONSE",
        cardinality="multiple" if multiple else "single",
        base_type="identifier",
    )
    correct = [f"choice_{i}" for i, a in enumerate(answers) if a.get("correct")]
    if correct:
        values = _sub(response, "qti-correct-response")
        for choice in correct:
            _sub(values, "qti-value").text = choice
    _score(root)
    body = _sub(root, "qti-item-body")
    interaction = _sub(
        body,
        "qti-choice-interaction",
        response_identifier="RESPONSE",
        shuffle="true" if item["randomize"] else "false",
        max_choices="0" if multiple else "1",
        min_choices="0",
    )
    _flow(package, _sub(interaction, "qti-prompt"), item["question"], images)
    for i, answer in enumerate(answers):
        _flow(package, _sub(interaction, "qti-simple-choice", identifier=f"choice_{i}"), str(answer["answer"]), images)
    _sub(root, "qti-response-processing", template=MATCH_CORRECT)
    return root


def _text_entry_item(package, item, identifier, title, language, label, images) -> ElementTree.Element:
    answers = [str(a.get("answer")).strip() for a in _loads(item["answers"], label, "answers") if a.get("answer")]
    answers = [a for a in answers if a]
    numeric = bool(answers) and all(_number(a) is not None for a in answers)
    if numeric:
        # A float response compares values, and its map keys must be floats: "1/2" goes in as 0.5.
        answers = [str(_number(a)) for a in answers]
    root = _item(identifier, title, language)
    response = _sub(
        root,
        "qti-response-declaration",
        identifier="RESPONSE",
        cardinality="single",
        base_type="float" if numeric else "string",
    )
    if answers:
        # Every listed answer is correct (Studio's input questions), so score through a mapping.
        _sub(_sub(response, "qti-correct-response"), "qti-value").text = answers[0]
        mapping = _sub(response, "qti-mapping", default_value="0")
        for answer in dict.fromkeys(answers):
            _sub(mapping, "qti-map-entry", map_key=answer, mapped_value="1")
    _score(root)
    body = _sub(root, "qti-item-body")
    _flow(package, body, item["question"], images)
    _sub(_sub(body, "p"), "qti-text-entry-interaction", response_identifier="RESPONSE", expected_length="20")
    if answers:
        _sub(root, "qti-response-processing", template=MAP_RESPONSE)
    return root


def _free_response_item(package, item, identifier, title, language, label, images) -> ElementTree.Element:
    """A text-entry item with no correct response: the learner's text is not machine-scored.
    (Text entry, as Studio does, not extended text: Kolibri 0.19.5's qti_viewer renders only
    choice and text-entry interactions.)"""
    if not (item["question"] or "").strip():
        raise NodeError(f"{label}: question {item['assessment_id']} (free_response) has no text")
    root = _item(identifier, title, language)
    _sub(root, "qti-response-declaration", identifier="RESPONSE", cardinality="single", base_type="string")
    _score(root)
    body = _sub(root, "qti-item-body")
    _flow(package, body, item["question"], images)
    _sub(_sub(body, "p"), "qti-text-entry-interaction", response_identifier="RESPONSE", expected_length="200")
    return root  # no response processing: a free response is not machine-scored


def _perseus_item(package, item, identifier, title, language, label) -> tuple[bytes, list[str]]:
    raw, _images = package.perseus.text(item["raw_data"] or "")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise NodeError(f"{label}: question {item['assessment_id']} has invalid Perseus data") from exc
    path = f"perseus/{identifier}.json"
    package.perseus.members[f"{identifier}.json"] = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    root = _item(identifier, title, language)
    _sub(root, "qti-response-declaration", identifier="RESPONSE", cardinality="record")
    _score(root)
    body = _sub(root, "qti-item-body")
    _sub(
        body, "qti-custom-interaction", response_identifier="RESPONSE", data_type="perseus", data_item_path=f"../{path}"
    )
    raw_data = item["raw_data"] or ""
    images = {f"perseus/images/{c}.{e}" for c, e in STORED_SRC_RE.findall(raw_data)}
    for name in GRAPHIE_SRC_RE.findall(raw_data):
        images |= {f"perseus/images/{name}.svg", f"perseus/images/{name}-data.json"}
    extra = [path, *sorted(images)]
    return _serialize(root), extra


def qti_item_problem(raw: str) -> str | None:
    """What makes ``raw`` unusable as a QTI 3.0 item Kolibri can show, or None.

    One rule for saving (the sync assessmentitem table) and publishing: well-formed XML, no
    DOCTYPE/ENTITY declaration (QTI needs none; it is how entity-expansion attacks get in),
    a ``qti-assessment-item`` root with a ``qti-item-body`` (Kolibri's viewer reads tag
    names; the namespace is not checked).
    """
    if "<!DOCTYPE" in raw or "<!ENTITY" in raw:
        return "contains a DOCTYPE or ENTITY declaration"
    try:
        root = ElementTree.fromstring(raw)
    except ElementTree.ParseError as exc:
        return f"is not well-formed XML ({exc})"
    namespace, _, local = root.tag.rpartition("}")
    if local != "qti-assessment-item":
        return f"is not a QTI 3.0 item (root element <{local}>, expected <qti-assessment-item>)"
    if root.find(f"{namespace}}}qti-item-body" if namespace else "qti-item-body") is None:
        return "has no qti-item-body"
    return None


def _qti_item(package: _Package, item: dict, identifier: str, label: str) -> tuple[bytes, list[str]]:
    """A stored QTI question's item XML, checked to be a QTI 3.0 item Kolibri can read."""
    aid = item["assessment_id"]
    raw = item["raw_data"] or ""
    problem = qti_item_problem(raw)
    if problem:
        raise NodeError(f"{label}: question {aid} has QTI data that {problem}")
    images = []
    if GRAPHIE_SRC_RE.search(raw):
        raise NodeError(f"{label}: question {aid} refers to a graphie, which a QTI item cannot show")
    for checksum, ext in STORED_SRC_RE.findall(raw):
        images.append(package.image(checksum, ext))
    return raw.replace(STORED_REF, "images/").replace(STORAGE_PLACEHOLDER + "/", "images/").encode("utf-8"), images


def build_qti(
    *,
    node_label: str,
    content_id: str,
    title: str,
    language: str | None,
    items: list[dict],
) -> tuple[bytes, list[str]]:
    """The QTI package (``.zip``) for an exercise, and its manifest identifiers in order.

    ``items`` are AssessmentItem values as for ``build_perseus``. The identifiers are what
    ``content_assessmentmetadata.assessment_item_ids`` must list for a QTI package. Raises
    NodeError (naming ``node_label`` and the question) for an unknown type, QTI data that is
    not a QTI 3.0 item, unreadable answers or Perseus data, or a missing image. Mastery and
    randomization are not in the package: Kolibri reads them from the assessment metadata.
    """
    package = _Package(node_label)
    ids: list[str] = []
    for position, item in enumerate(items, start=1):
        aid = item["assessment_id"]
        kind = item["type"]
        try:
            identifier = qti_identifier(aid)
        except ValueError as exc:
            raise NodeError(f"{node_label}: question {aid} has an id that is not 32 hex digits") from exc
        item_title = f"{title} {position}"
        images: list[str] = []
        extra: list[str] = []
        if kind == exercises.QTI:
            data, images = _qti_item(package, item, identifier, node_label)
        elif kind == exercises.PERSEUS_QUESTION:
            data, extra = _perseus_item(package, item, identifier, item_title, language, node_label)
        else:
            if kind in CHOICE_TYPES:
                build = _choice_item
            elif kind == exercises.INPUT_QUESTION:
                build = _text_entry_item
            elif kind == exercises.FREE_RESPONSE:
                build = _free_response_item
            else:
                raise NodeError(f"{node_label}: question {aid} has type {kind!r}, which cannot be published")
            data = _serialize(build(package, item, identifier, item_title, language, node_label, images))
        package.add_item(identifier, data, images, extra)
        ids.append(identifier)
    return package.build(qti_identifier(content_id)), ids
