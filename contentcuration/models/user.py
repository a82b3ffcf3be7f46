"""Users: curators, chef authors and admins. The email address is the login name."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower


def default_disk_space() -> int:
    return settings.DEFAULT_USER_DISK_SPACE


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        """Create an active user. Django's convention: ``create_user(email, password)``."""
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email)
        fields.setdefault("is_active", True)
        user = self.model(email=email, **fields)
        user.set_password(password)
        # No clipboard here: models sit below the tree. tree.ensure_clipboard makes it.
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_admin=True, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        # Logins are case-insensitive on the email address.
        return self.get(email__iexact=username, deleted=False)


INFORMATION_FIELD_MAX_BYTES = 2000


class User(AbstractBaseUser, PermissionsMixin):
    """A person with a login. ``is_admin`` is the one flag that grants server-wide rights.

    ``is_staff`` only decides access to the Django admin; it follows ``is_admin`` for users
    created through the manager but can be granted on its own.
    """

    email = models.EmailField(max_length=100, unique=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    is_admin = models.BooleanField(default=False)
    is_active = models.BooleanField(default=False)
    # The person proved they receive mail at ``email`` (activation, verification or password
    # reset link). Only then do invitations sent to that address count: with activation off an
    # account is usable at once, and anyone could register an invited address first.
    email_verified = models.BooleanField(default=False)
    is_staff = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False, db_index=True)
    date_joined = models.DateTimeField(auto_now_add=True)
    # Bytes allowed; 0 means unlimited.
    disk_space = models.BigIntegerField(default=default_disk_space)
    disk_space_used = models.BigIntegerField(default=0)
    clipboard_tree = models.ForeignKey(
        "contentcuration.ContentNode",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    # What registration asked (uses, source, organization, ...): each answer at most
    # INFORMATION_FIELD_MAX_BYTES of JSON (an anonymous sign-up once stored a 50 MB field).
    information = models.JSONField(default=dict, blank=True)
    content_defaults = models.JSONField(default=dict, blank=True)
    policies = models.JSONField(default=dict, blank=True)
    feature_flags = models.JSONField(default=dict, blank=True)
    last_read_notification_date = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(is_active=True),
                name="user_active_email_ci_unique",
            )
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def has_unlimited_space(self) -> bool:
        return self.is_admin or self.disk_space == 0
