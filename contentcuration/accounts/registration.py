"""Creating accounts and activating them.

Activation keys are signed user ids (``django.core.signing``), so no key table is needed; a key
expires after ``ACTIVATION_DAYS``. Following one also marks the address verified
(``User.email_verified``). With ``settings.REQUIRE_EMAIL_ACTIVATION`` off (the self-hosted
default) accounts are active at once; the same link is then sent only when an invitation to
the address is pending (invitations count only for verified addresses), and on request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from contentcuration import tree
from contentcuration.errors import Conflict, PermissionDenied
from contentcuration.models import Invitation, User

ACTIVATION_SALT = "contentcuration.accounts.activation"
ACTIVATION_DAYS = 7


class EmailInUse(Conflict):
    """An account with this email exists; ``active`` says whether it is activated."""

    def __init__(self, active: bool):
        super().__init__("An account with this email already exists.", field="email")
        self.active = active


def find_user(email: str) -> User | None:
    if "\x00" in email:  # no account has one, and PostgreSQL refuses it in a query
        return None
    return User.objects.filter(email__iexact=email, deleted=False).order_by("-is_active").first()


@transaction.atomic
def register_user(
    *, email: str, password: str, first_name: str, last_name: str, information: dict[str, Any], base_url: str
) -> User:
    """Create an account, its address not verified; inactive (with an activation email) if
    activation is required, else active (with a verification email when an invitation to the
    address is pending).

    Raises EmailInUse when a non-deleted account already has this email (case-insensitive).
    The password must already have passed ``AUTH_PASSWORD_VALIDATORS`` (the form does it).
    The email is sent after commit, so a rolled-back registration sends nothing.
    """
    existing = find_user(email)
    if existing is not None:
        raise EmailInUse(active=existing.is_active)
    active = not settings.REQUIRE_EMAIL_ACTIVATION
    user = User.objects.create_user(
        email,
        password,
        first_name=first_name,
        last_name=last_name,
        information=information,
        is_active=active,
        email_verified=False,
    )
    tree.ensure_clipboard(user=user)
    invited = Invitation.objects.filter(email__iexact=email, accepted=False, declined=False, revoked=False).exists()
    if not active or invited:
        transaction.on_commit(lambda: send_activation_email(user=user, base_url=base_url))
    return user


def activation_key(user: User) -> str:
    return signing.dumps(user.pk, salt=ACTIVATION_SALT)


def send_activation_email(*, user: User, base_url: str) -> None:
    link = f"{base_url.rstrip('/')}/activate/{activation_key(user)}/"
    body = render_to_string("accounts/activation_email.txt", {"user": user, "link": link, "days": ACTIVATION_DAYS})
    send_mail("Activate your account", body, settings.DEFAULT_FROM_EMAIL, [user.email])


class SignInToVerify(PermissionDenied):
    """A verification link for an active account was opened by someone not signed in to it."""


@transaction.atomic
def activate_user(*, key: str, requester: User | None = None) -> User | None:
    """Activate the account named by a valid, unexpired key and mark its address verified;
    None for a bad key.

    An inactive account is activated by the link alone (it cannot sign in yet). An active,
    unverified account is verified only when ``requester`` is that account: the link proves
    the mailbox, the session proves the password, and only the person who registered has
    both. (Someone who registered another's address first has the password but not the mail;
    the address's owner has the mail and clicking must not hand the squatter the invitations.
    The owner takes the account over with a password reset, which also verifies it.)
    Raises SignInToVerify otherwise.

    A key for an email that meanwhile belongs to another active account is refused (the
    case-insensitive uniqueness among active users would otherwise be violated).
    """
    try:
        pk = signing.loads(key, salt=ACTIVATION_SALT, max_age=ACTIVATION_DAYS * 86400)
    except signing.BadSignature:
        return None
    user = User.objects.select_for_update().filter(pk=pk, deleted=False).first()
    if user is None:
        return None
    if not user.is_active:
        if User.objects.filter(email__iexact=user.email, is_active=True).exists():
            return None
        user.is_active = True
    elif not user.email_verified and (requester is None or requester.pk != user.pk):
        raise SignInToVerify(user.email)
    user.email_verified = True
    user.save(update_fields=["is_active", "email_verified"])
    return user
