"""Completeness: the server's verdict on whether a node has everything it needs to publish.

The server decides ``complete`` for every node on every write that can change it (node fields,
files, questions, source sync) and ignores what a client claims; reads give the reasons a node
is incomplete (``incomplete_reasons``). Studio lets the browser compute it and only downgrades
a wrong ``true``, which left good resources unpublishable (docs/decisions/0001, quirks). The
checks run in bulk: one query for licenses, one for files and one for assessment items,
whatever the number of nodes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from le_utils.constants import completion_criteria, format_presets, mastery_criteria, modalities

from contentcuration.errors import Invalid
from contentcuration.models import AssessmentItem, ContentNode, File, License

from .reference import reference_data

# Models a completion criterion may use per kind (Studio's utils/completion_criteria.py).
ALLOWED_MODELS_PER_KIND: dict[str, frozenset[str]] = {
    "document": frozenset(
        {
            completion_criteria.PAGES,
            completion_criteria.TIME,
            completion_criteria.APPROX_TIME,
            completion_criteria.REFERENCE,
        }
    ),
    "exercise": frozenset({completion_criteria.MASTERY}),
    "html5": frozenset(
        {
            completion_criteria.DETERMINED_BY_RESOURCE,
            completion_criteria.TIME,
            completion_criteria.APPROX_TIME,
            completion_criteria.REFERENCE,
        }
    ),
    "h5p": frozenset(
        {
            completion_criteria.DETERMINED_BY_RESOURCE,
            completion_criteria.TIME,
            completion_criteria.APPROX_TIME,
            completion_criteria.REFERENCE,
        }
    ),
    "zim": frozenset({completion_criteria.TIME, completion_criteria.APPROX_TIME, completion_criteria.REFERENCE}),
    "audio": frozenset({completion_criteria.TIME, completion_criteria.APPROX_TIME, completion_criteria.REFERENCE}),
    "video": frozenset({completion_criteria.TIME, completion_criteria.APPROX_TIME, completion_criteria.REFERENCE}),
    "slideshow": frozenset({completion_criteria.TIME, completion_criteria.APPROX_TIME, completion_criteria.REFERENCE}),
    "topic": frozenset({completion_criteria.MASTERY}),
}
NULL_THRESHOLD_MODELS = frozenset({completion_criteria.REFERENCE, completion_criteria.DETERMINED_BY_RESOURCE})
SELECTION_TYPES = frozenset({"single_selection", "multiple_selection", "true_false", "input_question"})


class InvalidCompletionCriteria(Invalid):
    pass


def validate_completion_criteria(criteria: Any, *, kind: str | None, complete: bool) -> dict | None:
    """Return the criterion to store (threshold forced null where the model has none).

    Full validation (threshold present and well-formed) only when ``complete``; otherwise
    only the model and its compatibility with ``kind`` are checked, as Studio does, so a
    half-edited node can be saved. Raises InvalidCompletionCriteria.
    """
    if criteria is None:
        return None
    if not isinstance(criteria, dict) or set(criteria) - {"model", "threshold", "learner_managed"}:
        raise InvalidCompletionCriteria("Invalid completion criteria")
    model = criteria.get("model")
    if model not in completion_criteria.COMPLETIONCRITERIALIST:
        raise InvalidCompletionCriteria("Invalid completion criteria")
    if kind and model not in ALLOWED_MODELS_PER_KIND.get(kind, frozenset()):
        raise InvalidCompletionCriteria("Invalid completion criteria")
    if "learner_managed" in criteria and not isinstance(criteria["learner_managed"], bool):
        raise InvalidCompletionCriteria("Invalid completion criteria")
    criteria = dict(criteria)
    if model in NULL_THRESHOLD_MODELS:
        criteria["threshold"] = None
        return criteria
    if not complete:
        return criteria
    threshold = criteria.get("threshold")
    if model == completion_criteria.MASTERY:
        if not _valid_mastery(threshold):
            raise InvalidCompletionCriteria("Invalid completion criteria")
    elif model == completion_criteria.PAGES and isinstance(threshold, str):
        if not (
            threshold.endswith("%")
            and threshold[:-1].isascii()
            and threshold[:-1].isdigit()
            and 1 <= int(threshold[:-1]) <= 100
        ):
            raise InvalidCompletionCriteria("Invalid completion criteria")
    elif isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or threshold <= 0:
        raise InvalidCompletionCriteria("Invalid completion criteria")
    return criteria


def _valid_mastery(threshold: Any) -> bool:
    if not isinstance(threshold, dict) or threshold.get("mastery_model") not in mastery_criteria.MASTERYCRITERIALIST:
        return False
    if threshold["mastery_model"] == mastery_criteria.M_OF_N:
        m, n = threshold.get("m"), threshold.get("n")
        return isinstance(m, int) and isinstance(n, int) and 0 < m <= n
    return True


def _options(node: ContentNode) -> dict:
    """``extra_fields["options"]``, or {} when either is missing or not an object."""
    extra = node.extra_fields if isinstance(node.extra_fields, dict) else {}
    options = extra.get("options")
    return options if isinstance(options, dict) else {}


def _criteria(node: ContentNode) -> dict | None:
    return _options(node).get("completion_criteria")


def _has_mastery(node: ContentNode) -> bool:
    criteria = _criteria(node)
    if isinstance(criteria, dict) and criteria.get("model") == completion_criteria.MASTERY:
        return _valid_mastery(criteria.get("threshold"))
    extra = node.extra_fields if isinstance(node.extra_fields, dict) else {}
    return extra.get("mastery_model") in mastery_criteria.MASTERYCRITERIALIST


def has_slide(node: ContentNode, images: set[str]) -> bool:
    """A slideshow needs one slide (an ``extra_fields.slideshow_data`` entry, spec ricecooker
    6.4) whose image is one of its ``slideshow_image`` files: Kolibri shows slides, not files,
    so an image no slide names, or a slide without its image, shows nothing."""
    extra = node.extra_fields if isinstance(node.extra_fields, dict) else {}
    slides = extra.get("slideshow_data")
    if not isinstance(slides, list):
        return False
    return any(isinstance(s, dict) and str(s.get("checksum") or "").lower() in images for s in slides)


# What a question lacks, as the exercise editor shows it beside the question and as the
# exercise's ``incomplete_reasons`` carry it (once per distinct problem).
NEEDS_TEXT = "needs question text"
NEEDS_ANSWERS = "needs answers"
NEEDS_CORRECT_ANSWER = "needs a correct answer"
NEEDS_ONE_CORRECT_ANSWER = "needs exactly one correct answer"
SINGLE_ANSWER_TYPES = frozenset({"single_selection", "true_false"})


def question_problems(item: Mapping[str, Any]) -> list[str]:
    """Why a question (AssessmentItem values: ``type``, ``question``, ``answers``) cannot be
    published as it stands; ``[]`` when it can. Perseus and QTI questions carry their own
    data and are checked by publish. A single-choice or true/false question with two correct
    answers is refused too: Perseus' radio widget would make it unanswerable."""
    if item["type"] in ("perseus_question", "QTI"):
        return []
    problems = []
    if not (item["question"] or "").strip():
        problems.append(NEEDS_TEXT)
    if item["type"] == "free_response":
        return problems
    try:
        answers = json.loads(item["answers"] or "[]")
    except ValueError:
        answers = None
    answers = [a for a in answers if isinstance(a, dict)] if isinstance(answers, list) else []
    answers = [a for a in answers if str(a.get("answer") if a.get("answer") is not None else "").strip()]
    if not answers:
        return [*problems, NEEDS_ANSWERS]
    correct = sum(1 for a in answers if a.get("correct"))
    if not correct:
        problems.append(NEEDS_CORRECT_ANSWER)
    elif correct > 1 and item["type"] in SINGLE_ANSWER_TYPES:
        problems.append(NEEDS_ONE_CORRECT_ANSWER)
    return problems


