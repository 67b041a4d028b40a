"""Reports read from a read replica; everything else, and anyone who just wrote, from the primary.

With DATABASE_REPLICA_URL set (settings.REPLICA_READS), the "replica" database alias is a
streaming replica of "default". Only views wrapped in `replica_reads` (the oversight and
compliance dashboards and their CSV exports, in the apps' urls) read from it: those are the
heavy, read-only pages, and a report a second old is still the report. Every other read stays
on the primary, because most requests read and then write (an answer, a lock, a session) and a
replica's lag would show a learner their own answer missing, or hand a lock to stale rows.

Pinning, like django-multidb-router's PinningRouter: a request that writes anything
(`db_for_write` is asked for every insert, update, delete and `select_for_update`) reads from
the primary for the rest of the request, and its response sets the `cg_primary` cookie for
REPLICA_PIN_SECONDS, during which that browser's reports read from the primary too, so that
someone who has just approved a record sees it in the dashboard. Reads inside a transaction
on the primary stay there. Writes and migrations only ever go to the primary.
"""

import contextvars
import functools
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
PIN_COOKIE = "cg_primary"


@dataclass
class _Request:
    pinned: bool = False  # a write was made: in this request, or recently (the cookie)
    wrote: bool = False  # in this request
    reports: bool = False  # a `replica_reads` view is running


_current: contextvars.ContextVar[_Request | None] = contextvars.ContextVar(
    "replica_request", default=None
)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        state = _current.get()
        if (
            settings.REPLICA_READS
            and state is not None
            and state.reports
            and not state.pinned
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        if (state := _current.get()) is not None:
            state.wrote = state.pinned = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data, whichever copy it was read from

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


def replica_reads(view):
    """Let this (read-only report) view read from the replica, unless the caller is pinned."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        state = _current.get()
        if state is None:  # not under the middleware (a management command, a test)
            return view(request, *args, **kwargs)
        state.reports = True
        try:
            return view(request, *args, **kwargs)
        finally:
            state.reports = False

    return wrapped


class ReplicaPinMiddleware:
    """Tracks the request's writes and the `cg_primary` cookie (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = _Request(pinned=PIN_COOKIE in request.COOKIES)
        token = _current.set(state)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if state.wrote and settings.REPLICA_READS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
