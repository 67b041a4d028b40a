"""Each request's id, and the log lines that carry it.

`RequestIdMiddleware` (outermost) gives every request an id: the caller's `X-Request-ID` when it
is well formed (a proxy's or load balancer's, so both logs name the same request), otherwise a
new UUID. It is `request.id`, the response's `X-Request-ID` header, and the 500 page shows it
(lms.views.server_error) so that a user can quote it. `RequestIdFilter` puts it on every log
record written while the request runs; `JsonFormatter` writes a record as one JSON line.

`logging_config(json=..., mail_admins=...)` is the settings' LOGGING: errors of requests
(django.request, 5xx) and security refusals (django.security) go to standard error, one line
each, and by email to ADMINS when asked.
"""

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


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
        token = _current.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request.id
        return response


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
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry["method"] = request.method
            entry["path"] = request.path
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
            # Server errors only: a 4xx is the client's, and a scanner would fill the log.
            "django.request": {"handlers": handlers, "level": "ERROR", "propagate": False},
            "django.security": {"handlers": handlers, "level": "WARNING", "propagate": False},
        },
    }
