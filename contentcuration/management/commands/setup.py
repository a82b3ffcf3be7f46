"""First-run setup: constants, an admin user and a demo channel. Safe to run repeatedly."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from contentcuration.constants import load_constants
from contentcuration.demo import create_demo_channel
from contentcuration.models import User


class Command(BaseCommand):
    help = "Load constants, create the admin user (SETUP_ADMIN_EMAIL / SETUP_ADMIN_PASSWORD) and a demo channel."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="skip the demo channel")

    @transaction.atomic
    def handle(self, *args, **options):
        load_constants()
        email, password = settings.SETUP_ADMIN_EMAIL, settings.SETUP_ADMIN_PASSWORD
        admin = User.objects.filter(email__iexact=email).first()
        if admin is None:
            admin = User.objects.create_superuser(email, password, first_name="Admin")
            self.stdout.write(f"Created admin user {email}")
        else:
            self.stdout.write(f"Admin user {email} already exists")
        if not options["no_demo"]:
            channel = create_demo_channel(owner=admin)
            self.stdout.write(f"Demo channel: {channel.name} ({channel.pk})")
