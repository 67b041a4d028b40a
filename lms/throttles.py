"""Request rate limits for the token endpoint, public certificate verification and password
reset.

Rates live in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] and are read when a request comes
in (DRF's own classes read them once, at import), so deployments and tests can change them.
Every count lives in the "shared" cache, which every worker sees (Redis with REDIS_URL), so a
limit holds however many workers serve the requests. The /verify/ pages use the same scope and
counter as the public API; a verification page answered from the anonymous page cache counts
too (`page_allowed`, lms.page_cache). Counts are read and written without a lock (as in DRF):
requests racing on one key at the same instant may each pass; one after another, they hold.
"""

import math
from functools import wraps

from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render
from rest_framework import throttling
from rest_framework.settings import api_settings

from lms.audit import client_ip


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """DRF's per-view scope (`throttle_scope`), per user or, signed out, per address, counted
    in the shared cache."""

    @property
    def cache(self):
        return caches["shared"]  # looked up per use: tests and deployments change CACHES

    def get_ident(self, request):
        return client_ip(request)  # the same address the lockout and the audit trail see

    def get_rate(self):
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError as missing:
            raise ImproperlyConfigured(f"No throttle rate for scope {self.scope!r}.") from missing


class PageThrottle(ScopedRateThrottle):
    """A scope's rate for a Django view (or a part of one): for the signed-in user, the
    client's address, or, given `key`, whatever it names (an account)."""

    def __init__(self, scope: str, *, key: str | None = None):
        self.scope = scope
        self.key_for = key
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def allow_request(self, request, view):
        return throttling.SimpleRateThrottle.allow_request(self, request, view)

    def get_cache_key(self, request, view):
        if self.key_for is not None:
            return self.cache_format % {"scope": self.scope, "ident": self.key_for}
        # The page cache asks before authentication has run: no `user` yet, so anonymous.
        user = getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def page_allowed(request, scope: str) -> bool:
    """Count this request against `scope`'s budget; False when it is over the limit."""
    return PageThrottle(scope).allow_request(request, None)


def throttle_page(scope: str):
    """Limit a Django view like an API view of the same scope; over the limit it answers a
    429 page with Retry-After. The response names its scope, so that the page cache counts
    each copy it serves against the same limit."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            throttle = PageThrottle(scope)
            if throttle.allow_request(request, None):
                response = view(request, *args, **kwargs)
                response._throttle_scope = scope  # a cached copy is counted too (page cache)
                return response
            return too_many_requests(request, throttle)

        return wrapped

    return decorator


def too_many_requests(request, throttle):
    """The 429 page, with Retry-After from `throttle`."""
    wait = math.ceil(throttle.wait() or 1)
    response = render(request, "429.html", {"wait_seconds": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response
