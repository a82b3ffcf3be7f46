"""Chef node dicts -> ContentNodes, Files, AssessmentItems and tags (``add_nodes``).

This module owns the mapping of ricecooker's JSON (spec ricecooker-api.md sections 5 and 6)
into the models and every check on it. It validates a whole batch before writing anything,
so a bad node answers a structured 400 naming the node and field and leaves nothing behind;
then it inserts the batch with one ``tree.insert_nodes`` call (one renumbering) and
bulk-creates the rows hanging off the nodes.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.db.models import Q
from le_utils.constants import exercises, format_presets, roles

from contentcuration import storage, tree
from contentcuration.db.locks import lock_trees
from contentcuration.files import quota
from contentcuration.limits import (
    extra_fields_problem,
)
from contentcuration.models import (
    TREE_FIELDS,
    AssessmentItem,
    Channel,
    ContentNode,
    ContentTag,
    File,
    User,
    is_hex_id,
)
from contentcuration.nodes import field_table
from contentcuration.nodes.completeness import has_slide
from contentcuration.nodes.reference import ReferenceData, reference_data

from .chef_errors import InvalidNodeData, InvalidRequest, NotFound, Problem, QuotaExceeded
from .node_parsing import (
    ParsedFile,
    ParsedNode,
    ParsedQuestion,
    ProblemCollector,
    parse_files,
    parse_json_field,
    parse_tags,
)

QUESTION_TYPES = frozenset(
    {
        exercises.SINGLE_SELECTION,
        exercises.MULTIPLE_SELECTION,
        exercises.INPUT_QUESTION,
        exercises.PERSEUS_QUESTION,
        exercises.FREE_RESPONSE,
        exercises.QTI,
    }
)
MASTERY_MODELS = frozenset(model for model, _ in exercises.MASTERY_MODELS)


def _exercise_options(extra: dict, *, report: ProblemCollector) -> dict:
    """Move ricecooker's flat ``mastery_model``/``m``/``n`` into ``options.completion_criteria``,
    the form Kolibri reads (as Studio does on ingest)."""
    model = extra.pop("mastery_model", None)
    m, n = extra.pop("m", None), extra.pop("n", None)
    if model is None:
        return extra
    if model not in MASTERY_MODELS:
        report("extra_fields.mastery_model", f"unknown mastery model {model!r}")
        return extra
    if model == exercises.M_OF_N:
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (m, n)) or m > n:
            report("extra_fields.m", f"m_of_n needs integers 0 < m <= n, got m={m!r} n={n!r}")
            return extra
    else:
        m = n = None
    options = extra.setdefault("options", {})
    if not isinstance(options, dict):
        report("extra_fields.options", "must be an object")
        return extra
    options.setdefault(
        "completion_criteria", {"model": "mastery", "threshold": {"mastery_model": model, "m": m, "n": n}}
    )
    return extra


def _parse_questions(value: Any, *, report: ProblemCollector, ref: ReferenceData) -> list[ParsedQuestion]:
    if value is None:
        return []
    if not isinstance(value, list):
        report("questions", "must be a list")
        return []
    parsed, seen = [], set()
    for index, data in enumerate(value):
        where = f"questions[{index}]"
        if not isinstance(data, dict):
            report(where, "must be an object")
            continue
        assessment_id = data.get("assessment_id")
        if not is_hex_id(assessment_id):
            report(f"{where}.assessment_id", f"{assessment_id!r} is not a 32-character hex id")
            continue
        if assessment_id in seen:
            report(f"{where}.assessment_id", f"duplicate assessment_id {assessment_id}")
            continue
        seen.add(assessment_id)
        qtype = data.get("type")
        if qtype not in QUESTION_TYPES:
            report(f"{where}.type", f"unknown question type {qtype!r}")
            continue
        before = report.count
        answers = parse_json_field(data.get("answers"), field_name=f"{where}.answers", report=report, expected=list)
        hints = parse_json_field(data.get("hints"), field_name=f"{where}.hints", report=report, expected=list)
        if report.count > before:
            continue
        if not all(isinstance(a, dict) and "answer" in a for a in answers):
            report(f"{where}.answers", "every answer must be an object with 'answer' and 'correct'")
            continue
        if not all(isinstance(h, dict) and "hint" in h for h in hints):
            report(f"{where}.hints", "every hint must be an object with 'hint'")
            continue
        correct = sum(1 for a in answers if a.get("correct"))
        if qtype == exercises.SINGLE_SELECTION and correct != 1:
            report(f"{where}.answers", f"a single_selection question needs exactly one correct answer, has {correct}")
            continue
        if qtype in (exercises.MULTIPLE_SELECTION, exercises.INPUT_QUESTION) and correct < 1:
            report(f"{where}.answers", f"a {qtype} question needs at least one correct answer")
            continue
        if qtype == exercises.PERSEUS_QUESTION:
            if parse_json_field(data.get("raw_data"), field_name=f"{where}.raw_data", report=report, expected=dict) in (
                None,
                {},
            ):
                if report.count == before:
                    report(f"{where}.raw_data", "a perseus_question needs its Perseus item JSON")
                continue
        elif not isinstance(data.get("question"), str) or not data["question"].strip():
            report(f"{where}.question", "the question text is empty")
            continue
        files = parse_files(data.get("files"), field_name=f"{where}.files", report=report, ref=ref)
        item = AssessmentItem(
            assessment_id=assessment_id,
            type=qtype,
            question=data.get("question") or "",
            answers=json.dumps(answers),
            hints=json.dumps(hints),
            raw_data=data.get("raw_data") or "",
            source_url=(str(data["source_url"])[:400] if data.get("source_url") else None),
            randomize=bool(data.get("randomize")),
            order=index,
        )
        parsed.append(ParsedQuestion(item=item, files=files))
    return parsed


def parse_node(
    data: Any, *, ref: ReferenceData, problems: list[Problem], sort_order: float, user: User | None = None
) -> ParsedNode | None:
    """Check one node dict (spec 5.3) and build its unsaved rows; None if it had problems.

    A dict with ``source_channel_id`` and no ``kind`` is a copy of another channel's resource
    (see ``remote``); ``user`` must then be given (the source must be viewable by them).
    """
    if not isinstance(data, dict):
        problems.append(Problem("each entry of content_data must be an object", field="content_data"))
        return None
    report = ProblemCollector(data, problems)
    if "source_channel_id" in data and "kind" not in data:
        from .remote import parse_remote  # remote builds on this module's parsers

        parsed = parse_remote(data, user=user, report=report, ref=ref)
        if parsed is None or report.count:
            return None
        copy, files, tags = parsed
        placeholder = ContentNode(node_id=data["node_id"], title=copy.mods.get("title", ""), sort_order=sort_order)
        return ParsedNode(node=placeholder, files=files, tags=tags, remote=copy)
    for key in ("node_id", "content_id"):
        if not is_hex_id(data.get(key)):
            report(key, f"{data.get(key)!r} is not a 32-character hex id")
    values: dict[str, Any] = {}
    for name in field_table.TEXT_FIELDS:
        values[name] = _parse(report, name, lambda n=name: field_table.parse_text(n, data.get(n)))
    if values["title"] is not None and not values["title"].strip():
        report("title", "is required")
    kind = _parse(report, "kind", lambda: field_table.parse_kind(data.get("kind"), ref=ref))
    license_obj = _parse(report, "license", lambda: field_table.parse_license_name(data.get("license"), ref=ref))
    language = _parse(report, "language", lambda: field_table.parse_language(data.get("language"), ref=ref))
    role = _parse(report, "role", lambda: field_table.parse_role(data.get("role") or roles.LEARNER))
    duration = _parse(
        report, "suggested_duration", lambda: field_table.parse_suggested_duration(data.get("suggested_duration"))
    )

    labels: dict[str, dict[str, bool] | None] = {}
    for name in field_table.LABEL_VOCABULARY:
        value = data.get(name)
        if value in (None, []):
            labels[name] = None
        elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            report(name, "must be a list of label ids")
        else:
            try:
                field_table.check_labels(name, value)
            except field_table.InvalidField as exc:
                report(name, exc.message)
            else:
                labels[name] = {v: True for v in value}

    tags = parse_tags(data.get("tags"), report=report)
    extra = parse_json_field(data.get("extra_fields"), field_name="extra_fields", report=report, expected=dict)
    if extra is not None and (problem := extra_fields_problem(extra)):
        report("extra_fields", problem)
    if kind == "exercise" and extra is not None:
        extra = _exercise_options(extra, report=report)

    files = parse_files(data.get("files"), field_name="files", report=report, ref=ref)
    questions = _parse_questions(data.get("questions"), report=report, ref=ref) if kind == "exercise" else []
    if kind == "exercise" and not questions and not report.count:
        report("questions", "an exercise needs at least one question")
    if report.count:
        return None

    node = ContentNode(
        node_id=data["node_id"],
        content_id=data["content_id"],
        kind_id=kind,
        license=license_obj,
        language_id=language,
        role_visibility=role,
        suggested_duration=duration,
        extra_fields=extra,
        sort_order=sort_order,
        freeze_authoring_data=True,
        changed=True,
        **values,
        **labels,
    )
    node.complete = _is_complete(node, files, questions, ref)
    return ParsedNode(node=node, files=files, questions=questions, tags=list(dict.fromkeys(t.strip() for t in tags)))


def _parse(report: ProblemCollector, chef_field: str, parse) -> Any:
    """``parse()``'s value, or None after reporting its InvalidField under ``chef_field``."""
    try:
        return parse()
    except field_table.InvalidField as exc:
        report(chef_field, exc.message)
        return None


