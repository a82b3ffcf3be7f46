"""Changes a user makes to their own profile state."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from contentcuration.models import User


@transaction.atomic
def mark_notifications_read(*, user: User, timestamp: datetime) -> datetime:
    """Move ``last_read_notification_date`` forward to ``timestamp`` (never backwards).

    Locks the user row so two tabs marking at once keep the later date. Returns the stored date.
    """
    locked = User.objects.select_for_update().only("last_read_notification_date").get(pk=user.pk)
    current = locked.last_read_notification_date
    if current is None or timestamp > current:
        User.objects.filter(pk=user.pk).update(last_read_notification_date=timestamp)
        return timestamp
    return current
