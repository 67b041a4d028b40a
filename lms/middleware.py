"""Request middleware of our own: the audit context (client address), the idle and absolute
session timeouts and the Content-Security-Policy header."""

import functools

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.utils import timezone

from lms.audit import client_ip, current_ip
from lms.storage import ObjectStorage


class AuditContextMiddleware:
    """Makes the client's address available to audit events written while serving a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


LAST_SEEN_KEY = "_last_seen"
SIGNED_IN_KEY = "_signed_in_at"


def _now() -> int:
    return int(timezone.now().timestamp())


def start_idle_clock(session) -> None:
    """Stamp a fresh sign-in: the start of its absolute lifetime, and its last request (so its
    first requests need no session write of their own)."""
    session[SIGNED_IN_KEY] = session[LAST_SEEN_KEY] = _now()


class SessionIdleTimeoutMiddleware:
    """Ends a signed-in session after SESSION_COOKIE_AGE seconds without a request, and
    SESSION_ABSOLUTE_HOURS after sign-in however active (a session without the sign-in stamp,
    which every sign-in sets, is ended too).

    Cheaper than SESSION_SAVE_EVERY_REQUEST: the session is written (and its cookie and
    server-side expiry pushed forward) only when SESSION_REFRESH_SECONDS have passed since
    the last write, so a burst of requests costs one write a minute, and the idle limit is
    kept to within that minute. Both times are kept in the session itself, so the checks hold
    whatever the session engine.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = _now()
            last_seen = session.get(LAST_SEEN_KEY)
            signed_in = session.get(SIGNED_IN_KEY)
            if (
                signed_in is None
                or now - signed_in > settings.SESSION_ABSOLUTE_HOURS * 3600
                or (last_seen is not None and now - last_seen > settings.SESSION_COOKIE_AGE)
            ):
                logout(request)
            elif last_seen is None or now - last_seen >= settings.SESSION_REFRESH_SECONDS:
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)


# Pages of our own load scripts and styles only from our origin: no inline script, no
# inline style, nothing from the network. Wagtail's admin ships inline scripts and styles
# (date pickers, inline panels), so it gets a relaxed policy of its own. With media in a bucket
# (lms/storage.py), images come from its public address and videos and captions from the signed
# addresses their document links redirect to.
SITE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{images}; "
    "media-src 'self'{signed}; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
ADMIN_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:{images}; media-src 'self' blob:{signed}; font-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
ADMIN_PREFIXES = ("/admin/", "/django-admin/")


@functools.cache
def policies(media: ObjectStorage) -> tuple[str, str]:
    """(site, admin) policies for where media are kept."""
    origins = [f" {origin}" if origin else "" for origin in media.origins()]
    images, signed = origins
    return (
        SITE_POLICY.format(images=images, signed=signed),
        ADMIN_POLICY.format(images=images, signed=signed),
    )


class ContentSecurityPolicyMiddleware:
    """Sets the Content-Security-Policy header on every response that has none."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            site, admin = policies(settings.MEDIA_S3)
            in_admin = request.path_info.startswith(ADMIN_PREFIXES)
            response["Content-Security-Policy"] = admin if in_admin else site
        return response
