"""The demo channel ``manage.py setup`` creates, so a fresh install has something to open."""

from __future__ import annotations

import json

from django.db import transaction

from . import storage, tree
from .channels.lifecycle import create_channel
from .models import AssessmentItem, Channel, ContentNode, File, User

DEMO_CHANNEL_ID = "de" * 16


def minimal_pdf(text: str) -> bytes:
    """A small, valid one-page PDF showing ``text`` (built by hand: no PDF library needed)."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _answers(*items: tuple[str, bool]) -> str:
    return json.dumps([{"answer": a, "correct": c, "order": i} for i, (a, c) in enumerate(items, start=1)])


@transaction.atomic
def create_demo_channel(*, owner: User) -> Channel:
    """Create the demo channel unless it exists. Idempotent."""
    existing = Channel.objects.filter(pk=DEMO_CHANNEL_ID).first()
    if existing:
        return existing
    channel = create_channel(
        actor=owner,
        id=DEMO_CHANNEL_ID,
        name="Demo: Numbers and shapes",
        description="A small channel to explore the editor.",
        language_id="en",
    )
    common = {"license_id": 1, "copyright_holder": "Demo authors", "language_id": "en"}
    unit = ContentNode(kind_id="topic", title="Unit 1: Counting", complete=True)
    lesson = ContentNode(kind_id="topic", title="Lesson 1: Numbers to ten", complete=True)
    document = ContentNode(kind_id="document", title="Counting worksheet", description="Print and count.", **common)
    exercise = ContentNode(
        kind_id="exercise",
        title="Practice: counting",
        extra_fields={
            "randomize": True,
            "options": {"completion_criteria": {"model": "mastery", "threshold": {"mastery_model": "do_all"}}},
        },
        **common,
    )
    shapes = ContentNode(kind_id="topic", title="Unit 2: Shapes", complete=True)
    tree.insert_subtrees(
        target=channel.main_tree,
        subtrees=[
            tree.Subtree(unit, [tree.Subtree(lesson, [tree.Subtree(document), tree.Subtree(exercise)])]),
            tree.Subtree(shapes),
        ],
    )
    pdf = minimal_pdf("Count the apples: 1 2 3")
    checksum, key = storage.save_bytes(pdf, "pdf")
    File.objects.create(
        contentnode=document,
        checksum=checksum,
        file_size=len(pdf),
        file_on_disk=key,
        file_format_id="pdf",
        preset_id="document",
        original_filename="worksheet.pdf",
        uploaded_by=owner,
    )
    questions = [
        ("single_selection", "How many sides does a triangle have?", _answers(("3", True), ("4", False))),
        ("multiple_selection", "Which numbers are even?", _answers(("2", True), ("3", False), ("4", True))),
        ("input_question", "What is 2 + 3?", _answers(("5", True))),
        ("true_false", "Ten is more than nine.", _answers(("True", True), ("False", False))),
    ]
    AssessmentItem.objects.bulk_create(
        AssessmentItem(contentnode=exercise, type=kind, question=text, answers=answers, order=order, hints="[]")
        for order, (kind, text, answers) in enumerate(questions, start=1)
    )
    ContentNode.objects.filter(pk__in=[document.pk, exercise.pk]).update(complete=True)
    return channel
