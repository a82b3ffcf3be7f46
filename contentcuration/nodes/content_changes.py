"""``content_changed``: the one way to record that nodes' content changed since the last publish.

Every write that changes what a node holds besides its own fields (its files, its questions,
a deploy replacing the tree) calls it, so each gets the same consequences: ``changed`` and
``modified`` (``tree.mark_changed``), a fresh ``content_id`` for copies whose content now
differs (copy-on-write), and the server's completeness verdict. Before, four sync handler
paths and the deploy set ``changed`` directly: ``modified`` stayed as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from contentcuration import tree
from contentcuration.models.change_types import CONTENTNODE

from .completeness import refresh_completeness
from .content_ids import refresh_copied_content_ids


@dataclass
class ContentChanges:
    """What ``content_changed`` changed beyond ``changed``/``modified``, for the caller to tell
    watchers: ``{node id: new content_id}`` and ``{node id: new complete}``."""

    content_ids: dict[str, str] = field(default_factory=dict)
    complete: dict[str, bool] = field(default_factory=dict)

    def entries(self, *, channel_id: str | None) -> list[dict[str, Any]]:
        """The contentnode changes that tell watchers (``record_server_changes`` entries; the
        sync endpoint echoes the same): new content_ids first, then verdicts."""
        mods: list[tuple[str, dict[str, Any]]] = [
            (node_id, {"content_id": content_id}) for node_id, content_id in self.content_ids.items()
        ]
        mods += [(node_id, {"complete": complete}) for node_id, complete in self.complete.items()]
        return [dict(table=CONTENTNODE, key=node_id, mods=m, channel_id=channel_id) for node_id, m in mods]


def content_changed(*, node_ids: Iterable[str | None], new_content: bool = True) -> ContentChanges:
    """Mark ``node_ids`` changed (and ``modified`` now), refresh their ``complete``, and when
    ``new_content`` (files or questions changed, not only a thumbnail) give copies among them
    their own ``content_id``. No lock (metadata only); runs in the caller's transaction.
    """
    ids = {n for n in node_ids if n}
    if not ids:
        return ContentChanges()
    tree.mark_changed(ids)
    content_ids = refresh_copied_content_ids(node_ids=ids) if new_content else {}
    return ContentChanges(content_ids=content_ids, complete=refresh_completeness(node_ids=ids))
