"""Authentication without a query per signed-in request."""

import hashlib

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from lms.page_cache import remembered


def load_user(user_id):
    """The user with their Person (none for staff without one), from this worker's memory:
    every change to the account, the person, their groups or units renews the account
    version it is kept under (lms.page_cache.remembered)."""
    users = get_user_model()._default_manager.select_related("person")
    return remembered(
        f"account:{user_id}", lambda: users.filter(pk=user_id).first(), user_id=user_id
    )


class CachedUserBackend(ModelBackend):
    """ModelBackend whose per-request user load comes from `load_user`, so a stale row is
    never used and a signed-in request costs no query."""

    def get_user(self, user_id):
        user = load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication without a query: a key's user id is kept under the content
    version (deleting a token renews it: lms.page_cache.signal_handlers), the user by
    `load_user`."""

    def authenticate_credentials(self, key):
        digest = hashlib.sha256(key.encode()).hexdigest()
        user_id = remembered(
            f"token:{digest}",
            lambda: Token.objects.filter(key=key).values_list("user_id", flat=True).first(),
        )
        user = load_user(user_id) if user_id is not None else None
        if user is None:
            raise AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return user, Token(key=key, user=user)
