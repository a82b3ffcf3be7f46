"""Factories for single rows, and ``build_tree`` for subtrees built through ``contentcuration.tree``."""

from __future__ import annotations

import hashlib
from typing import Any

import factory

from contentcuration import tree
from contentcuration.channels.lifecycle import create_channel
from contentcuration.models import AssessmentItem, Channel, ContentNode, File, User, new_hex_id
from contentcuration.storage import storage_key


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Tester"
    password = "password"
    email_verified = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        user = model_class.objects.create_user(*args, **kwargs)
        tree.ensure_clipboard(user=user)  # as registration does
        return user


def make_channel(*, owner: User | None = None, name: str = "A channel", **fields: Any) -> Channel:
    return create_channel(actor=owner or UserFactory(), name=name, **fields)


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    name = factory.Sequence(lambda n: f"Channel {n}")

    @classmethod
    def _create(cls, model_class, *args, owner=None, **kwargs):
        return make_channel(owner=owner, **kwargs)


def node(kind: str = "topic", **fields: Any) -> ContentNode:
    """An unsaved node ready for ``tree.insert_*``."""
    fields.setdefault("title", f"{kind} {new_hex_id()[:6]}")
    return ContentNode(kind_id=kind, **fields)


def build_tree(parent: ContentNode, spec: list) -> list[ContentNode]:
    """Insert a nested spec under ``parent`` through contentcuration.tree, as production code does.

    ``spec`` items are a kind string (``"video"``), a ``(kind, children)`` pair, or
    ``(kind, children, fields)``. Returns the inserted nodes in depth-first order.
    """

    def to_subtree(item) -> tree.Subtree:
        if isinstance(item, str):
            return tree.Subtree(node(item))
        kind, children, *rest = item
        return tree.Subtree(node(kind, **(rest[0] if rest else {})), [to_subtree(c) for c in children])

    subtrees = [to_subtree(item) for item in spec]
    tree.insert_subtrees(subtrees=subtrees, target=parent)
    flat: list[ContentNode] = []

    def walk(s: tree.Subtree) -> None:
        flat.append(s.node)
        for c in s.children:
            walk(c)

    for s in subtrees:
        walk(s)
    return flat


def make_file(*, contentnode: ContentNode | None = None, data: bytes = b"content", ext: str = "pdf", **fields) -> File:
    checksum = hashlib.md5(data).hexdigest()
    fields.setdefault("preset_id", "document")
    return File.objects.create(
        contentnode=contentnode,
        checksum=checksum,
        file_size=len(data),
        file_format_id=ext,
        file_on_disk=storage_key(checksum, ext),
        **fields,
    )


def make_assessment_item(*, contentnode: ContentNode, **fields) -> AssessmentItem:
    fields.setdefault("question", "What is 1 + 1?")
    fields.setdefault("answers", '[{"answer": "2", "correct": true, "order": 1}]')
    fields.setdefault("type", "single_selection")
    return AssessmentItem.objects.create(contentnode=contentnode, **fields)
