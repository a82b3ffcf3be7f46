"""``manage.py create_user EMAIL PASSWORD``: an account without the sign-up e-mail round trip
(operators, and the browser tests' set-up). Prints the user as JSON."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from contentcuration import tree
from contentcuration.accounts.registration import find_user
from contentcuration.models import User


class Command(BaseCommand):
    help = "Create an account (active unless --inactive) and print it as JSON."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("password")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--inactive", action="store_true", help="as if the activation link was never opened")
        parser.add_argument("--admin", action="store_true")

    def handle(self, *args, **options):
        if find_user(options["email"]) is not None:
            raise CommandError(f"An account with the email {options['email']} already exists.")
        create = User.objects.create_superuser if options["admin"] else User.objects.create_user
        user = create(
            options["email"],
            options["password"],
            first_name=options["first_name"],
            last_name=options["last_name"],
            is_active=not options["inactive"],
            # The operator vouches for the address (an active account); --inactive is the
            # state of a sign-up whose link was never opened, so unverified.
            email_verified=not options["inactive"],
        )
        tree.ensure_clipboard(user=user)
        self.stdout.write(json.dumps({"id": user.pk, "email": user.email, "is_active": user.is_active}))
