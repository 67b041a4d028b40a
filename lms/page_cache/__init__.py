"""Whole-response caches for pages that are read far more often than they change.

Views opt a response in; a middleware answers the next identical request from the cache
without routing, querying or rendering:

* `cache_for_anonymous(response, seconds)`: public pages (home, certificate verification, an
  agency's public page and its API answer),
  stored only for requests with no session, no Authorization and no cookie but the CSRF one,
  per host; served only for a host in ALLOWED_HOSTS (the cache answers before
  CommonMiddleware checks it) and, for a rate-limited page (lms.throttles.throttle_page),
  only while the visitor is within its limit: each copy served counts.
* `cache_for_user(response, seconds)`: a signed-in learner's own pages (lessons, modules,
  My training) and, with `agency_id`, command staff's dashboard, stored per user, per CSRF
  cookie (the page's form token is valid only with it) and per day (due dates turn overdue
  by the day); never while flash messages wait.

Keys carry versions kept in the "shared" cache, which every worker sees: the content version,
renewed whenever a page or quiz is published, unpublished, moved or deleted, an assignment,
unit, agency or group changes, a roster is imported or a certificate is revoked; each user's
version, renewed whenever their progress, attempts, certificates, person
record, account or groups change; each agency's version, renewed with its people's (oversight
pages); and each user's account version, renewed only by changes to the account itself (and
the deletion of its API token). What
renews which is declared beside the cache: lms.page_cache.signal_handlers, with the list of
bulk writes that renew explicitly in tests/lms/test_page_cache_invalidation.py.
One small shared read per version serves a page, and each version is read once per request
(`RequestVersionsMiddleware`: later reads in the request use what the first one found, and
this request's own renewals). Changes that are only the passing of time
(an attempt's or a certificate's expiry) show within the view's timeout (USER_PAGE_SECONDS).

Where things live (lms/settings): the versions in files on this host (SHARED_CACHE_DIR), the
pages in each worker's own memory ("default"); with REDIS_URL (production), both the versions
and the pages in Redis, shared by every worker and outliving a worker's restart. A renewed version
makes the old entries unreachable; they expire with their timeout.

`remembered(name, load, user_id=…)` keeps smaller lookups the same way, always in the worker's
own memory ("memo", even beside Redis: no round trip): the signed-in user and their person, a
token's user, what a learner may see. They are keyed on the content and account versions, so
a learner's own progress, which changes with every answer, does not throw them away.

`{% kept %}` (lms/templatetags/kept.py) keeps rendered template fragments the same way, in the
compiled template (`kept_in`): the parts of a page that are the same for every learner.
"""

import hashlib
import re
import time
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone

from lms.throttles import page_allowed

VERSION_ALIAS = "shared"
ENTRY_ALIAS = "default"
MEMO_ALIAS = "memo"
CONTENT_VERSION = "page-cache:content"
MAX_SECONDS = 3600
USER_PAGE_SECONDS = 300
PUBLIC_PATHS = re.compile(
    r"^/(verify/[A-Za-z0-9-]{1,40}/"
    r"|agencies/[-\w]{1,80}/(es/)?|api/v1/public/agencies/[-\w]{1,80}/)?$",
    re.ASCII,
)
_PUBLIC, _USER = "_page_cache_public_seconds", "_page_cache_user_seconds"
_user_paths: set[str] = set()  # paths some view has opted in for users, in this worker
_agency_of: dict[tuple, int] = {}  # (user id, user version, path) -> agency the page shows
# The versions this request has read or renewed (RequestVersionsMiddleware); None outside one.
_request_versions: ContextVar[dict[str, int] | None] = ContextVar("request_versions", default=None)


def cache_for_anonymous(response, seconds: float):
    """Let AnonymousPageCacheMiddleware keep this response for anonymous visitors."""
    setattr(response, _PUBLIC, max(0, min(int(seconds), MAX_SECONDS)))
    return response


