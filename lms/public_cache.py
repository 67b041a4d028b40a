"""Whole-response cache for the public pages anonymous visitors read (home, verification).

A view opts a response in with `cache_for_anonymous(response, seconds)`. The middleware
stores it only when the request carried no session, no Authorization and no cookie but the
CSRF one, and the response sets no cookie; it answers the next such request for the same
path from the cache without touching the database. Entries live in the worker's own
"default" cache, keyed on a content version kept in the "shared" cache (every worker sees
it: a file cache, or Redis in production), so one small shared read serves a page;
`public_content_changed()` starts a new version whenever a page is published, unpublished,
moved or deleted, or a certificate is revoked. Expiry by time is the view's timeout.
"""

import re
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse

CACHE_ALIAS = "shared"  # the version
ENTRY_ALIAS = "default"  # the pages
VERSION_KEY = "public-pages:version"
MAX_SECONDS = 3600
CACHEABLE_PATHS = re.compile(r"^/(verify/[A-Za-z0-9-]{1,40}/)?$")
_OPT_IN = "_cache_for_anonymous_seconds"


def cache_for_anonymous(response, seconds: int):
    """Let the middleware keep this response for anonymous visitors for `seconds`."""
    setattr(response, _OPT_IN, max(0, min(int(seconds), MAX_SECONDS)))
    return response


def public_content_changed() -> None:
    """Invalidate every cached public page (a new version: old entries are never read)."""
    caches[CACHE_ALIAS].set(VERSION_KEY, time.time_ns(), None)


def _version(cache) -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    return version


def _anonymous(request) -> bool:
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    return set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME}


class AnonymousPageCacheMiddleware:
    """Serves opted-in public pages to anonymous visitors from the shared cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method != "GET"
            or request.META.get("QUERY_STRING")
            or not CACHEABLE_PATHS.match(request.path_info)
            or not _anonymous(request)
        ):
            return self.get_response(request)
        cache = caches[ENTRY_ALIAS]
        key = f"public-page:{_version(caches[CACHE_ALIAS])}:{request.path_info}"
        entry = cache.get(key)
        if entry is not None:
            status, headers, content = entry
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            return response
        response = self.get_response(request)
        seconds = getattr(response, _OPT_IN, 0)
        if (
            seconds
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
        ):
            cache.set(key, (200, list(response.items()), response.content), seconds)
        return response
