"""Each request's id, and the log lines that carry it.

`RequestIdMiddleware` (outermost) gives every request an id: the caller's `X-Request-ID` when it
is well formed (a proxy's or load balancer's, so both logs name the same request), otherwise a
new UUID. It is `request.id`, the response's `X-Request-ID` header, and the 500 page shows it
(lms.views.server_error) so that a user can quote it. Tasks queued while the request runs take
it along and log under it when a worker runs them (background.context). `RequestIdFilter`
puts it on every log record written meanwhile; `JsonFormatter` writes a record as one JSON line.

With settings.LOG_ACCESS, the same middleware writes one access line per request (logger
`lms.access`, INFO): method, path without its query string, status, duration in ms, view name,
user id or null, request id. Nothing else of the request: no query string, header or body, and
a password reset link's path is written as its route, so no password, token or reset link
reaches the log. Probes that succeed (/healthz, /readyz,
/metrics: lms.health) are left out; a failing one is logged.

`logging_config(json=..., mail_admins=...)` is the settings' LOGGING: errors of requests
(django.request, 5xx) and security refusals (django.security) go to standard error, one line
each, and by email to ADMINS when asked.
"""

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.utils.functional import empty

from background.context import bound_request_id
from background.context import request_id as _current

HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
SECRET_URL_KWARGS = frozenset({"token", "uidb64"})  # password reset links: logged as the route
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # logged only when they fail
access_logger = logging.getLogger("lms.access")


def request_id_from(value: str | None) -> str:
    """The caller's id if it is 8 to 128 letters, digits and ._:- ; else a new one."""
    if value and _WELL_FORMED.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = request_id_from(request.headers.get(HEADER))
        started = time.perf_counter()
        with bound_request_id(request.id):
            response = self.get_response(request)
            response[HEADER] = request.id
            if settings.LOG_ACCESS and not (
                request.path_info in QUIET_PATHS and response.status_code == 200
            ):
                log_access(request, response, time.perf_counter() - started)
        return response


def view_name(request, response) -> str:
    """The name of the view that answered (its URL name, e.g. "lms_serve"), or what
    answered before any view: "page_cache" (lms.page_cache), "static" (WhiteNoise), "none"
    (no route, a refused host). Few values, so that it can label metrics."""
    if (match := getattr(request, "resolver_match", None)) is not None:
        return match.view_name  # the URL name, else the view's dotted path
    if getattr(response, "page_cache_hit", False):
        return "page_cache"
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"
    return "none"


def user_id(request) -> int | None:
    """The signed-in user's id, if answering the request looked at who asked (views, the staff
    check, the user page cache do); never a lookup of its own, which could fail or slow the
    request after its answer was made."""
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


def loggable_path(request) -> str:
    """The path, without the query string; a path that carries a secret (a password reset
    link) as its route instead, e.g. "/accounts/password/reset/<uidb64>/<token>/"."""
    match = getattr(request, "resolver_match", None)
    if match is not None and SECRET_URL_KWARGS & set(match.kwargs):
        return "/" + match.route
    return request.path


def log_access(request, response, seconds: float) -> None:
    path = loggable_path(request)
    access_logger.info(
        "%s %s %s",
        request.method,
        path,
        response.status_code,
        extra={
            "access": {
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
                "view": view_name(request, response),
                "user_id": user_id(request),
            }
        },
    )


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record: the request being handled, or "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "id", None) or _current.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: time, level, logger, message, request id, and
    for a request's record its method, path and status; with an exception, its type and the
    traceback (as one string)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if (access := getattr(record, "access", None)) is not None:
            entry.update(access)
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry["method"] = request.method
            entry["path"] = loggable_path(request)
        if (status := getattr(record, "status_code", None)) is not None:
            entry["status"] = status
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(*, json_lines: bool, mail_admins: bool = False) -> dict:
    """LOGGING for the settings: JSON lines in production, readable lines in development."""
    handlers = ["console", *(["mail_admins"] if mail_admins else [])]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "lms.request_log.RequestIdFilter"},
            "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        },
        "formatters": {
            "json": {"()": "lms.request_log.JsonFormatter"},
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
                "formatter": "json" if json_lines else "text",
            },
            "mail_admins": {
                "class": "django.utils.log.AdminEmailHandler",
                "level": "ERROR",
                "filters": ["request_id", "require_debug_false"],
            },
        },
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            # One line per request, when settings.LOG_ACCESS (RequestIdMiddleware).
            "lms.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
            # Server errors only: a 4xx is the client's, and a scanner would fill the log.
            "django.request": {"handlers": handlers, "level": "ERROR", "propagate": False},
            "django.security": {"handlers": handlers, "level": "WARNING", "propagate": False},
        },
    }