def _is_complete(node: ContentNode, files: list[ParsedFile], questions: list, ref: ReferenceData) -> bool:
    """Studio's verdict, reported not enforced: a chef may upload drafts (spec 4.6)."""
    if node.kind_id == "topic":
        return bool(node.title)
    if node.license is None or (node.license.copyright_holder_required and not node.copyright_holder):
        return False
    if node.license.is_custom and not node.license_description:
        return False
    if node.kind_id == "exercise":
        return bool(questions)
    if node.kind_id == "slideshow":  # the rule the editor and publish apply (nodes/completeness.py)
        return has_slide(node, {f.checksum.lower() for f in files if f.preset_id == format_presets.SLIDESHOW_IMAGE})
    return any(not ref.presets[f.preset_id].supplementary for f in files)


# --- writing -----------------------------------------------------------------------------------


def check_files_stored(parsed: list[ParsedNode], problems: list[Problem]) -> None:
    """Every referenced file must already be in storage (uploaded or found by the HEAD check).

    A checksum some File row already has is taken as stored; only the others are looked up,
    so a batch of nodes sharing files costs no storage round trips.
    """
    wanted: dict[tuple[str, str], list[tuple[ParsedNode, str]]] = {}
    for entry in parsed:
        for i, f in enumerate(entry.files):
            wanted.setdefault((f.checksum, f.extension), []).append((entry, f"files[{i}].filename"))
        for q_index, question in enumerate(entry.questions):
            for i, f in enumerate(question.files):
                wanted.setdefault((f.checksum, f.extension), []).append(
                    (entry, f"questions[{q_index}].files[{i}].filename")
                )
    if not wanted:
        return
    known = set(
        File.objects.filter(checksum__in={c for c, _ in wanted}).values_list("checksum", "file_format_id").distinct()
    )
    for (checksum, extension), users in wanted.items():
        if (checksum, extension) in known or storage.object_exists(checksum, extension):
            continue
        for entry, field_name in users:
            problems.append(
                Problem(
                    f"file {checksum}.{extension} is not in storage; upload it first",
                    field=field_name,
                    node_id=entry.node.node_id,
                    title=entry.node.title,
                )
            )


