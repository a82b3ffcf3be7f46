"""Arm a one-shot failure for a browser or API test (contentcuration/faults.py); refused
under settings without fault injection (production)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from contentcuration import faults


class Command(BaseCommand):
    help = (
        "Make the next operation(s) of a kind fail once each, or pause (publish_pause), test settings only: "
        "inject_fault copy|publish|publish_pause"
    )

    def add_arguments(self, parser):
        parser.add_argument("fault", choices=sorted(faults.FAULTS))
        parser.add_argument("--times", type=int, default=1, help="how many operations fail (default 1)")
        parser.add_argument("--clear", action="store_true", help="disarm every armed instance instead")
        parser.add_argument(
            "--message", default="", help="what the failure says (publish); the seconds to wait (publish_pause)"
        )

    def handle(self, *args, **options):
        try:
            if options["clear"]:
                faults.disarm(options["fault"])
                self.stdout.write(f"{options['fault']}: disarmed")
                return
            if options["times"] < 1:
                raise CommandError("--times must be at least 1.")
            faults.arm(options["fault"], times=options["times"], message=options["message"])
        except (ImproperlyConfigured, ValueError) as exc:
            raise CommandError(str(exc)) from None
        what = "pause" if options["fault"] == "publish_pause" else "fail"
        self.stdout.write(f"{options['fault']}: the next {options['times']} will {what}")
