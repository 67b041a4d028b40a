"""Server-side sessions, and ending all of a user's sessions and API tokens at once.

SESSION_ENGINE is this module: Django's cache-backed database sessions (`cached_db`) whose rows
(lms.models.UserSession) also record the signed-in user. A read comes from the cache
(SESSION_CACHE_ALIAS: the "shared" cache every worker sees, so a session ended by one worker is
ended for all), a write goes to both. Signing out deletes that session (django.contrib.auth's
logout); `revoke_access` deletes every session and API token of a user, and the receivers below
call it when a password or a role (group membership, is_staff, is_superuser) changes.
"""

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore
from django.core.cache import caches
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from lms.audit import Action, record_event
from lms.scoping import viewer_person


class SessionStore(CachedDbStore):
    """`cached_db` with the signed-in user's id on the row (lms.models.UserSession)."""

    @classmethod
    def get_model_class(cls):
        from lms.models import UserSession

        return UserSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):
            instance.user_id = None
        return instance


def revoke_access(*, user, reason: str) -> None:
    """End every session and API token of `user`, in the caller's transaction; audited when
    there was anything to end. The sessions' cache entries go at once: a later read finds no
    row either once the transaction commits (and the row again if it rolls back)."""
    from lms.models import UserSession

    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    if keys:
        caches[settings.SESSION_CACHE_ALIAS].delete_many([KEY_PREFIX + key for key in keys])
        UserSession.objects.filter(session_key__in=keys).delete()
    _, deleted = Token.objects.filter(user=user).delete()
    tokens = deleted.get(Token._meta.label, 0)
    if keys or tokens:
        person = viewer_person(user)
        record_event(
            action=Action.ACCESS_REVOKED,
            actor=None,
            actor_username=user.get_username(),
            agency_id=person.agency_id if person else None,
            person_id=person.pk if person else None,
            data={"reason": reason, "sessions": len(keys), "tokens": tokens},
        )


# What a save of the account may change that ends its sessions and tokens.
_ACCESS_FIELDS = ("password", "is_staff", "is_superuser")
_BEFORE = "_access_before"


@receiver(pre_save, sender=get_user_model(), dispatch_uid="sessions:account_before")
def _remember_access(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(_ACCESS_FIELDS):
        return  # e.g. last_login at every sign-in: no query
    before = sender._default_manager.filter(pk=instance.pk).values(*_ACCESS_FIELDS).first()
    setattr(instance, _BEFORE, before)


@receiver(post_save, sender=get_user_model(), dispatch_uid="sessions:account_saved")
def _account_saved(sender, instance, created, raw=False, **kwargs):
    before = instance.__dict__.pop(_BEFORE, None)
    if raw or created or before is None:
        return
    if before["password"] != instance.password:
        revoke_access(user=instance, reason="password changed")
    elif (before["is_staff"], before["is_superuser"]) != (instance.is_staff, instance.is_superuser):
        revoke_access(user=instance, reason="role changed")


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="sessions:groups")
def _groups_changed(sender, instance, action, reverse, pk_set=None, **kwargs):
    """A user's roles are their groups; changed from either side, or cleared."""
    User = get_user_model()
    if action in ("post_add", "post_remove") and pk_set:
        users = User.objects.filter(pk__in=pk_set) if reverse else [instance]
    elif action == "pre_clear":
        users = list(instance.user_set.all()) if reverse else [instance]
    else:
        return
    for user in users:
        revoke_access(user=user, reason="role changed")


@receiver(pre_delete, sender=Group, dispatch_uid="sessions:group_deleted")
def _group_deleted(sender, instance, **kwargs):
    for user in instance.user_set.all():
        revoke_access(user=user, reason="role changed")
