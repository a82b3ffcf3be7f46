"""What a publish can fail with. Messages are shown to curators: they name the nodes at fault."""

from __future__ import annotations

from contentcuration.errors import Conflict, DomainError, Invalid


class PublishError(DomainError):
    """A publish that did not produce a version. The previous version is untouched."""


class ChannelIncomplete(PublishError, Conflict):
    """The channel cannot be published as it is (no language, deleted, nothing to export)."""


class AlreadyPublishing(PublishError, Conflict):
    """Another publish of the same channel is running."""


class NodeError(PublishError, Invalid):
    """One node could not be exported (bad exercise data, missing image, ...)."""


class NodesFailed(PublishError, Invalid):
    """One or more nodes could not be exported; ``errors`` holds one message per node."""

    def __init__(self, errors: list[str] | str):
        if isinstance(errors, str):  # rebuilt from its message (Celery's result backend)
            self.errors = [errors]
            super().__init__(errors)
            return
        self.errors = errors
        shown = "; ".join(errors[:10])
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        super().__init__(f"{len(errors)} node(s) could not be published: {shown}{more}")


class TreeChangedDuringExport(PublishError, Conflict):
    """The tree was restructured while it was being read; the export is retried."""