def check_quota(*, user: User, parsed: list[ParsedNode]) -> None:
    """Raise QuotaExceeded when the files of the batch do not fit in ``user``'s allowance
    (``files.quota.check_space``, the rule every upload path applies)."""
    sizes: dict[str, int] = {}
    for entry in parsed:
        for f in [*entry.files, *(qf for q in entry.questions for qf in q.files)]:
            sizes[f.checksum] = f.size
    try:
        quota.check_space(user=user, sizes=sizes)
    except quota.QuotaExceeded as exc:
        raise QuotaExceeded(str(exc)) from None


def get_editable_parent(*, user: User, root_id: Any) -> tuple[ContentNode, str]:
    """(node ``root_id``, its channel's id) if ``user`` may edit it and it is a topic.

    Raises NotFound (also for nodes of channels the user cannot edit), InvalidRequest.
    """
    if not is_hex_id(root_id):
        raise InvalidRequest(f"{root_id!r} is not a node id", field="root_id")
    # Node, its tree's root, the channel holding that root: indexed lookups only. The
    # generic ``editable_by`` / ``channel_id_for_tree`` subqueries cost ~25 ms each under load,
    # on each of a chef's ~1,000 calls (benchmarks/chef.py).
    parent = ContentNode.objects.filter(pk=root_id).first()
    channel_id = None
    if parent is not None:
        root_pk = parent.pk
        if parent.parent_id is not None:
            root_pk = ContentNode.objects.filter(tree_id=parent.tree_id, lft=1).values_list("pk", flat=True).first()
        holds_root = Q()
        for tree_field in TREE_FIELDS:
            holds_root |= Q(**{f"{tree_field}_id": root_pk})
        channel_id = Channel.objects.editable_by(user).filter(holds_root).values_list("pk", flat=True).first()
    if channel_id is None:
        raise NotFound(f"Node {root_id} not found or not editable", field="root_id")
    if parent.kind_id != "topic":
        raise InvalidRequest(f"Node {root_id} is a {parent.kind_id}; only topics can have children", field="root_id")
    return parent, channel_id


