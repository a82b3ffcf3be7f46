"""Channel and what hangs off it: tokens, versions, history, invitations and channel sets.

A channel owns up to five trees: ``main_tree`` (what curators edit and publish),
``staging_tree`` (a chef upload waiting to be deployed), ``chef_tree`` (an upload in progress),
``trash_tree`` (deleted nodes until the trash is emptied) and ``previous_tree`` (the main tree
before the last deploy). Roots are created by ``contentcuration.channels.lifecycle.create_channel``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .fields import HexIdField, new_hex_id

TREE_FIELDS = ("main_tree", "chef_tree", "trash_tree", "staging_tree", "previous_tree")


class SecretToken(models.Model):
    """A token Kolibri users type to import a channel (or a channel set)."""

    token = models.CharField(max_length=100, unique=True)
    is_primary = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.token


class ChannelQuerySet(models.QuerySet):
    def editable_by(self, user) -> ChannelQuerySet:
        if not user or not user.is_authenticated:
            return self.none()
        if user.is_admin:
            return self
        return self.filter(editors=user)

    def viewable_by(self, user) -> ChannelQuerySet:
        public = models.Q(public=True, deleted=False)
        if not user or not user.is_authenticated:
            return self.filter(public)
        if user.is_admin:
            return self
        pending = (
            Invitation.objects.addressed_to(user)
            .filter(accepted=False, declined=False, revoked=False)
            .values("channel_id")
        )
        return self.filter(
            models.Q(pk__in=Channel.editors.through.objects.filter(user=user).values("channel_id"))
            | models.Q(pk__in=Channel.viewers.through.objects.filter(user=user).values("channel_id"))
            | public
            | models.Q(pk__in=pending, deleted=False)
        )

    def tree_ids(self):
        """A subquery of the tree ids of every tree of these channels.

        The roots are one UNION of the channels' tree columns, looked up by primary key: an OR
        of ``pk IN (...)`` per column made PostgreSQL scan the whole node table for every read
        (290 ms on 100,000 nodes, benchmarks/editor.py)."""
        from .node import ContentNode

        roots = [self.order_by().values(f"{field}_id") for field in TREE_FIELDS]
        return ContentNode.objects.filter(pk__in=roots[0].union(*roots[1:])).order_by().values("tree_id")


class Channel(models.Model):
    id = HexIdField(primary_key=True, default=new_hex_id)
    name = models.CharField(max_length=200, blank=True)
    description = models.CharField(max_length=400, blank=True)
    tagline = models.CharField(max_length=150, blank=True, null=True)
    version = models.IntegerField(default=0)
    thumbnail = models.TextField(blank=True, null=True)
    thumbnail_encoding = models.JSONField(default=dict, blank=True)
    language = models.ForeignKey(
        "contentcuration.Language", null=True, blank=True, related_name="channels", on_delete=models.SET_NULL
    )
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="editable_channels", blank=True)
    viewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="view_only_channels", blank=True)
    bookmarked_by = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="bookmarked_channels", blank=True)
    public = models.BooleanField(default=False, db_index=True)
    deleted = models.BooleanField(default=False, db_index=True)
    priority = models.IntegerField(default=0)

    main_tree = models.ForeignKey(
        "contentcuration.ContentNode", null=True, blank=True, related_name="channel_main", on_delete=models.SET_NULL
    )
    chef_tree = models.ForeignKey(
        "contentcuration.ContentNode", null=True, blank=True, related_name="channel_chef", on_delete=models.SET_NULL
    )
    trash_tree = models.ForeignKey(
        "contentcuration.ContentNode", null=True, blank=True, related_name="channel_trash", on_delete=models.SET_NULL
    )
    staging_tree = models.ForeignKey(
        "contentcuration.ContentNode", null=True, blank=True, related_name="channel_staging", on_delete=models.SET_NULL
    )
    previous_tree = models.ForeignKey(
        "contentcuration.ContentNode", null=True, blank=True, related_name="channel_previous", on_delete=models.SET_NULL
    )

    content_defaults = models.JSONField(default=dict, blank=True)
    source_url = models.CharField(max_length=200, blank=True, null=True)
    demo_server_url = models.CharField(max_length=200, blank=True, null=True)
    source_id = models.CharField(max_length=200, blank=True, null=True)
    source_domain = models.CharField(max_length=300, blank=True, null=True)
    ricecooker_version = models.CharField(max_length=100, blank=True, null=True)

    published_data = models.JSONField(default=dict, blank=True)
    last_published = models.DateTimeField(null=True, blank=True)
    total_resource_count = models.IntegerField(default=0)
    published_kind_count = models.TextField(blank=True, null=True)
    published_size = models.BigIntegerField(default=0)
    included_languages = models.ManyToManyField(
        "contentcuration.Language", related_name="published_in_channels", blank=True
    )
    secret_tokens = models.ManyToManyField(SecretToken, related_name="channels", blank=True)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["name"], name="channel_name_idx"),
            models.Index(fields=["deleted", "public"], name="channel_deleted_public_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.id

    def tree_root_ids(self) -> list[str]:
        return [getattr(self, f"{f}_id") for f in TREE_FIELDS if getattr(self, f"{f}_id")]


class ChannelVersion(models.Model):
    """One published (or, with ``version`` null, draft) version of a channel."""

    id = HexIdField(primary_key=True, default=new_hex_id)
    channel = models.ForeignKey(Channel, related_name="versions", on_delete=models.CASCADE)
    version = models.PositiveIntegerField(null=True, blank=True)
    secret_token = models.ForeignKey(SecretToken, null=True, blank=True, on_delete=models.SET_NULL)
    version_notes = models.TextField(blank=True, default="")
    size = models.BigIntegerField(default=0)
    resource_count = models.IntegerField(default=0)
    kind_count = models.JSONField(default=list, blank=True)
    date_published = models.DateTimeField(null=True, blank=True)
    included_languages = models.JSONField(default=list, blank=True)
    included_licenses = models.JSONField(default=list, blank=True)
    included_categories = models.JSONField(default=list, blank=True)
    non_distributable_licenses_included = models.JSONField(default=list, blank=True)
    # node_ids added, changed and removed since the previous version.
    diff = models.JSONField(default=dict, blank=True)
    # The channel's last Change (server_rev) when the export began: every change up to it is
    # in this version, later ones may not be (channels.review lists those as unpublished).
    # Null for versions published before it was recorded.
    change_rev = models.BigIntegerField(null=True, blank=True)
    # True once ``nodes`` (PublishedNode) holds this version's manifest.
    manifest_recorded = models.BooleanField(default=False)
    # True once ``published_objects`` lists every stored object of this version's database. Versions
    # published before PublishedObject existed are read back by the garbage collector first.
    objects_recorded = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "version"], name="channelversion_channel_version_unique"),
            models.UniqueConstraint(
                fields=["channel"], condition=models.Q(version=None), name="channelversion_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} v{self.version if self.version is not None else 'draft'}"


class PublishedObject(models.Model):
    """A stored object (md5 + extension) that a ChannelVersion's database lists.

    Written in the transaction that records the version (one row per ``content_localfile``
    row of its database) and deleted with it (CASCADE; a draft is deleted when the next
    version is published). The garbage collector keeps every object named here, so a
    version stays exportable and importable whatever happens to the tree afterwards: objects
    the publish generated have no File row at all (Perseus archives, QTI packages, slideshow
    manifests, cropped thumbnails), and File rows of nodes deleted after the publish are gone.

    Rejected: File rows for generated objects (they would show in file lists, quotas and
    sync, and still not cover deleted nodes); reading every version's database at each
    collection (on S3 that downloads every database on every run).
    """

    # Two indexes only (the key, led by the version, and the collector's lookup): a publish of
    # 100,000 resources writes 100,000 rows inside its final transaction.
    pk = models.CompositePrimaryKey("version", "checksum", "extension")
    version = models.ForeignKey(
        ChannelVersion, related_name="published_objects", on_delete=models.CASCADE, db_index=False
    )
    checksum = models.CharField(max_length=32)
    extension = models.CharField(max_length=40)

    class Meta:
        indexes = [models.Index(fields=["checksum", "extension"], name="publishedobject_object_idx")]

    def __str__(self) -> str:
        return f"{self.checksum}.{self.extension} in {self.version_id}"


class ChannelHistory(models.Model):
    CREATION = "creation"
    DELETION = "deletion"
    RECOVERY = "recovery"
    PUBLICATION = "publication"
    ACTIONS = [(a, a) for a in (CREATION, DELETION, RECOVERY, PUBLICATION)]

    channel = models.ForeignKey(Channel, related_name="history", on_delete=models.CASCADE)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, related_name="channel_history", on_delete=models.SET_NULL
    )
    performed = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=50, choices=ACTIONS)

    class Meta:
        verbose_name_plural = "channel history"

    def __str__(self) -> str:
        return f"{self.action} of {self.channel_id}"


class InvitationQuerySet(models.QuerySet):
    def addressed_to(self, user) -> InvitationQuerySet:
        """Invitations to ``user``'s address, once they proved they receive its mail.

        An unverified account gets none: with activation off anyone can register any address,
        so registering an invited one first must give nothing (no channel or invitation read,
        no accept or decline).
        """
        if not user or not user.is_authenticated or not user.email_verified:
            return self.none()
        return self.filter(email__iexact=user.email)


class Invitation(models.Model):
    """An offer of edit or view access to a channel, sent to an email address.

    Answered once, by whoever proves they own the address (``User.email_verified``); the
    rules live in ``channels.sharing``.
    """

    SHARE_MODES = [("edit", "edit"), ("view", "view")]

    id = HexIdField(primary_key=True, default=new_hex_id)
    accepted = models.BooleanField(default=False)
    declined = models.BooleanField(default=False)
    revoked = models.BooleanField(default=False)
    invited = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="sent_to", on_delete=models.SET_NULL
    )
    share_mode = models.CharField(max_length=50, default="edit", choices=SHARE_MODES)
    email = models.EmailField(max_length=100, null=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="sent_by", on_delete=models.SET_NULL
    )
    channel = models.ForeignKey(Channel, null=True, related_name="pending_editors", on_delete=models.CASCADE)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True, null=True)

    objects = InvitationQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.email} to {self.channel_id}"


class ChannelSet(models.Model):
    """A named collection of channels that Kolibri imports with one token."""

    id = HexIdField(primary_key=True, default=new_hex_id)
    name = models.CharField(max_length=200, blank=True)
    description = models.CharField(max_length=400, blank=True)
    public = models.BooleanField(default=False, db_index=True)
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="channel_sets", blank=True)
    secret_token = models.ForeignKey(
        SecretToken, null=True, blank=True, related_name="channel_sets", on_delete=models.SET_NULL
    )

    def __str__(self) -> str:
        return self.name or self.id
