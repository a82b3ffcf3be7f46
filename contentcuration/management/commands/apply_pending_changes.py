"""``manage.py apply_pending_changes``: apply change rows still marked unapplied."""

from django.core.management.base import BaseCommand

from contentcuration.viewsets.sync.pending import apply_pending_changes


class Command(BaseCommand):
    help = "Apply sync changes logged but not yet applied (stragglers from other writers)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args, **options):
        count = apply_pending_changes(limit=options["limit"])
        self.stdout.write(f"Applied {count} pending change(s).")
