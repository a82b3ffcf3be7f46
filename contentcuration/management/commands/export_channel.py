"""manage.py export_channel CHANNEL_ID DIR: a folder Kolibri imports from disk (offline hand-off)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from contentcuration.management.commands.publish_channel import progress_bar
from contentcuration.publish import PublishError, export_channel_folder


class Command(BaseCommand):
    help = (
        "Write the channel's published version to DIR/content/{databases,storage}. Import it with "
        "`kolibri manage importchannel disk ID DIR` then `importcontent disk ID DIR`. For a USB "
        "drive Kolibri finds by itself, use <drive>/KOLIBRI_DATA as DIR."
    )

    def add_arguments(self, parser):
        parser.add_argument("channel_id")
        parser.add_argument("directory")
        parser.add_argument(
            "--channel-version", dest="channel_version", type=int, default=None, help="an older version"
        )
        parser.add_argument("--no-verify", action="store_true", help="skip the md5 check of copied files")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, channel_id, directory, channel_version, no_verify, no_progress, **options):
        try:
            result = export_channel_folder(
                channel_id=channel_id,
                directory=directory,
                version=channel_version,
                verify=not no_verify,
                progress=None if no_progress else progress_bar(sys.stderr),
            )
        except PublishError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Exported {channel_id} to {directory}: {result.database}, {result.files_copied} files copied "
            f"({result.bytes_copied} bytes), {result.files_present} already present."
        )
