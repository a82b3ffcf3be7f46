"""Verify the nested-set invariants of every tree (or one channel's trees)."""

from django.core.management.base import BaseCommand, CommandError

from contentcuration.models import Channel, ContentNode
from contentcuration.tree import find_tree_error


class Command(BaseCommand):
    help = "Check every tree's nested-set numbering; exit 1 naming the first broken node."

    def add_arguments(self, parser):
        parser.add_argument("--channel", help="check only this channel's trees")

    def handle(self, *args, **options):
        if options["channel"]:
            channel = Channel.objects.filter(pk=options["channel"]).first()
            if channel is None:
                raise CommandError(f"Channel {options['channel']} does not exist.")
            tree_ids = ContentNode.objects.filter(pk__in=channel.tree_root_ids()).values_list("tree_id", flat=True)
        else:
            tree_ids = ContentNode.objects.filter(parent=None).values_list("tree_id", flat=True)
        tree_ids = sorted(set(tree_ids))
        for tree_id in tree_ids:
            error = find_tree_error(tree_id)
            if error:
                raise CommandError(f"Broken tree: {error}")
        self.stdout.write(f"{len(tree_ids)} trees checked, all consistent.")
