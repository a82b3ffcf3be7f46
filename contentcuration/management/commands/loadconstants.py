"""Load (or refresh) kinds, formats, presets, licenses and languages from le-utils."""

from django.core.management.base import BaseCommand

from contentcuration.reference_loading import load_constants


class Command(BaseCommand):
    help = "Load le-utils constants into the database. Safe to run repeatedly."

    def handle(self, *args, **options):
        counts = load_constants()
        self.stdout.write(", ".join(f"{n} {name}" for name, n in counts.items()))
