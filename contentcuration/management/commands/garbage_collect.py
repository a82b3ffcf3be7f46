"""``manage.py garbage_collect``: remove unreferenced trees and stored objects (see files/garbage.py)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from contentcuration.files.garbage import DEFAULT_GRACE, collect_garbage


class Command(BaseCommand):
    help = "Delete trees nothing references and stored objects no File names, after a grace period."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=DEFAULT_GRACE.total_seconds() / 3600,
            help="Only collect what was last modified more than this many hours ago (default 24).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would go; delete nothing.")
        parser.add_argument("--skip-trees", action="store_true", help="Leave orphan trees alone.")
        parser.add_argument("--skip-objects", action="store_true", help="Leave stored objects alone.")

    def handle(self, *args, grace_hours: float, dry_run: bool, skip_trees: bool, skip_objects: bool, **options):
        if grace_hours < 0:
            raise CommandError("--grace-hours must not be negative.")
        result = collect_garbage(
            grace=timedelta(hours=grace_hours), dry_run=dry_run, trees=not skip_trees, objects=not skip_objects
        )
        verb = "Would delete" if dry_run else "Deleted"
        for node_id in result.trees:
            self.stdout.write(f"{verb} tree {node_id}")
        for key in result.objects:
            self.stdout.write(f"{verb} object {key}")
        for name in result.parts:
            self.stdout.write(f"{verb} abandoned upload part {name}")
        for name in result.partials:
            self.stdout.write(f"{verb} unfinished write {name}")
        self.stdout.write(
            f"{verb} {len(result.trees)} trees, {len(result.objects)} stored objects,"
            f" {len(result.parts)} abandoned upload parts and {len(result.partials)} unfinished writes."
        )
