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


class InvalidName(ValueError):
    """A name field that is not a string or is too long; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


NAME_MAX_LENGTH = User._meta.get_field("first_name").max_length


def update_full_name(*, user: User, first_name: str, last_name: str) -> User:
    """Set the user's first and last name (trimmed; the first name is required).

    Raises InvalidName naming the field at fault; nothing is saved then.
    """
    values = {}
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if not isinstance(value, str):
            raise InvalidName(field, "Must be a string.")
        value = value.strip()
        if len(value) > NAME_MAX_LENGTH:
            raise InvalidName(field, f"Ensure this field has no more than {NAME_MAX_LENGTH} characters.")
        values[field] = value
    if not values["first_name"]:
        raise InvalidName("first_name", "This field is required.")
    User.objects.filter(pk=user.pk).update(**values)
    user.first_name, user.last_name = values["first_name"], values["last_name"]
    return user
