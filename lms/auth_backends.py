"""Authentication without a query per signed-in request."""

import hashlib
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from lms.db.rows import columns, fetch_models
from lms.page_cache import remembered


def load_user(user_id, *, loaded=None):
    """The user with their Person (none for staff without one), from this worker's memory:
    every change to the account, the person, their groups or units renews the account
    version it is kept under (lms.page_cache.remembered). `loaded`: the user, read with their
    person just now by the caller, kept on a miss instead of being read again."""
    users = get_user_model()._default_manager.select_related("person")
    return remembered(
        f"account:{user_id}",
        lambda: loaded if loaded is not None else users.filter(pk=user_id).first(),
        user_id=user_id,
    )


class CachedUserBackend(ModelBackend):
    """ModelBackend whose per-request user load comes from `load_user`, so a stale row is
    never used and a signed-in request costs no query."""

    def get_user(self, user_id):
        user = load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        """ModelBackend's, kept in this worker like the user: groups' permissions renew the
        content version, a user's own permissions and groups their account version."""
        cacheable = obj is None and user_obj.is_active and not user_obj.is_anonymous
        if cacheable and not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = remembered(
                f"permissions:{user_obj.pk}",
                lambda: frozenset(super(CachedUserBackend, self).get_all_permissions(user_obj)),
                user_id=user_obj.pk,
            )
        return super().get_all_permissions(user_obj, obj)


def read_token(key: str) -> Token | None:
    """`Token.objects.select_related("user__person", "verification").filter(key=key).first()`,
    written out (lms.db.rows): for a token new to the worker, compiling the ORM's statement
    cost 0.5 ms, running it 0.03. The user and person caches are set as select_related sets
    them (a learner without a person, a token without its verification row: None)."""
    from lms.models import Person, TokenVerification

    User = get_user_model()
    rows = fetch_models(_token_sql(), [key], Token, User, Person, TokenVerification)
    if not rows:
        return None
    token, user, person, verification = rows[0]
    token.user = user
    User.person.related.set_cached_value(user, person)
    if person is not None:
        Person.user.field.set_cached_value(person, user)
    Token.verification.related.set_cached_value(token, verification)
    return token


@cache
def _token_sql() -> str:
    from lms.models import Person, TokenVerification

    User = get_user_model()
    return (
        f"SELECT {columns(Token, 't')}, {columns(User, 'u')}, {columns(Person, 'p')}, "  # noqa: S608
        f"{columns(TokenVerification, 'v')} FROM {Token._meta.db_table} t "
        f"JOIN {User._meta.db_table} u ON u.id = t.user_id "
        f"LEFT JOIN {Person._meta.db_table} p ON p.user_id = u.id "
        f"LEFT JOIN {TokenVerification._meta.db_table} v ON v.token_id = t.key "
        "WHERE t.key = %s"
    )


def token_expires_at(created: datetime) -> datetime:
    """When a token issued at `created` stops working (settings.API_TOKEN_HOURS)."""
    return created + timedelta(hours=settings.API_TOKEN_HOURS)


def _mfa(token) -> bool | None:
    """Whether the token was issued with a one-time code (None: no verification row)."""
    try:
        return token.verification.mfa
    except ObjectDoesNotExist:
        return None


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication without a query, refusing expired tokens. A key's user id is
    kept under the content version (a key never changes hands), the token's issue time and
    whether it was issued with a one-time code under that user's account version (deleting a
    token renews it: lms.page_cache.signal_handlers), the user by `load_user`. The token handed
    to the view (request.auth) carries `mfa_verified` for lms.mfa."""

    def authenticate_credentials(self, key):
        digest = hashlib.sha256(key.encode()).hexdigest()
        tokens = Token.objects.filter(key=key)
        read = []  # a token this worker has not seen: read once with its user and person

        def token_user_id():
            token = read_token(key)
            read.append(token)
            return token.user_id if token else None

        user_id = remembered(f"token:{digest}", token_user_id)
        token = read[0] if read else None
        issued = None
        if user_id is not None:
            issued = remembered(
                f"token-issued:{digest}",
                lambda: (
                    (token.created, _mfa(token))
                    if token is not None
                    else tokens.values_list("created", "verification__mfa").first()
                ),
                user_id=user_id,
            )
        user = None
        if issued is not None:
            user = load_user(user_id, loaded=token.user if token is not None else None)
        if user is None:
            raise AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        created, mfa_verified = issued
        if token_expires_at(created) <= timezone.now():
            raise AuthenticationFailed(_("Token expired: request a new one."))
        token = Token(key=key, user=user, created=created)
        token.mfa_verified = bool(mfa_verified)
        return user, token
