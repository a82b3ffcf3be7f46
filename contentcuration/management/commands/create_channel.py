"""``manage.py create_channel --owner EMAIL --name NAME``: a channel made the way the app's
"New channel" makes it (channels.lifecycle.create_channel). Prints it as JSON."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from contentcuration.accounts.registration import find_user
from contentcuration.channels.lifecycle import create_channel


class Command(BaseCommand):
    help = "Create a channel owned by an existing account and print it as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True, help="the owner's email")
        parser.add_argument("--name", required=True)
        parser.add_argument("--description", default="")
        parser.add_argument("--language", default=None, help="a language id such as 'fr'")

    def handle(self, *args, **options):
        owner = find_user(options["owner"])
        if owner is None:
            raise CommandError(f"No account has the email {options['owner']}.")
        with transaction.atomic():
            channel = create_channel(
                actor=owner,
                name=options["name"],
                description=options["description"],
                language_id=options["language"],
            )
        self.stdout.write(json.dumps({"id": channel.id, "name": channel.name}))
