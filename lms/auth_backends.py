"""Authentication without a query per signed-in request."""

from django.contrib.auth.backends import ModelBackend

from lms.page_cache import cached_user


class CachedUserBackend(ModelBackend):
    """ModelBackend whose per-request user load comes from lms.page_cache.cached_user: every
    change to the account renews its version, so a stale row is never used."""

    def get_user(self, user_id):
        user = cached_user(user_id, lambda: super(CachedUserBackend, self).get_user(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None
