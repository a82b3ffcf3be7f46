"""ContentNode: one topic or resource in a channel's tree, plus tags and prerequisites.

The tree is a django-mptt nested set (``tree_id``, ``lft``, ``rght``, ``level``). Only
``contentcuration.tree`` may write those columns or ``parent``: saving a node through the ORM
is for metadata only. A tree is identified by ``tree_id``; every channel owns several trees
(main, staging, chef, trash, previous) and each user owns a clipboard tree.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from mptt.managers import TreeManager
from mptt.models import MPTTModel, TreeForeignKey
from mptt.querysets import TreeQuerySet

from .fields import HexIdField, new_hex_id

# Input limits the sync and chef APIs enforce (read them from here, not from copies). Text
# limits are the fields' ``max_length``; these cover what a column type cannot say.
MAX_TAG_LENGTH = 30  # Studio's; ContentTag.tag_name holds 50, Studio-made data never exceeds 30
MAX_TAGS_PER_NODE = 100
# The JSON of extra_fields (options, completion criteria, randomize): a few hundred bytes in
# practice; an unbounded value was stored 20 MB large and copied into every poll.
EXTRA_FIELDS_MAX_BYTES = 16 * 1024

ORPHANAGE_ROOT_ID = "0" * 32
DELETED_CHEFS_ROOT_ID = "1" * 32

LABEL_FIELDS = (
    "grade_levels",
    "resource_types",
    "learning_activities",
    "accessibility_labels",
    "categories",
    "learner_needs",
)


class TreeIdAllocation(models.Model):
    """One row per allocated tree id: an autoincrement, so two roots created at the same time
    never share a tree id (``max(tree_id) + 1`` would race)."""

    id = models.BigAutoField(primary_key=True)
    created = models.DateTimeField(default=timezone.now)


class ContentTag(models.Model):
    id = HexIdField(primary_key=True, default=new_hex_id)
    tag_name = models.CharField(max_length=50)
    channel = models.ForeignKey(
        "contentcuration.Channel", related_name="tags", null=True, blank=True, on_delete=models.CASCADE
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag_name", "channel"], name="contenttag_name_channel_unique"),
            models.UniqueConstraint(
                fields=["tag_name"], condition=models.Q(channel=None), name="contenttag_global_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.tag_name


class ContentNodeQuerySet(TreeQuerySet):
    def editable_by(self, user) -> ContentNodeQuerySet:
        """Nodes in any tree of a channel ``user`` edits (admins: every node)."""
        from .channel import Channel

        if not user or not user.is_authenticated:
            return self.none()
        if user.is_admin:
            return self
        return self.filter(tree_id__in=Channel.objects.filter(editors=user).tree_ids())

    def viewable_by(self, user) -> ContentNodeQuerySet:
        """Nodes ``user`` may read: trees of channels they edit or view, public main trees."""
        from .channel import Channel

        public_main = Channel.objects.filter(public=True, deleted=False).values("main_tree__tree_id")
        if not user or not user.is_authenticated:
            return self.filter(tree_id__in=public_main)
        if user.is_admin:
            return self
        member = Channel.objects.filter(models.Q(editors=user) | models.Q(viewers=user))
        # One IN over a UNION: an OR of two IN subqueries made PostgreSQL scan the node table
        # instead of looking the requested rows up by their index (benchmarks/editor.py).
        return self.filter(tree_id__in=member.tree_ids().union(public_main.order_by()))


class ContentNodeManager(TreeManager.from_queryset(ContentNodeQuerySet)):
    pass


class ContentNode(MPTTModel):
    """A topic (folder) or a resource (video, audio, document, exercise, html5, ...).

    ``id`` is this row; ``node_id`` is the id Kolibri sees (new for every copy);
    ``content_id`` is shared by copies of the same content so learner progress follows it.
    ``source_*`` name the node this one was copied from, ``original_*`` the first origin.
    ``changed`` means edited since the last publish; ``complete`` is the server's verdict on
    whether the node has everything it needs to be published.
    """

    id = HexIdField(primary_key=True, default=new_hex_id)
    content_id = HexIdField(default=new_hex_id, db_index=True)
    node_id = HexIdField(default=new_hex_id, db_index=True)

    original_channel_id = HexIdField(null=True, blank=True)
    original_source_node_id = HexIdField(null=True, blank=True, db_index=True)
    source_channel_id = HexIdField(null=True, blank=True)
    source_node_id = HexIdField(null=True, blank=True)
    source_id = models.CharField(max_length=200, null=True, blank=True)
    source_domain = models.CharField(max_length=300, null=True, blank=True)

    title = models.CharField(max_length=200, blank=True)
    # max_length is checked by the APIs, not the database (a text column either way): Studio
    # sets none, and a 20 MB description was stored and copied into the change feed.
    description = models.TextField(blank=True, max_length=10_000)
    # Indexes on this table are kept to what reads need: every structural change rewrites
    # lft/rght of many rows and each index multiplies that cost (benchmarks/tree.py). Kind,
    # license and language are filtered within a tree, which the tree index already narrows.
    kind = models.ForeignKey(
        "contentcuration.ContentKind",
        related_name="nodes",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
    )
    license = models.ForeignKey(
        "contentcuration.License", null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    license_description = models.CharField(max_length=400, null=True, blank=True)
    copyright_holder = models.CharField(max_length=200, null=True, blank=True, default="")
    language = models.ForeignKey(
        "contentcuration.Language",
        null=True,
        blank=True,
        related_name="nodes",
        on_delete=models.SET_NULL,
        db_index=False,
    )
    parent = TreeForeignKey("self", null=True, blank=True, related_name="children", on_delete=models.CASCADE)
    tags = models.ManyToManyField(ContentTag, blank=True, related_name="tagged_nodes")
    prerequisite = models.ManyToManyField(
        "self",
        related_name="is_prerequisite_of",
        through="PrerequisiteContentRelationship",
        symmetrical=False,
        blank=True,
    )
    is_related = models.ManyToManyField("self", blank=True, symmetrical=False, related_name="relate_to")
    sort_order = models.FloatField(default=1)
    # Provenance pointers, not ownership: they may outlive the node they name (a copy stays
    # when its source is deleted), so no database constraint and no index to maintain.
    original_node = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        related_name="duplicates",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
    )
    cloned_source = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        related_name="clones",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
    )
    thumbnail_encoding = models.TextField(null=True, blank=True)

    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(default=timezone.now)
    published = models.BooleanField(default=False)
    publishing = models.BooleanField(default=False)
    complete = models.BooleanField(null=True, blank=True)
    changed = models.BooleanField(default=True)

    extra_fields = models.JSONField(default=dict, blank=True, null=True)
    author = models.CharField(max_length=200, blank=True, default="")
    aggregator = models.CharField(max_length=200, blank=True, default="")
    provider = models.CharField(max_length=200, blank=True, default="")
    role_visibility = models.CharField(max_length=50, default="learner")
    freeze_authoring_data = models.BooleanField(default=False)

    grade_levels = models.JSONField(null=True, blank=True)
    resource_types = models.JSONField(null=True, blank=True)
    learning_activities = models.JSONField(null=True, blank=True)
    accessibility_labels = models.JSONField(null=True, blank=True)
    categories = models.JSONField(null=True, blank=True)
    learner_needs = models.JSONField(null=True, blank=True)
    suggested_duration = models.IntegerField(null=True, blank=True)

    # Declared here (mptt would add them) so that tree_id gets no index of its own: the
    # (tree_id, lft) and (tree_id, rght) indexes below serve every tree lookup.
    tree_id = models.PositiveIntegerField(db_index=False)
    lft = models.PositiveIntegerField()
    rght = models.PositiveIntegerField()
    level = models.PositiveIntegerField()

    objects = ContentNodeManager()

    class MPTTMeta:
        order_insertion_by = []

    class Meta:
        indexes = [
            models.Index(fields=["tree_id", "lft"], name="node_tree_lft_idx"),
            models.Index(fields=["tree_id", "rght"], name="node_tree_rght_idx"),
            # The editor's per-folder counts (viewsets/contentnode.py) count a subtree's topics,
            # incomplete and coach nodes. Partial indexes hold only those rows, so a count walks
            # a handful of entries instead of the whole subtree (the root of a 100,000-node
            # channel: benchmarks/editor.py), and a renumbering pays only for the rows in them.
            models.Index(fields=["tree_id", "lft"], condition=models.Q(kind_id="topic"), name="node_topic_lft_idx"),
            models.Index(fields=["tree_id", "lft"], condition=models.Q(complete=False), name="node_incomplete_lft_idx"),
            models.Index(
                fields=["tree_id", "lft"], condition=models.Q(role_visibility="coach"), name="node_coach_lft_idx"
            ),
            # The new / updated markers: in a published channel few nodes are either, and without
            # these the marker of every folder row read its whole subtree to find none.
            models.Index(
                fields=["tree_id", "lft"],
                condition=models.Q(changed=True, published=True),
                name="node_updated_lft_idx",
            ),
            models.Index(
                fields=["tree_id", "lft"],
                condition=models.Q(changed=True, published=False),
                name="node_new_lft_idx",
            ),
            # A channel row's ``modified`` (the newest node) and ``count`` (distinct content ids
            # of its resources), read by every channel list and editor: each scanned and sorted
            # the whole main tree, 170 ms of a 100,000-node channel's row, 26 ms with these
            # (benchmarks/editor.py). Paid for by renumbering: see the benchmark's move figures.
            models.Index(fields=["tree_id", "modified"], name="node_tree_modified_idx"),
            models.Index(fields=["tree_id", "content_id", "kind"], name="node_tree_content_idx"),
        ]

    def __str__(self) -> str:
        return self.title or self.id

    # The numbering is sparse (docs/decisions/0013-sparse-nested-set.md): a node's width
    # rght - lft is not 2 * descendants + 1, which mptt's own versions of these assume.
    def get_descendant_count(self) -> int:
        if self.rght is None or self.rght - self.lft <= 1:
            return 0
        return ContentNode.objects.filter(tree_id=self.tree_id, lft__gt=self.lft, lft__lt=self.rght).count()

    def is_leaf_node(self) -> bool:
        if self.rght is None or self.rght - self.lft <= 1:
            return True
        return not ContentNode.objects.filter(tree_id=self.tree_id, lft__gt=self.lft, lft__lt=self.rght).exists()

    def get_leafnodes(self, include_self: bool = False):
        return self.get_descendants(include_self=include_self).filter(children=None)

    @property
    def kind_id_or_topic(self) -> str:
        return self.kind_id or "topic"


class PrerequisiteContentRelationship(models.Model):
    """``target_node`` requires ``prerequisite``. Both live in the same tree."""

    target_node = models.ForeignKey(ContentNode, related_name="+", on_delete=models.CASCADE)
    prerequisite = models.ForeignKey(ContentNode, related_name="+", on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target_node", "prerequisite"], name="prerequisite_edge_unique"),
            models.CheckConstraint(
                condition=~models.Q(target_node=models.F("prerequisite")),
                name="prerequisite_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_node_id} requires {self.prerequisite_id}"
