"""Saved searches: a user's named set of search parameters (spec 4.12).

A saved search belongs to the user who saved it and nobody else sees or changes it, admins
included. The browser creates, renames and deletes them through the ``savedsearch`` sync table
(contentcuration/viewsets/sync/handlers/savedsearch_changes.py); ``/api/search/saved-search`` reads them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from .fields import HexIdField, new_hex_id


def parse_saved_search_id(value: object) -> str | None:
    """A saved search id as stored (32 lower-case hex), or None when ``value`` is not a UUID.

    Studio's column is a native UUID, so a client may send the dashed form as well.
    """
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value).hex
    except ValueError:
        return None


class SavedSearchQuerySet(models.QuerySet):
    def owned_by(self, user) -> SavedSearchQuerySet:
        """The searches ``user`` saved: the only ones they may see or change (spec section 7)."""
        return self.filter(saved_by=user)


class SavedSearch(models.Model):
    """Search parameters a user keeps under a name, to run the search again later.

    ``params`` is the browser's search form as it sent it (keywords, kinds, languages...); the
    server stores it without interpreting it, so the form can grow without a migration.

    Studio keys this table with a native UUID column; we keep the 32-hex ``HexIdField`` every
    other table uses, which is what Studio emits on the wire anyway.
    """

    id = HexIdField(primary_key=True, default=new_hex_id)
    name = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)
    # bulk_update does not apply auto_now: the sync handler sets it itself.
    modified = models.DateTimeField(auto_now=True)
    params = models.JSONField(default=dict, blank=True)
    # Indexed by savedsearch_owner_created_idx below, which also serves the list's ordering.
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="saved_searches", on_delete=models.CASCADE, db_index=False
    )

    objects = SavedSearchQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "saved searches"
        indexes = [models.Index(fields=["saved_by", "-created"], name="savedsearch_owner_created_idx")]

    def __str__(self) -> str:
        return self.name or self.id
