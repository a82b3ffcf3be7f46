"""First-run setup: constants, then an admin user and a demo channel only when asked. Safe to
run repeatedly.

The admin comes from ``--admin-email`` or SETUP_ADMIN_EMAIL, its password from
SETUP_ADMIN_PASSWORD (or a prompt on a terminal); the demo channel from ``--demo`` or
SETUP_DEMO_CHANNEL. Production settings ask for neither, so a server never starts with a
known admin password or sample content; settings.dev asks for both (``make run``).
"""

from __future__ import annotations

import getpass
import sys

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from contentcuration import tree
from contentcuration.demo import create_demo_channel
from contentcuration.models import User
from contentcuration.reference_loading import load_constants

HOW_TO_CREATE_AN_ADMIN = """\
No admin user was created. Create the first one with
    python manage.py createsuperuser
(with docker compose: docker compose exec web python manage.py createsuperuser), or set
SETUP_ADMIN_EMAIL and SETUP_ADMIN_PASSWORD and run python manage.py setup again."""


class Command(BaseCommand):
    help = (
        "Load constants; create an admin (--admin-email or SETUP_ADMIN_EMAIL, password from "
        "SETUP_ADMIN_PASSWORD) and the demo channel (--demo or SETUP_DEMO_CHANNEL) when asked."
    )

    def add_arguments(self, parser):
        parser.add_argument("--admin-email", help="create this admin user (default: SETUP_ADMIN_EMAIL)")
        demo = parser.add_mutually_exclusive_group()
        demo.add_argument("--demo", action="store_true", help="create the demo channel")
        demo.add_argument("--no-demo", action="store_true", help="skip the demo channel")

    def handle(self, *args, **options):
        email = options["admin_email"] or settings.SETUP_ADMIN_EMAIL
        password = self.admin_password(email) if email and not self.admin_exists(email) else None
        with transaction.atomic():
            load_constants()
            admin = self.ensure_admin(email, password) if email else None
            if options["demo"] or (settings.SETUP_DEMO_CHANNEL and not options["no_demo"]):
                owner = admin or User.objects.filter(is_superuser=True).order_by("pk").first()
                if owner is None:
                    raise CommandError(
                        "The demo channel needs an owner: create an admin first.\n" + HOW_TO_CREATE_AN_ADMIN
                    )
                channel = create_demo_channel(owner=owner)
                self.stdout.write(f"Demo channel: {channel.name} ({channel.pk})")
        if admin is None and not User.objects.filter(is_superuser=True).exists():
            self.stdout.write(HOW_TO_CREATE_AN_ADMIN)

    @staticmethod
    def admin_exists(email: str) -> bool:
        return User.objects.filter(email__iexact=email).exists()

    def admin_password(self, email: str) -> str:
        """SETUP_ADMIN_PASSWORD, or asked for on a terminal; validated unless DEBUG is on
        (settings.dev's a@a.com / a is for local development only)."""
        password = settings.SETUP_ADMIN_PASSWORD
        if not password:
            if not sys.stdin.isatty():
                raise CommandError(f"Set SETUP_ADMIN_PASSWORD to create the admin user {email}.")
            password = getpass.getpass(f"Password for {email}: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        if not settings.DEBUG:
            try:
                validate_password(password, User(email=email))
            except ValidationError as exc:
                raise CommandError("SETUP_ADMIN_PASSWORD is too weak: " + " ".join(exc.messages)) from exc
        return password

    def ensure_admin(self, email: str, password: str | None) -> User:
        admin = User.objects.filter(email__iexact=email).first()
        if admin is not None:
            self.stdout.write(f"Admin user {email} already exists")
            return admin
        admin = User.objects.create_superuser(email, password, first_name="Admin")
        tree.ensure_clipboard(user=admin)
        self.stdout.write(f"Created admin user {email}")
        return admin
