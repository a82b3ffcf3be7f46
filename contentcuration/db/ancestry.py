"""A node's ancestors by walking ``parent`` (a recursive query), for PostgreSQL and SQLite.

In a nested set the ancestors are the rows with ``lft <= node.lft`` and ``rght >= node.rght``,
but a B-tree bounds only one of the two: the (tree_id, lft) index reads every row before the
node, which is most of a 100,000-node tree for a folder near its end, and with the bounds
given as subqueries PostgreSQL scanned the table (benchmarks/editor.py). Walking the parent
pointers costs one primary-key lookup per level. UNION, not UNION ALL: a corrupted tree with
a parent cycle ends the walk instead of looping.
"""

from __future__ import annotations

from django.db import models
from django.db.models.expressions import RawSQL


def ancestor_ids(model: type[models.Model], node_id: str) -> RawSQL:
    """A subquery of the ids of ``node_id`` and every ancestor of it (none when it does not
    exist) in ``model``'s table (ids in ``id``, parents in ``parent_id``), for ``pk__in=``."""
    table = model._meta.db_table
    return RawSQL(
        f'WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM "{table}" WHERE id = %s '
        f'UNION SELECT n.id, n.parent_id FROM "{table}" n JOIN up ON n.id = up.parent_id) SELECT id FROM up',
        [node_id],
    )