def cache_for_user(response, seconds: float = USER_PAGE_SECONDS, *, agency_id: int | None = None):
    """Let UserPageCacheMiddleware keep this response for the signed-in user who asked;
    with `agency_id`, also until anyone's records in that agency change (oversight pages)."""
    setattr(response, _USER, max(0, min(int(seconds), MAX_SECONDS)))
    response._page_cache_agency = agency_id
    return response


def content_changed() -> None:
    """Invalidate every cached page (a new version: old entries are never read again)."""
    _renew({CONTENT_VERSION: time.time_ns()})


def user_changed(user_id: int | None, *, account: bool = False) -> None:
    """Invalidate the user's cached pages; with `account`, also what this worker keeps about
    the account itself (the user row, their person, what they may see: `remembered`)."""
    if user_id is not None:
        keys = [_user_key(user_id), *([_account_key(user_id)] if account else [])]
        _renew(dict.fromkeys(keys, time.time_ns()))


def agency_changed(agency_id: int | None) -> None:
    """Invalidate the agency's cached oversight pages."""
    if agency_id is not None:
        _renew({_agency_key(agency_id): time.time_ns()})


def remembered(name: str, load, *, user_id: int | None = None, copy: bool = True):
    """`load()`, kept in this worker until the content version (and, given `user_id`, that
    user's account version) is renewed: for lookups that only such changes can alter.

    Each call gets its own copy (unpickled from the "memo" cache), except with `copy=False`:
    then every request gets the one kept object, for values nothing changes once built (the
    curriculum outlines, the route map, rendered HTML), where unpickling dozens of pages a
    request would cost a render more than anything else it reads.

    The versions are read before loading, so a change committed meanwhile is never kept as
    current; nothing is kept from inside a transaction, whose own writes may yet be rolled
    back; None is not kept (a row that appears later is found).
    """
    keys = (CONTENT_VERSION,) if user_id is None else (CONTENT_VERSION, _account_key(user_id))
    versions = ":".join(str(version) for version in _versions(*keys))
    key = f"page-cache:{name}:{versions}"
    if not copy:
        return _kept_object(key, load)
    cache = caches[MEMO_ALIAS]
    value = cache.get(key)
    if value is None:
        value = load()
        if value is not None and not _in_transaction():
            cache.set(key, value, USER_PAGE_SECONDS)
    return value


_kept_objects: dict[str, object] = {}  # remembered(copy=False): versioned key -> the object
KEPT_OBJECTS_MAX = 1000  # entries of old versions are never read again; past this, start over


def kept_in(store: dict, key, load):
    """`load()` kept in the caller's own `store` until the content version is renewed, by the
    rules of `remembered(copy=False)`: for what dies with its owner, such as the fragments of a
    compiled template (lms.templatetags.kept), which a template edited in development drops."""
    (version,) = _versions(CONTENT_VERSION)
    return _kept_object((version, key), load, store)


def _kept_object(key, load, store: dict = _kept_objects):
    value = store.get(key)
    if value is None:
        value = load()
        if value is not None and not _in_transaction():
            if len(store) >= KEPT_OBJECTS_MAX:
                store.clear()
            store[key] = value
    return value


def _in_transaction() -> bool:
    """In one of the application's transactions; a test case's wrapping transaction does not
    count (as in Django's own check for durable blocks)."""
    blocks = transaction.get_connection().atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


def _user_key(user_id: int) -> str:
    return f"page-cache:user:{user_id}"


def _account_key(user_id: int) -> str:
    return f"page-cache:account:{user_id}"


def _agency_key(agency_id: int) -> str:
    return f"page-cache:agency:{agency_id}"


def _renew(versions: dict[str, int]) -> None:
    caches[VERSION_ALIAS].set_many(versions, None)
    if (seen := _request_versions.get()) is not None:
        seen.update(versions)


def _versions(*keys: str) -> list[int]:
    seen = _request_versions.get()
    if seen is not None and all(key in seen for key in keys):
        return [seen[key] for key in keys]
    cache = caches[VERSION_ALIAS]
    found = cache.get_many(keys)
    missing = {key: time.time_ns() for key in keys if key not in found}
    for key, value in missing.items():
        cache.add(key, value, None)
    if missing:
        found.update(cache.get_many(list(missing)))
    values = [found.get(key, missing.get(key)) for key in keys]
    if seen is not None:
        seen.update(zip(keys, values, strict=True))
    return values


