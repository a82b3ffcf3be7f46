"""PublishedNode: one node as a published version exported it (the version's manifest).

Written in the transaction that records a version, one row per node of its content
database, so that two versions can be compared (``publish.version_diff``) and a node
deleted since the last publish can still be named (``channels.review``) without reading
either version's database back from storage.

Rejected: diffing the two stored SQLite databases on request (on S3 that downloads two
databases of up to ~100 MB per request); one JSON manifest per version (a diff would load
both whole, ~20 MB each for 100,000 nodes, where the database joins two index ranges).
"""

from __future__ import annotations

from django.db import models

DIGEST_LENGTH = 16  # hex characters of sha256: 64 bits, collisions irrelevant for a diff


class PublishedNode(models.Model):
    """A node of a published version: what Kolibri sees (``node_id``) and what the editor
    knows it as (``node_pk``), its place, and digests of each group of exported fields.

    ``changed_fields`` of two rows of one node_id names the groups that differ. The digests
    cover what the export wrote: ``description``; ``details`` (license, authorship, language,
    labels, visibility, options, duration, tags); ``files`` (the checksums and presets of its
    files); ``questions`` (the exercise's assessment metadata).
    """

    # Two indexes, both led by the version: the key (diffs read a version's rows by node_id)
    # and ``node_pk`` (the review names deleted nodes by ContentNode id: without it, 1.1 s to
    # scan a 100,000-node version, benchmarks/review.py). A publish of 100,000 nodes writes
    # 100,000 rows inside its final transaction, as PublishedObject does.
    pk = models.CompositePrimaryKey("version", "node_id")
    version = models.ForeignKey(
        "contentcuration.ChannelVersion", related_name="nodes", on_delete=models.CASCADE, db_index=False
    )
    node_id = models.CharField(max_length=32)
    # The ContentNode pk when the version was published (empty for versions read back from
    # a database published before manifests were kept: the database does not hold it).
    node_pk = models.CharField(max_length=32, blank=True, default="")
    lft = models.IntegerField()  # its place in the version's tree order
    content_id = models.CharField(max_length=32)
    parent_node_id = models.CharField(max_length=32, blank=True, default="")
    title = models.CharField(max_length=200, blank=True, default="")
    kind = models.CharField(max_length=200)
    description_digest = models.CharField(max_length=DIGEST_LENGTH, blank=True, default="")
    details_digest = models.CharField(max_length=DIGEST_LENGTH, blank=True, default="")
    files_digest = models.CharField(max_length=DIGEST_LENGTH, blank=True, default="")
    questions_digest = models.CharField(max_length=DIGEST_LENGTH, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["version", "node_pk"], name="publishednode_version_pk_idx")]

    def __str__(self) -> str:
        return f"{self.node_id} in {self.version_id}"
