"""Who may authenticate: users that are active and not deleted, by session or by API token.

Deleting a user is a soft delete (``User.deleted``). Django's ``ModelBackend`` and DRF's
``TokenAuthentication`` only look at ``is_active``, so a deleted user's open sessions and API
token kept working (sync, chef API: issue 10, item 10). Every entry point authenticates
through the two classes below (settings ``AUTHENTICATION_BACKENDS`` and
``REST_FRAMEWORK``; the sync and chef views name ``UserTokenAuthentication``).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def can_authenticate(user) -> bool:
    return bool(getattr(user, "is_active", False)) and not getattr(user, "deleted", False)


class UserBackend(ModelBackend):
    """Password logins and session lookups: refuses inactive and deleted users, so a user
    deleted while logged in is logged out on their next request."""

    def user_can_authenticate(self, user) -> bool:
        return can_authenticate(user)


class UserTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``: 401 for an inactive or deleted user's token."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if not can_authenticate(user):
            raise AuthenticationFailed("User inactive or deleted.")
        return user, token
