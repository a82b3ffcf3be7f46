"""manage.py sync_channel CHANNEL_ID: pull updates from source channels inline (no worker)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from contentcuration.channels.source_sync import SyncError, SyncOptions, sync_channel_from_sources

FLAGS = ("titles_and_descriptions", "resource_details", "files", "assessment_items")


class Command(BaseCommand):
    help = "Make a channel's imported nodes match their source nodes (what a SYNCED change queues)."

    def add_arguments(self, parser):
        parser.add_argument("channel_id")
        for flag in FLAGS:
            parser.add_argument(f"--{flag.replace('_', '-')}", action="store_true", dest=flag)
        parser.add_argument("--all", action="store_true", help="every group of data")

    def handle(self, *args, **options):
        options_ = SyncOptions(**{flag: options["all"] or options[flag] for flag in FLAGS})
        if not options_.any:
            raise CommandError(f"Choose what to sync: --all or any of {', '.join(FLAGS)} (dashed).")
        try:
            result = sync_channel_from_sources(channel_id=options["channel_id"], options=options_)
        except SyncError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{result.imported} imported node(s): {result.synced} updated, {result.skipped} skipped "
            "(source missing or incomplete)."
        )
