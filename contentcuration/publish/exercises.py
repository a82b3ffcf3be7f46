"""Exercises: mastery models and the ``.perseus`` archive Kolibri's perseus viewer renders.

An archive is built from the node's assessment items on every publish. It is deterministic
(stored members, fixed dates, sorted JSON), so an unchanged exercise yields the same bytes,
the same md5, and so the same content-addressed storage object as the previous version.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from le_utils.constants import exercises

from .. import storage
from .failures import NodeError

# Studio's fixed archive metadata (spec kolibri-export 5): keeps the md5 stable.
ZIP_DATE = (2013, 3, 14, 1, 59, 26)
ZIP_COMMENT = b"Perseus file generated during export process"

PERSEUS_IMAGE_DIR = f"{exercises.IMG_PLACEHOLDER}/images"
STORAGE_PLACEHOLDER = exercises.CONTENT_STORAGE_PLACEHOLDER
# ``${☣ CONTENTSTORAGE}/<md5>.<ext>`` (optionally followed by ``=WxH`` sizing in markdown).
STORAGE_REF_RE = re.compile(re.escape(STORAGE_PLACEHOLDER) + r"/([0-9a-f]{32})\.([0-9a-z]+)")
GRAPHIE_RE = re.compile(r"web\+graphie:" + re.escape(STORAGE_PLACEHOLDER) + r"/([0-9a-f]{32})")
IMAGE_SIZE_RE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\s+=([0-9.]+)x([0-9.]+)\)")

ITEM_TYPES = {
    exercises.SINGLE_SELECTION: "single_selection",
    "true_false": "single_selection",
    exercises.MULTIPLE_SELECTION: "multiple_selection",
    exercises.INPUT_QUESTION: "input_question",
    exercises.PERSEUS_QUESTION: "perseus_question",
}
MASTERY_MODELS = frozenset(model for model, _label in exercises.MASTERY_MODELS)
COUNTED_MASTERY = {
    exercises.NUM_CORRECT_IN_A_ROW_2: 2,
    exercises.NUM_CORRECT_IN_A_ROW_3: 3,
    exercises.NUM_CORRECT_IN_A_ROW_5: 5,
    exercises.NUM_CORRECT_IN_A_ROW_10: 10,
}


@dataclass(frozen=True)
class Mastery:
    type: str
    m: int
    n: int

    def as_model(self) -> dict[str, Any]:
        return {"type": self.type, "m": self.m, "n": self.n}

    def as_threshold(self) -> dict[str, Any]:
        return {"mastery_model": self.type, "m": self.m, "n": self.n}


def mastery_for(extra_fields: dict | None, item_count: int) -> Mastery:
    """The mastery model of an exercise, read as Studio reads it.

    ``options.completion_criteria.threshold`` wins; the legacy top-level ``mastery_model`` /
    ``m`` / ``n`` keys are the fallback; ``m_of_n`` with min(5, items) is the default.
    Raises ValueError for an unknown model or non-numeric m / n.
    """
    extra = extra_fields or {}
    criteria = (extra.get("options") or {}).get("completion_criteria") or {}
    threshold = criteria.get("threshold") if criteria.get("model") == "mastery" else None
    if not isinstance(threshold, dict):
        threshold = {k: extra[k] for k in ("mastery_model", "m", "n") if k in extra}
    kind = threshold.get("mastery_model") or exercises.M_OF_N
    if kind not in MASTERY_MODELS:
        raise ValueError(f"unknown mastery model {kind!r}")
    default = max(1, min(5, item_count))
    if kind == exercises.DO_ALL:
        m = n = max(1, item_count)
    elif kind in COUNTED_MASTERY:
        m = n = COUNTED_MASTERY[kind]
    else:
        m = int(threshold.get("m") or default)
        n = int(threshold.get("n") or default)
    return Mastery(kind, max(1, m), max(1, n))


def exercise_options(extra_fields: dict | None, mastery: Mastery) -> dict[str, Any]:
    """The node ``options`` Kolibri reads "Get N correct" from: the curator's options with a
    mastery completion criterion filled in when the node only has legacy fields."""
    options = dict((extra_fields or {}).get("options") or {})
    criteria = options.get("completion_criteria")
    if not isinstance(criteria, dict) or criteria.get("model") != "mastery":
        options["completion_criteria"] = {
            "model": "mastery",
            "threshold": mastery.as_threshold(),
            "learner_managed": False,
        }
    return options


def _formulas(text: str) -> str:
    # Perseus renders $x$; Studio's editor stores $$x$$.
    return re.sub(r"\$\$(.+?)\$\$", r"$\1$", text or "", flags=re.S)


class _Archive:
    """Collects members and the stored images the questions refer to."""

    def __init__(self, node_label: str):
        self.node_label = node_label
        self.members: dict[str, bytes] = {}

    def _add_stored(self, checksum: str, ext: str) -> str:
        name = f"images/{checksum}.{ext}"
        if name not in self.members:
            try:
                with storage.open_object(storage.storage_key(checksum, ext)) as fh:
                    self.members[name] = fh.read()
            except (FileNotFoundError, OSError) as exc:
                raise NodeError(f"{self.node_label}: image {checksum}.{ext} is missing from storage") from exc
        return name

    def _add_graphie(self, name: str) -> None:
        if f"images/{name}.svg" in self.members:
            return
        try:
            with storage.open_object(storage.storage_key(name, "graphie")) as fh:
                data = fh.read().decode("utf-8")
        except (FileNotFoundError, OSError) as exc:
            raise NodeError(f"{self.node_label}: graphie {name} is missing from storage") from exc
        svg, _, meta = data.partition(exercises.GRAPHIE_DELIMITER)
        self.members[f"images/{name}.svg"] = svg.encode("utf-8")
        self.members[f"images/{name}-data.json"] = meta.encode("utf-8")

    def text(self, text: str) -> tuple[str, dict[str, Any]]:
        """Rewrite storage references to archive paths, pulling the images in.

        Returns the text and Perseus' ``images`` map (sizes from ``=WxH`` markdown)."""
        if "$$" not in text and STORAGE_PLACEHOLDER not in text:
            return text, {}  # the common case; the regexes below cost ~40% of a build
        text = _formulas(text)
        for name in GRAPHIE_RE.findall(text):
            self._add_graphie(name)
        for checksum, ext in STORAGE_REF_RE.findall(text):
            self._add_stored(checksum, ext)
        text = text.replace(STORAGE_PLACEHOLDER, PERSEUS_IMAGE_DIR)
        images: dict[str, Any] = {}
        for match in IMAGE_SIZE_RE.finditer(text):
            images[match.group(1)] = {"width": float(match.group(2)), "height": float(match.group(3))}
        text = IMAGE_SIZE_RE.sub(lambda m: m.group(0).split(" =")[0] + ")", text)
        return text, images

    def build(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
            for name in sorted(self.members, key=lambda n: (n != "exercise.json", n)):
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.create_system = 0
                info.compress_type = zipfile.ZIP_STORED
                zf.writestr(info, self.members[name])
            zf.comment = ZIP_COMMENT
        return buffer.getvalue()


def _loads(value: str | None, label: str, field: str) -> list:
    try:
        data = json.loads(value or "[]")
    except ValueError as exc:
        raise NodeError(f"{label}: {field} is not valid JSON") from exc
    if not isinstance(data, list):
        raise NodeError(f"{label}: {field} is not a list")
    return sorted((d for d in data if isinstance(d, dict)), key=lambda d: d.get("order") or 0)


def _hints(archive: _Archive, item: dict, label: str) -> list[dict]:
    hints = []
    for hint in _loads(item["hints"], label, "hints"):
        content, images = archive.text(str(hint.get("hint") or ""))
        hints.append({"content": content, "images": images, "widgets": {}, "replace": False})
    return hints


def _answer_area() -> dict[str, Any]:
    return {
        "type": "multiple",
        "options": {"content": "", "images": {}, "widgets": {}},
        "calculator": False,
        "periodicTable": False,
    }


def _choice_item(archive: _Archive, item: dict, label: str, multiple: bool) -> dict:
    question, images = archive.text(item["question"])
    choices = []
    for answer in _loads(item["answers"], label, "answers"):
        text = answer.get("answer")
        if text is None or text == "":
            continue
        content, answer_images = archive.text(str(text))
        choices.append({"content": content, "correct": bool(answer.get("correct")), "images": answer_images})
    return {
        "question": {
            "content": f"{question}\n\n[[☃ radio 1]]",
            "images": images,
            "widgets": {
                "radio 1": {
                    "type": "radio",
                    "graded": True,
                    "options": {
                        "choices": choices,
                        "randomize": bool(item["randomize"]),
                        "multipleSelect": multiple,
                        "displayCount": None,
                        "hasNoneOfTheAbove": False,
                        "onePerLine": True,
                        "deselectEnabled": False,
                    },
                    "version": {"major": 1, "minor": 0},
                }
            },
        },
        "answerArea": _answer_area(),
        "itemDataVersion": {"major": 0, "minor": 1},
        "hints": _hints(archive, item, label),
    }


FRACTION_RE = re.compile(r"\s*([+-]?[0-9]+)\s*/\s*([0-9]+)\s*")


def _number(value: Any) -> float | int | None:
    """A numeric answer as a number: "2", "0.5", "-1.25e3", or a fraction "1/2" (the editor
    offers fractions; Perseus compares values, so a learner's "1/2" matches 0.5 either way).
    None for anything else, including infinities and NaN."""
    text = str(value).strip()
    fraction = FRACTION_RE.fullmatch(text)
    try:
        number = int(fraction.group(1)) / int(fraction.group(2)) if fraction else float(text)
    except (ValueError, ZeroDivisionError):
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def _input_item(archive: _Archive, item: dict, label: str) -> dict:
    question, images = archive.text(item["question"])
    answers = []
    values: set[float] = set()
    for answer in _loads(item["answers"], label, "answers"):
        value = _number(answer.get("answer"))
        if value is None or value in values:  # "0.5" and "1/2" are one Perseus answer
            continue
        values.add(value)
        answers.append(
            {
                "value": value,
                "status": "correct",
                "message": "",
                "simplify": "required",
                "strict": False,
                "maxError": None,
            }
        )
    return {
        "question": {
            "content": f"{question}\n\n[[☃ numeric-input 1]]",
            "images": images,
            "widgets": {
                "numeric-input 1": {
                    "type": "numeric-input",
                    "graded": True,
                    "options": {"answers": answers, "size": "normal", "coefficient": False, "labelText": ""},
                    "version": {"major": 0, "minor": 0},
                }
            },
        },
        "answerArea": _answer_area(),
        "itemDataVersion": {"major": 0, "minor": 1},
        "hints": _hints(archive, item, label),
    }


def build_perseus(*, node_label: str, items: list[dict], mastery: Mastery, randomize: bool) -> tuple[bytes, list[str]]:
    """The ``.perseus`` archive for an exercise, and its question ids in order.

    ``items`` are AssessmentItem values (type, question, answers, hints, raw_data,
    assessment_id, randomize), already ordered. Raises NodeError (naming ``node_label``) for
    an unsupported question type, unreadable answers or a missing image. Exercises with
    ``free_response`` or ``QTI`` questions never come here: they are QTI packages (qti.py).
    """
    archive = _Archive(node_label)
    ids: list[str] = []
    mapping: dict[str, str] = {}
    for item in items:
        kind = ITEM_TYPES.get(item["type"])
        aid = item["assessment_id"]
        if kind is None:
            raise NodeError(f"{node_label}: question {aid} has type {item['type']!r}, which Perseus cannot show")
        if kind == "perseus_question":
            raw, _ = archive.text(item["raw_data"] or "")
            try:
                data = json.loads(raw)
            except ValueError as exc:
                raise NodeError(f"{node_label}: question {aid} has invalid Perseus data") from exc
        elif kind == "input_question":
            data = _input_item(archive, item, node_label)
        else:
            data = _choice_item(archive, item, node_label, multiple=kind == "multiple_selection")
        archive.members[f"{aid}.json"] = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        ids.append(aid)
        mapping[aid] = kind
    exercise = {
        "all_assessment_items": ids,
        "assessment_mapping": mapping,
        "mastery_model": exercises.M_OF_N,
        "legacy_mastery_model": mastery.type,
        "m": mastery.m,
        "n": mastery.n,
        "randomize": randomize,
    }
    # Compact (Studio indents): nothing reads the layout, and indent= forces json's slow
    # pure-Python encoder, a measurable share of publish time for channels full of exercises.
    archive.members["exercise.json"] = json.dumps(exercise, sort_keys=True).encode("utf-8")
    return archive.build(), ids
