"""manage.py publish_channel CHANNEL_ID: publish inline (no worker needed), with a progress bar."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from contentcuration.models import User
from contentcuration.publish import PublishError, publish_channel


def progress_bar(stream, width: int = 40):
    last = [-1]

    def show(percent: float) -> None:
        value = int(percent)
        if value == last[0]:
            return
        last[0] = value
        filled = width * value // 100
        stream.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {value:3d}%")
        if value >= 100:
            stream.write("\n")
        stream.flush()

    return show


class Command(BaseCommand):
    help = "Publish a channel: export its tree as a new Kolibri-importable version."

    def add_arguments(self, parser):
        parser.add_argument("channel_id")
        parser.add_argument("--notes", default="", help="version notes")
        parser.add_argument("--language", default=None, help="set the channel language first (e.g. en)")
        parser.add_argument("--draft", action="store_true", help="publish a draft (<id>-next.sqlite3)")
        parser.add_argument("--force", action="store_true", help="publish even if nothing changed")
        parser.add_argument("--user", default=None, help="email of the user recorded as publisher")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, channel_id, notes, language, draft, force, user, no_progress, **options):
        actor = None
        if user:
            actor = User.objects.filter(email__iexact=user).first()
            if actor is None:
                raise CommandError(f"No user with email {user!r}.")
        progress = None if no_progress else progress_bar(sys.stderr)
        try:
            result = publish_channel(
                channel_id=channel_id,
                user=actor,
                version_notes=notes,
                language=language,
                draft=draft,
                force=force,
                progress=progress,
            )
        except PublishError as exc:
            raise CommandError(str(exc)) from exc
        if result.no_changes:
            self.stdout.write(f"Nothing changed since version {result.version}: no new version.")
            return
        label = "draft" if result.draft else f"version {result.version}"
        self.stdout.write(
            f"Published {label} of {channel_id}: {result.node_count} nodes, {result.resource_count} resources, "
            f"{result.size} bytes of files -> {result.database_key} ({result.seconds:.1f} s)"
        )
        if result.draft_token:
            self.stdout.write(f"Draft token: {result.draft_token}")
        if result.diff_counts:
            self.stdout.write(
                "Since the previous version: " + ", ".join(f"{v} {k}" for k, v in result.diff_counts.items())
            )
        for node in result.skipped:
            self.stdout.write(f"Skipped {node['reason']}: {node['title']!r} ({node['id']})")
