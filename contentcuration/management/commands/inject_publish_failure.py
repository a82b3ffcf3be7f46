"""manage.py inject_publish_failure CHANNEL_ID [--message TEXT]: make the channel's next
publish fail with TEXT (tests and browser tests only: refused unless the settings turn
injection on, which only contentcuration.settings.test and .e2e do)."""

from django.core.management.base import BaseCommand, CommandError

from contentcuration.publish.injected_failures import DEFAULT_MESSAGE, inject_publish_failure


class Command(BaseCommand):
    help = "Make the next publish of a channel fail (test and e2e settings only)."

    def add_arguments(self, parser):
        parser.add_argument("channel_id")
        parser.add_argument("--message", default=DEFAULT_MESSAGE)

    def handle(self, *args, channel_id, message, **options):
        try:
            inject_publish_failure(channel_id=channel_id, message=message)
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"The next publish of {channel_id} will fail with: {message}")