def _licenses(ids: set[int]) -> dict[int, License]:
    """The License rows of ``ids``, from the reference cache when it has them all."""
    known = reference_data().licenses
    if ids <= known.keys():
        return {pk: known[pk] for pk in ids}
    return {lic.pk: lic for lic in License.objects.filter(pk__in=ids)}


def incomplete_reasons(nodes: Iterable[Any], *, unsaved: bool = False) -> dict[str, list[str]]:
    """For each node (by id), why it is not complete; a complete node maps to ``[]``.

    ``nodes`` are ContentNodes or anything with the same attributes (``pk``, ``kind_id``,
    ``parent_id``, ``title``, ``license_id``, ``license_description``, ``copyright_holder``,
    ``extra_fields``). Reads licenses, files and assessment items in bulk, each only when a
    node needs it (topics need none); ``unsaved`` nodes (about to be inserted) have no files
    or questions yet, so those are not read. Writes nothing.
    """
    nodes = list(nodes)
    resources = [n for n in nodes if n.kind_id and n.kind_id != "topic"]
    license_ids = {n.license_id for n in resources if n.license_id}
    licenses = _licenses(license_ids)
    with_main_file: set[str] = set()
    slide_images: dict[str, set[str]] = {}
    questions: dict[str, list[str]] = {}  # exercise id -> its questions' problems, in order
    if resources and not unsaved:
        ids = [n.pk for n in resources]
        for node_id, preset_id, checksum in File.objects.filter(
            contentnode_id__in=ids, preset__supplementary=False
        ).values_list("contentnode_id", "preset_id", "checksum"):
            with_main_file.add(node_id)
            if preset_id == format_presets.SLIDESHOW_IMAGE:
                slide_images.setdefault(node_id, set()).add((checksum or "").lower())
        exercise_ids = [n.pk for n in resources if n.kind_id == "exercise"]
        if exercise_ids:
            for item in AssessmentItem.objects.filter(contentnode_id__in=exercise_ids, deleted=False).values(
                "contentnode_id", "type", "question", "answers"
            ):
                problems = questions.setdefault(item["contentnode_id"], [])
                problems.extend(p for p in question_problems(item) if p not in problems)

    result: dict[str, list[str]] = {}
    for node in nodes:
        reasons: list[str] = []
        kind = node.kind_id or "topic"
        if node.parent_id is not None and not (node.title or "").strip():
            reasons.append("title")
        if kind != "topic":
            license = licenses.get(node.license_id)
            if license is None:
                reasons.append("license")
            else:
                if license.is_custom and not (node.license_description or "").strip():
                    reasons.append("license_description")
                if license.copyright_holder_required and not (node.copyright_holder or "").strip():
                    reasons.append("copyright_holder")
            if kind == "exercise":
                if node.pk not in questions:
                    reasons.append("assessment_items")
                reasons.extend(questions.get(node.pk, []))
                if not _has_mastery(node):
                    reasons.append("mastery_model")
            elif kind == "slideshow":
                if not has_slide(node, slide_images.get(node.pk, set())):
                    reasons.append("slides")
            elif node.pk not in with_main_file:
                reasons.append("file")
        else:
            if _options(node).get("modality") == modalities.UNIT and not _has_mastery(node):
                reasons.append("completion_criteria")
        criteria = _criteria(node)
        if criteria is not None:
            try:
                validate_completion_criteria(criteria, kind=kind, complete=True)
            except InvalidCompletionCriteria:
                reasons.append("completion_criteria")
        result[node.pk] = reasons
    return result


def refresh_completeness(*, node_ids: Iterable[str]) -> dict[str, bool]:
    """Recompute and store ``complete`` for ``node_ids``; returns the ids whose value changed,
    mapped to their new value. One read per related table, one UPDATE per outcome."""
    nodes = list(ContentNode.objects.filter(pk__in=set(node_ids)))
    verdicts = incomplete_reasons(nodes)
    changed: dict[str, bool] = {}
    for node in nodes:
        complete = not verdicts[node.pk]
        if node.complete != complete:
            changed[node.pk] = complete
    for value in (True, False):
        ids = [pk for pk, v in changed.items() if v is value]
        if ids:
            ContentNode.objects.filter(pk__in=ids).update(complete=value)
    return changed
