"""Keyword search over channels and nodes: every word must match (AND), each in any of the
searchable fields (OR).

Searchable fields: channel ``name`` / ``description``; node ``title`` / ``description`` /
``author`` and tag names (a tag when it contains the word). On PostgreSQL a word matches a
field when a word of the field starts with it (a regular expression, ``~* '\\m<word>'``);
elsewhere (SQLite) when the field contains it; case-insensitively either way, and without
stemming, because curators write in every language. PostgreSQL used to parse every row into
``to_tsvector('simple', ...)``: 1.7 s for a 100,000-node channel, against 0.12 s for the
regular expression (benchmarks/editor.py), for nearly the same matches: they differ where the
parser cuts words otherwise (it splits "a_b", which ``\\m`` reads as one word, and keeps
"3.14" whole, where ``\\m14`` also matches).

This is the only module with search-specific SQL; callers pass querysets and get querysets.
"""

from __future__ import annotations

import re

from django.db import connection, models

WORD_RE = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 10  # a query is one EXISTS per word; bound the plan size


def split_keywords(keywords: str) -> list[str]:
    """The words of a search string, lower-cased, de-duplicated, in order."""
    seen: dict[str, None] = {}
    for word in WORD_RE.findall(keywords or ""):
        seen.setdefault(word.lower(), None)
    return list(seen)[:MAX_WORDS]


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _word_q(fields: tuple[str, ...], word: str, prefix: str = "") -> models.Q:
    """``word`` in any of ``fields``: on PostgreSQL at the start of a word of the field
    (``~* '\\m<word>'``), elsewhere anywhere in it (case-insensitive either way)."""
    # Words are runs of \w (split_keywords), so they hold no regular-expression syntax.
    lookup, value = ("iregex", rf"\m{word}") if _postgres() else ("icontains", word)
    q = models.Q()
    for field in fields:
        q |= models.Q(**{f"{prefix}{field}__{lookup}": value})
    return q


def nodes_matching_word(queryset: models.QuerySet, word: str) -> models.QuerySet:
    """Nodes of ``queryset`` whose title, description, author or a tag matches ``word``."""
    tagged = queryset.model.tags.through.objects.filter(contenttag__tag_name__icontains=word).values("contentnode_id")
    return queryset.filter(_word_q(("title", "description", "author"), word) | models.Q(pk__in=tagged))


def filter_nodes_by_keywords(queryset: models.QuerySet, keywords: str) -> models.QuerySet:
    """Nodes of ``queryset`` matching every word of ``keywords``.

    The words filter ``queryset`` itself, not a subquery over every node: a search within one
    channel reads that channel's rows only (it parsed every node of the database before)."""
    for word in split_keywords(keywords):
        queryset = nodes_matching_word(queryset, word)
    return queryset


def filter_channels_by_keywords(queryset: models.QuerySet, keywords: str) -> models.QuerySet:
    """Channels where every word of ``keywords`` matches the channel's name or description or
    some node of its main tree."""
    nodes = queryset.model._meta.get_field("main_tree").related_model.objects.all()
    for word in split_keywords(keywords):
        in_nodes = nodes_matching_word(nodes, word).values("tree_id")
        queryset = queryset.filter(_word_q(("name", "description"), word) | models.Q(main_tree__tree_id__in=in_nodes))
    return queryset