class RequestVersionsMiddleware:
    """Outermost of the page caches: each version is read from the shared cache once per
    request (a signed-in page asks for the content and account versions a dozen times).

    A request sees the versions as they were when it first asked, plus its own renewals;
    another worker's renewal during the request shows from the next one, as it would had it
    come a moment later.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_versions.set({})
        try:
            return self.get_response(request)
        finally:
            _request_versions.reset(token)


def _replay(entry) -> HttpResponse:
    status, headers, content = entry[:3]
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response.page_cache_hit = True  # the view name of metrics and the access log
    return response


def _storable(response, attribute: str) -> int:
    seconds = getattr(response, attribute, 0)
    if response.status_code != 200 or response.streaming or response.cookies:
        return 0
    return seconds


class AnonymousPageCacheMiddleware:
    """Before sessions and authentication: anonymous visitors' public pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method != "GET"
            or request.META.get("QUERY_STRING")
            or "HTTP_AUTHORIZATION" in request.META
            or not PUBLIC_PATHS.match(request.path_info)
            or not set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME}
        ):
            return self.get_response(request)
        host = request.get_host()  # DisallowedHost (a 400) for a host not in ALLOWED_HOSTS
        (version,) = _versions(CONTENT_VERSION)
        key = f"page-cache:public:{version}:{host}:{request.path_info}"
        cache = caches[ENTRY_ALIAS]
        entry = cache.get(key)
        if entry is not None:
            scope = entry[3] if len(entry) > 3 else None
            if scope is None or page_allowed(request, scope):
                return _replay(entry)
            return self.get_response(request)  # over the limit: the view answers its 429
        response = self.get_response(request)
        if seconds := _storable(response, _PUBLIC):
            scope = getattr(response, "_throttle_scope", None)
            cache.set(key, (200, list(response.items()), response.content, scope), seconds)
        return response


class UserPageCacheMiddleware:
    """Innermost: a signed-in user's own pages, after authentication has checked the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info not in _user_paths:  # never opted in here: just note if it does
            response = self.get_response(request)
            if _storable(response, _USER):
                _user_paths.add(request.path_info)
            return response
        parts = self._key(request)  # versions read before the view renders anything
        if parts is None:
            return self.get_response(request)
        key, scope = parts
        cache = caches[ENTRY_ALIAS]
        if (entry := cache.get(key)) is not None:
            return _replay(entry)
        response = self.get_response(request)
        seconds = _storable(response, _USER)
        agency_id = getattr(response, "_page_cache_agency", None)
        if agency_id is not None and _agency_of.get(scope) != agency_id:
            if len(_agency_of) > 10_000:  # old user versions' entries are never read again
                _agency_of.clear()
            _agency_of[scope] = agency_id  # stored from the next request on, with its version
        elif seconds:
            cache.set(key, (200, list(response.items()), response.content), seconds)
        return response

    def _key(self, request) -> tuple[str, tuple] | None:
        csrf_cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
        if (
            request.method != "GET"
            or request.META.get("QUERY_STRING")
            or "HTTP_AUTHORIZATION" in request.META
            or not csrf_cookie
            or "messages" in request.COOKIES
            or "_messages" in request.session
            or not request.user.is_authenticated
        ):
            return None
        user_id, path = request.user.pk, request.path_info
        content, user = _versions(CONTENT_VERSION, _user_key(user_id))
        csrf = hashlib.sha256(csrf_cookie.encode()).hexdigest()[:16]
        today = timezone.localdate().isoformat()
        key = f"page-cache:user:{content}:{user}:{user_id}:{today}:{csrf}:{path}"
        scope = (user_id, user, path)
        if scope in _agency_of:  # an oversight page: the agency's version too
            (agency,) = _versions(_agency_key(_agency_of[scope]))
            key = f"{key}:{agency}"
        return key, scope
