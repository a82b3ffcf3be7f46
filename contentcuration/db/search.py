"""Keyword search over channels and nodes: every word must match (AND), each in any of the
searchable fields (OR).

Searchable fields: channel ``name`` / ``description``; node ``title`` / ``description`` /
``author`` and tag names. On PostgreSQL a word matches a field when a token of the field
(``to_tsvector('simple', ...)``) starts with it; elsewhere (SQLite) when the field contains it
case-insensitively. The 'simple' configuration is used because curators write in every
language and a stemmer for one language would mangle the others.

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
    q = models.Q()
    for field in fields:
        q |= models.Q(**{f"{prefix}{field}__icontains": word})
    return q


def _tsquery(word: str):
    from django.contrib.postgres.search import SearchQuery

    # Quoted lexeme with prefix match; quotes and backslashes are escaped for to_tsquery.
    escaped = word.replace("\\", "\\\\").replace("'", "''")
    return SearchQuery(f"'{escaped}':*", search_type="raw", config="simple")


def _vector(*fields: str):
    from django.contrib.postgres.search import SearchVector

    return SearchVector(*fields, config="simple")


def nodes_matching_word(queryset: models.QuerySet, word: str, vector: str | None = None) -> models.QuerySet:
    """Nodes of ``queryset`` whose title, description, author or a tag matches ``word``.

    On PostgreSQL ``vector`` names a search vector already aliased on ``queryset`` (one for
    several words, so each row's text is parsed once)."""
    tagged = queryset.model.tags.through.objects.filter(contenttag__tag_name__icontains=word).values("contentnode_id")
    contains = _word_q(("title", "description", "author"), word)
    if not _postgres():
        return queryset.filter(contains | models.Q(pk__in=tagged))
    if vector is None:
        vector = "_search"
        queryset = queryset.alias(**{vector: _vector("title", "description", "author")})
    # A token that starts with the word is a substring of the text: the cheap ILIKE is implied,
    # changes no result, and spares to_tsvector (20 times its cost) the rows without the word.
    return queryset.filter((contains & models.Q(**{vector: _tsquery(word)})) | models.Q(pk__in=tagged))


def filter_nodes_by_keywords(queryset: models.QuerySet, keywords: str) -> models.QuerySet:
    """Nodes of ``queryset`` matching every word of ``keywords``.

    The words filter ``queryset`` itself, not a subquery over every node: a search within one
    channel reads that channel's rows only (it parsed every node of the database before)."""
    words = split_keywords(keywords)
    vector = None
    if _postgres() and words:
        vector = "_search"
        queryset = queryset.alias(**{vector: _vector("title", "description", "author")})
    for word in words:
        queryset = nodes_matching_word(queryset, word, vector)
    return queryset


def filter_channels_by_keywords(queryset: models.QuerySet, keywords: str) -> models.QuerySet:
    """Channels where every word of ``keywords`` matches the channel's name or description or
    some node of its main tree."""
    channels = queryset.model.objects.all()
    nodes = queryset.model._meta.get_field("main_tree").related_model.objects.all()
    for word in split_keywords(keywords):
        in_nodes = nodes_matching_word(nodes, word).values("tree_id")
        via_nodes = models.Q(main_tree__tree_id__in=in_nodes)
        if _postgres():
            own = channels.annotate(_search=_vector("name", "description")).filter(_search=_tsquery(word))
            queryset = queryset.filter(models.Q(pk__in=own.values("pk")) | via_nodes)
        else:
            queryset = queryset.filter(_word_q(("name", "description"), word) | via_nodes)
    return queryset