def add_nodes(*, user: User, parent: ContentNode, channel_id: str | None, content_data: list) -> dict[str, str]:
    """Create the nodes of ``content_data`` (chef node dicts) as the last children of ``parent``,
    a node of channel ``channel_id`` (whose tags the nodes get).

    Returns ``{node_id: new pk}`` for every node of the batch: created ones, and ones already
    under ``parent`` with the same node_id (a re-sent chunk is not duplicated, and answering
    its ids lets the client carry on into its children). Atomic: raises InvalidNodeData
    listing every problem of the batch, QuotaExceeded, or NotFound, and then writes nothing.
    Locks the parent's tree for the whole batch so two identical chunks cannot both insert.
    """
    if not isinstance(content_data, list):
        raise InvalidRequest("content_data must be a list of node objects", field="content_data")
    ref = reference_data()
    problems: list[Problem] = []
    parsed = [
        p
        for i, d in enumerate(content_data)
        if (p := parse_node(d, ref=ref, problems=problems, sort_order=i, user=user))
    ]
    check_files_stored(parsed, problems)
    if problems:
        raise InvalidNodeData(problems)
    check_quota(user=user, parsed=parsed)

    with transaction.atomic():
        lock_trees(exclusive=[parent.tree_id])
        children = list(ContentNode.objects.filter(parent_id=parent.pk).values_list("node_id", "id", "sort_order"))
        existing = {node_id: pk for node_id, pk, _ in children}
        last = max((order for _, _, order in children), default=0)
        root_ids: dict[str, str] = {}
        fresh: list[ParsedNode] = []
        for entry in parsed:
            node_id = entry.node.node_id
            if node_id in existing or node_id in root_ids:
                root_ids.setdefault(node_id, existing.get(node_id))
                continue
            entry.node.sort_order = last + len(fresh) + 1
            root_ids[node_id] = entry.node.pk
            fresh.append(entry)
        # Consecutive ordinary nodes go in one insert (one renumbering); a remote copy in
        # between splits the batch so that sibling order stays as sent.
        segment: list[ParsedNode] = []
        for entry in [*fresh, None]:
            if entry is not None and entry.remote is None:
                segment.append(entry)
                continue
            if segment:
                tree.insert_nodes(nodes=[e.node for e in segment], target=parent)
                _create_related(segment, user=user, channel_id=channel_id)
                segment = []
            if entry is not None:
                from .remote import copy_remote

                copy = copy_remote(entry, parent=parent, user=user, channel_id=channel_id)
                _add_tags([(copy.pk, entry.tags)], channel_id=channel_id, copied=True)
                root_ids[entry.node.node_id] = copy.pk
    return {k: v for k, v in root_ids.items() if v}


def _create_related(entries: list[ParsedNode], *, user: User, channel_id: str | None) -> None:
    """Files, assessment items (and their files) and tags of freshly inserted nodes, in bulk."""
    File.objects.bulk_create(
        [f.to_file(user=user, contentnode_id=e.node.pk) for e in entries for f in e.files],
        batch_size=tree.BULK_BATCH_SIZE,
    )
    items = []
    for entry in entries:
        for question in entry.questions:
            question.item.contentnode_id = entry.node.pk
            items.append(question.item)
    if items:
        AssessmentItem.objects.bulk_create(items, batch_size=tree.BULK_BATCH_SIZE)
        if any(i.pk is None for i in items):  # backends that cannot return ids from bulk inserts
            ids = {
                (n, a): pk
                for n, a, pk in AssessmentItem.objects.filter(
                    contentnode_id__in={i.contentnode_id for i in items}
                ).values_list("contentnode_id", "assessment_id", "pk")
            }
            for item in items:
                item.pk = ids[(item.contentnode_id, item.assessment_id)]
        File.objects.bulk_create(
            [f.to_file(user=user, assessment_item_id=q.item.pk) for e in entries for q in e.questions for f in q.files],
            batch_size=tree.BULK_BATCH_SIZE,
        )
    _add_tags([(e.node.pk, e.tags) for e in entries], channel_id=channel_id)


def _add_tags(pairs: list[tuple[str, list[str]]], *, channel_id: str | None, copied: bool = False) -> None:
    """Tag each node pk with its tag names, creating the channel's missing tags.

    ``copied`` nodes already carry their source's tags: links they have are skipped.
    """
    names = {t for _, tags in pairs for t in tags}
    if not names:
        return
    tags = dict(ContentTag.objects.filter(channel_id=channel_id, tag_name__in=names).values_list("tag_name", "id"))
    missing = [ContentTag(tag_name=name, channel_id=channel_id) for name in names if name not in tags]
    ContentTag.objects.bulk_create(missing)
    tags.update({t.tag_name: t.pk for t in missing})
    through = ContentNode.tags.through
    existing = set()
    if copied:
        existing = set(
            through.objects.filter(contentnode_id__in=[pk for pk, _ in pairs]).values_list(
                "contentnode_id", "contenttag_id"
            )
        )
    through.objects.bulk_create(
        [
            through(contentnode_id=pk, contenttag_id=tags[t])
            for pk, names_ in pairs
            for t in names_
            if (pk, tags[t]) not in existing
        ],
        batch_size=tree.BULK_BATCH_SIZE,
    )
