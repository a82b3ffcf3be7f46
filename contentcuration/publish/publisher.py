"""publish_channel: turn a channel's tree into a new Kolibri-importable version.

Order of work, chosen so that a failed or cancelled publish leaves the previous version
exactly as it was: the export is written to a scratch file; only after every node was
exported does one transaction bump the version, record it, flip the node flags and, as its
last step, replace the stored databases. The ``publishing`` flag on the main root is set by
a conditional UPDATE (so two publishes of one channel cannot run together) and reset in a
``finally``; when the process dies before its ``finally`` (``kill -9``), the job's recovery
(``jobs.recover_abandoned_jobs``, ``release_abandoned_publish``) resets it and removes the
scratch folder (decision 0008).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Max, Q, Value, When
from django.utils import timezone

from .. import faults, storage
from ..changes import record_server_change
from ..jobs import JobCancelled, progress_in_transaction
from ..models import (
    Change,
    Channel,
    ChannelHistory,
    ChannelVersion,
    ContentNode,
    Language,
    PrerequisiteContentRelationship,
    SecretToken,
    User,
)
from ..models.change_types import CHANNEL
from ..tokens import ensure_channel_tokens, proquint
from .failures import AlreadyPublishing, ChannelIncomplete, NodesFailed, PublishError, TreeChangedDuringExport
from .kolibri_schema import MIN_SCHEMA_VERSION, ContentDatabase
from .manifest import read_manifest, record_version_manifest
from .mapper import TreeExporter, language_rows, license_rows
from .versions import DATE_TIME_FORMAT, compute_diff, previous_database, record_version_objects, summarize_database

log = logging.getLogger(__name__)

EXPORT_ATTEMPTS = 3  # a move committed during the read restarts the export
MAX_ICON_BYTES = 2 * 1024 * 1024
THUMBNAIL_RE = re.compile(r"([0-9a-f]{32})\.([a-z0-9]+)")
FLAG_BATCH = 200
# Longer than any publish can take (benchmarks/publish.py: 100,000 nodes in ~30 s; Studio
# reports publishes over 1 h as anomalies) and than the broker's 1 h visibility timeout.
STALE_PUBLISHING = timedelta(hours=6)  # skipped subtrees per UPDATE when un-flagging published

Progress = Callable[[float], None]
INJECTED_FAILURE = "The publish failed (a fault injected by a test)."


@dataclass
class PublishResult:
    channel_id: str
    version: int | None
    draft: bool = False
    no_changes: bool = False
    node_count: int = 0
    resource_count: int = 0
    size: int = 0
    database_key: str | None = None
    skipped: list[dict] = field(default_factory=list)
    diff_counts: dict[str, int] = field(default_factory=dict)
    draft_token: str | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def publish_channel(
    *,
    channel_id: str,
    user: User | None,
    version_notes: str = "",
    progress: Progress | None = None,
    draft: bool = False,
    language: str | None = None,
    use_staging_tree: bool = False,
    force: bool = False,
    job_id: str | None = None,
) -> PublishResult:
    """Export the channel's main tree (or, for a draft, optionally its staging tree).

    A publish writes ``databases/<id>.sqlite3`` and ``databases/<id>-<version>.sqlite3``,
    bumps ``version``, records ``published_data[version]`` and a ChannelVersion (with the
    diff against the previous version, the last change it holds and its node manifest,
    ``manifest.py``), makes sure the channel has tokens, marks the nodes
    published and unchanged, and announces the result to sync clients. When no node changed
    since the last publish (and not ``force``) nothing is exported and no version is made.
    A draft writes ``databases/<id>-next.sqlite3`` and the draft ChannelVersion only.
    The export is written to a scratch folder named after ``job_id`` (``remove_scratch``).

    Raises ChannelIncomplete (deleted, no language, nothing publishable), AlreadyPublishing,
    NodesFailed (naming every node that could not be exported), JobCancelled (from
    ``progress``) or any storage/database error; in every case the previous version is left
    intact and ``publishing`` is reset. Incomplete nodes are skipped and listed in the result.
    """
    report = progress or (lambda _p: None)
    started = time.monotonic()
    channel = Channel.objects.filter(pk=channel_id).select_related("main_tree", "staging_tree").first()
    if channel is None:
        raise ChannelIncomplete(f"Channel {channel_id} does not exist.")
    if channel.deleted:
        raise ChannelIncomplete("Cannot publish a deleted channel.")
    if language and language != channel.language_id:
        if not Language.objects.filter(pk=language).exists():
            raise ChannelIncomplete(f"Unknown language {language!r}.")
        channel.language_id = language
        Channel.objects.filter(pk=channel.pk).update(language_id=language)
    if not channel.language_id:
        raise ChannelIncomplete("Channel must have a language before it can be published.")
    if use_staging_tree and not draft:
        raise PublishError("Only a draft can be published from the staging tree.")
    root = channel.staging_tree if use_staging_tree else channel.main_tree
    if root is None:
        raise ChannelIncomplete("Channel has no tree to publish.")

    if draft:
        result = _export_and_record(
            channel=channel, root=root, user=user, notes=version_notes, draft=True, report=report, job_id=job_id
        )
        result.seconds = time.monotonic() - started
        record_server_change(
            table=CHANNEL, key=channel.id, mods={"draft_token": result.draft_token}, channel_id=channel.id
        )
        _report_done(report)
        return result

    _mark_publishing(channel, user)
    try:
        report(1)
        faults.pause("publish_pause")  # tests only (faults.py)
        if not force and not ContentNode.objects.filter(tree_id=root.tree_id, changed=True).exists():
            record_server_change(
                table=CHANNEL, key=channel.id, mods={"publishing": False}, channel_id=channel.id, unpublishable=True
            )
            _report_done(report)
            return PublishResult(
                channel_id=channel.id, version=channel.version, no_changes=True, seconds=time.monotonic() - started
            )
        result = _export_and_record(
            channel=channel, root=root, user=user, notes=version_notes, draft=False, report=report, job_id=job_id
        )
    except ChannelIncomplete:
        _announce_failure(channel, incomplete=True)
        raise
    except BaseException:
        _announce_failure(channel, incomplete=False)
        raise
    finally:
        ContentNode.objects.filter(pk=root.pk).update(publishing=False)
    result.seconds = time.monotonic() - started
    _report_done(report)
    return result


def _report_done(report: Progress) -> None:
    try:
        report(100)
    except JobCancelled:
        pass  # a cancel that arrives after the version was recorded is too late to honour


# --- steps ------------------------------------------------------------------------------------


def _mark_publishing(channel: Channel, user: User | None) -> None:
    """Claim the channel's ``publishing`` flag, or raise AlreadyPublishing.

    A flag held by a publish job whose worker died is released first
    (``jobs.recover_abandoned_jobs``). A flag older than STALE_PUBLISHING (dated by the
    PUBLICATION history row written with it) was left by a publisher that was no job (the
    management command) and died without reaching its ``finally``; it is taken over so the
    channel cannot stay stuck in "publishing".
    """
    from ..jobs import recover_abandoned_jobs

    with transaction.atomic():
        claimed = ContentNode.objects.filter(pk=channel.main_tree_id, publishing=False).update(publishing=True)
        if not claimed and recover_abandoned_jobs(channel_ids=[channel.id]):
            claimed = ContentNode.objects.filter(pk=channel.main_tree_id, publishing=False).update(publishing=True)
        if not claimed:
            last = (
                ChannelHistory.objects.filter(channel=channel, action=ChannelHistory.PUBLICATION)
                .order_by("-performed")
                .values_list("performed", flat=True)
                .first()
            )
            if last is not None and last > timezone.now() - STALE_PUBLISHING:
                raise AlreadyPublishing("This channel is already being published.")
            log.warning("channel %s: taking over a publishing flag set at %s", channel.id, last)
        ChannelHistory.objects.create(channel=channel, actor=user, action=ChannelHistory.PUBLICATION)


def _export_and_record(
    *,
    channel: Channel,
    root: ContentNode,
    user: User | None,
    notes: str,
    draft: bool,
    report: Progress,
    job_id: str | None,
) -> PublishResult:
    export_started = timezone.now()
    last_rev = Change.objects.filter(channel_id=channel.id).aggregate(m=Max("server_rev"))["m"] or 0
    version = 0 if draft else channel.version + 1
    with tempfile.TemporaryDirectory(prefix=_scratch_prefix(job_id)) as tmp:
        path = Path(tmp) / f"{channel.id}.sqlite3"
        clock = time.monotonic()
        summary = _export(channel=channel, root=root, path=path, version=version, report=report)
        timings = {"export": time.monotonic() - clock}
        faults.pause("publish_pause")  # tests only (faults.py)
        injected = faults.take_message("publish")  # tests only (faults.py)
        if injected is not None:
            raise PublishError(injected or INJECTED_FAILURE)
        clock = time.monotonic()
        report(90)
        stats = summarize_database(path)
        report(92)
        with previous_database(channel.id) as previous:
            diff = compute_diff(path, previous, summary.changed_node_ids)
        report(94)
        timings["summary_and_diff"] = time.monotonic() - clock
        clock = time.monotonic()
        now = timezone.now()
        data = {
            "resource_count": stats["resource_count"],
            "kind_count": stats["kind_count"],
            "size": stats["size"],
            "date_published": now.strftime(DATE_TIME_FORMAT),
            "version_notes": notes,
            "included_languages": stats["included_languages"],
            "included_licenses": stats["included_licenses"],
            "included_categories": stats["included_categories"],
            # What was left out and why (issue 16): shown by the channel's version_detail.
            "skipped": summary.skipped,
        }
        version_fields = {
            "version_notes": notes,
            "size": stats["size"],
            "resource_count": stats["resource_count"],
            "kind_count": stats["kind_count"],
            "date_published": now,
            "included_languages": stats["included_languages"],
            "included_licenses": stats["included_licenses"],
            "included_categories": stats["included_categories"],
            "non_distributable_licenses_included": stats["non_distributable_licenses_included"],
            "diff": diff,
            "change_rev": last_rev,
        }
        result = PublishResult(
            channel_id=channel.id,
            version=None if draft else version,
            draft=draft,
            node_count=stats["node_count"],
            resource_count=stats["resource_count"],
            size=stats["size"],
            skipped=summary.skipped,
            diff_counts={k: len(diff[k]) for k in ("added", "changed", "removed")},
            timings=timings,
        )
        if draft:
            result.database_key = storage.database_key(channel.id, "next")
            result.draft_token = _record_draft(channel, path, version_fields)
            return result
        result.database_key = storage.database_key(channel.id)
        # Read before the final transaction, which then only inserts the rows.
        manifest = list(read_manifest(path, summary.node_pks))
        report(95)
        with _progress_while_recording(job_id, report) as step:
            _record_version(
                step=step,
                channel=channel,
                root=root,
                path=path,
                version=version,
                data=data,
                version_fields=version_fields,
                skipped_ranges=summary.skipped_ranges,
                manifest=manifest,
                export_started=export_started,
                now=now,
            )
        timings["record"] = time.monotonic() - clock
    _announce_success(channel, last_rev)
    return result


def _export(*, channel: Channel, root: ContentNode, path: Path, version: int, report: Progress):
    for attempt in range(1, EXPORT_ATTEMPTS + 1):
        root.refresh_from_db(fields=["tree_id", "lft", "rght"])
        if path.exists():
            path.unlink()
        db = ContentDatabase(path)
        try:
            summary = TreeExporter(channel=channel, root=root, db=db, progress=report).run(start=2, end=88)
        except TreeChangedDuringExport:
            db.abort()
            if attempt == EXPORT_ATTEMPTS:
                raise PublishError("The channel kept changing during the publish; try again.") from None
            log.info("tree of channel %s changed during export, retrying", channel.id)
            continue
        except BaseException:
            db.abort()
            raise
        if summary.errors:
            db.abort()
            raise NodesFailed(summary.errors)
        if summary.resource_count == 0:
            db.abort()
            raise ChannelIncomplete("Channel has no complete resources to publish.")
        db.add_languages(language_rows(summary.languages))
        db.add_licenses(license_rows(summary.licenses))
        db.add_prerequisites(
            PrerequisiteContentRelationship.objects.filter(target_node__tree_id=root.tree_id).values_list(
                "target_node__node_id", "prerequisite__node_id"
            )
        )
        db.set_channel(
            (
                channel.id,
                channel.name or "",
                channel.description or "",
                channel.tagline,
                "",
                version,
                _channel_icon(channel),
                None,
                MIN_SCHEMA_VERSION,
                root.node_id,
                root.node_id,
            )
        )
        db.finish()
        return summary
    raise AssertionError("unreachable")


def _channel_icon(channel: Channel) -> str:
    """The channel icon as a data URI: Kolibri shows it from the channel row, not a file."""
    encoded = (channel.thumbnail_encoding or {}).get("base64")
    if isinstance(encoded, str) and encoded.startswith("data:image"):
        return encoded
    match = THUMBNAIL_RE.fullmatch(channel.thumbnail or "")
    if not match:
        return ""
    try:
        with storage.open_object(storage.storage_key(match.group(1), match.group(2))) as fh:
            data = fh.read(MAX_ICON_BYTES + 1)
    except OSError:
        log.warning("channel %s: thumbnail %s is missing from storage", channel.id, channel.thumbnail)
        return ""
    if len(data) > MAX_ICON_BYTES:
        return ""
    ext = "jpeg" if match.group(2) == "jpg" else match.group(2)
    return f"data:image/{ext};base64,{base64.b64encode(data).decode('ascii')}"


@contextmanager
def _progress_while_recording(job_id: str | None, report: Progress) -> Iterator[Progress]:
    """The progress callback for the steps of the version's one transaction: for a job, one
    that writes where watchers see it at once (``jobs.progress_in_transaction``: a second
    connection on PostgreSQL; on SQLite, whose one writer is this transaction, only cancels
    are noticed); otherwise (the management command) ``report`` itself."""
    if job_id is None:
        yield report
        return
    with progress_in_transaction(job_id) as step:
        yield step


def _record_version(
    *,
    step: Progress,
    channel: Channel,
    root: ContentNode,
    path: Path,
    version: int,
    data: dict,
    version_fields: dict,
    skipped_ranges: list[tuple[int, int]],
    manifest: list[tuple],
    export_started,
    now,
) -> None:
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        if locked.version + 1 != version:
            raise PublishError("Another publish of this channel finished first; try again.")
        locked.version = version
        locked.published_data = {**(locked.published_data or {}), str(version): data}
        locked.last_published = now
        locked.total_resource_count = data["resource_count"]
        locked.published_kind_count = json.dumps(data["kind_count"])
        locked.published_size = data["size"]
        locked.save(
            update_fields=[
                "version",
                "published_data",
                "last_published",
                "total_resource_count",
                "published_kind_count",
                "published_size",
            ]
        )
        locked.included_languages.set(data["included_languages"])
        ChannelVersion.objects.filter(channel=locked, version=None).delete()
        recorded, _ = ChannelVersion.objects.update_or_create(channel=locked, version=version, defaults=version_fields)
        # With the version, in its transaction: garbage collection keeps what a version lists.
        record_version_objects(version=recorded, path=path)
        step(96)
        # Its manifest too: what version differences and the review of changes read.
        record_version_manifest(version=recorded, rows=manifest)
        step(97)
        ensure_channel_tokens(locked)
        nodes = ContentNode.objects.filter(tree_id=root.tree_id)
        # One UPDATE, touching only rows whose flags change: each row rewrite maintains every
        # index of the node table (~80 us a row on PostgreSQL, benchmarks/publish.py).
        # Edits made while the export ran are not in this version: they stay "changed".
        nodes.filter(Q(published=False) | Q(changed=True)).update(
            published=True,
            changed=Case(When(modified__lte=export_started, then=Value(False)), default=F("changed")),
        )
        for start in range(0, len(skipped_ranges), FLAG_BATCH):
            outside = Q()
            for lft, rght in skipped_ranges[start : start + FLAG_BATCH]:
                outside |= Q(lft__gte=lft, lft__lte=rght)
            nodes.filter(outside, published=True).update(published=False)
        ContentNode.objects.filter(pk=root.pk).update(published=True, changed=False)
        step(98)  # the last point where a cancel is honoured: nothing stored has changed yet
        # Storage last: if anything above fails, the stored databases are still the old ones.
        storage.save_channel_database(channel.id, path, version)
        storage.save_channel_database(channel.id, path)
    channel.refresh_from_db()
    next_key = storage.database_key(channel.id, "next")
    if storage.key_exists(next_key):
        storage.delete_key(next_key)


def _record_draft(channel: Channel, path: Path, version_fields: dict) -> str:
    with transaction.atomic():
        draft, _ = ChannelVersion.objects.select_for_update().get_or_create(channel=channel, version=None)
        if draft.secret_token is None:
            while True:
                value = proquint(64)[:10]
                if not SecretToken.objects.filter(token=value).exists():
                    break
            draft.secret_token = SecretToken.objects.create(token=value, is_primary=False)
        for name, value in version_fields.items():
            setattr(draft, name, value)
        draft.save()
        record_version_objects(version=draft, path=path)
        storage.save_channel_database(channel.id, path, "next")
        return draft.secret_token.token


# --- after a crash (jobs.recover_abandoned_jobs) -------------------------------------------------

SCRATCH_PREFIX = "publish-"
JOB_ID_RE = re.compile(r"[0-9a-zA-Z-]+")


def _scratch_prefix(job_id: str | None) -> str:
    return f"{SCRATCH_PREFIX}{job_id}-" if job_id and JOB_ID_RE.fullmatch(job_id) else SCRATCH_PREFIX


def remove_scratch(*, job_id: str) -> list[Path]:
    """Delete the scratch folders that publish job ``job_id`` left in this machine's temporary
    directory (a killed process never reaches its ``TemporaryDirectory`` cleanup)."""
    if not JOB_ID_RE.fullmatch(job_id):
        return []
    removed = []
    for path in Path(tempfile.gettempdir()).glob(f"{_scratch_prefix(job_id)}*"):
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def release_abandoned_publish(*, channel_id: str) -> None:
    """Clear the ``publishing`` flag a dead publisher held and announce the failure as its own
    ``finally`` would have (``{publishing: false, unpublished_changes: true}``). Nothing else
    needs undoing: a publish changes nothing stored before its last transaction."""
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        return
    ContentNode.objects.filter(pk=channel.main_tree_id).update(publishing=False)
    _announce_failure(channel, incomplete=False)


# --- announcements (spec studio-api 2.9) ---------------------------------------------------------


def _announce_success(channel: Channel, last_rev: int) -> None:
    channel.refresh_from_db()
    primary = channel.secret_tokens.filter(is_primary=True).values_list("token", flat=True).first()
    unpublished = Change.objects.filter(
        channel_id=channel.id,
        server_rev__gt=last_rev,
        created_by__isnull=False,
        user__isnull=True,
        unpublishable=False,
    ).exists()
    record_server_change(
        table=CHANNEL,
        key=channel.id,
        mods={
            "published": True,
            "publishing": False,
            "version": channel.version,
            "primary_token": primary,
            "draft_token": None,
            "last_published": channel.last_published.isoformat() if channel.last_published else None,
            "unpublished_changes": unpublished,
        },
        channel_id=channel.id,
        unpublishable=True,
    )


def _announce_failure(channel: Channel, *, incomplete: bool) -> None:
    mods: dict[str, Any] = {"publishing": False}
    if not incomplete:
        mods["unpublished_changes"] = True
    try:
        record_server_change(table=CHANNEL, key=channel.id, mods=mods, channel_id=channel.id, unpublishable=True)
    except Exception:  # the original error matters more than the notice
        log.exception("could not announce the failed publish of %s", channel.id)
