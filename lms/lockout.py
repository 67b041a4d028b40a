"""Sign-in lockout with django-axes: how failures are counted (AXES_HANDLER) and what a
locked-out sign-in sees (AXES_LOCKOUT_CALLABLE): a 429, page or JSON, whose Retry-After
header gives the seconds until the lock lifts."""

import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException

LOCKED_STATUS = status.HTTP_429_TOO_MANY_REQUESTS


def lockout_minutes() -> int:
    return max(int(settings.AXES_COOLOFF_TIME.total_seconds() // 60), 1)


def lockout_message(seconds_left: int | None = None) -> str:
    minutes = lockout_minutes() if seconds_left is None else max(math.ceil(seconds_left / 60), 1)
    return (
        f"Too many failed sign-ins for this account or from this address. Try again in "
        f"{minutes} minute{'s' if minutes != 1 else ''}, or ask your training coordinator to "
        "unlock the account."
    )


def _lock_ends(attempts, limit: int, cool_off):
    """When the failures in `attempts` fall below `limit`, or None if they are below it.

    Each row counts all its failures until its last failure is a cool-off old, so, newest
    first, the row that brings the count to the limit is the one whose expiry lifts the lock.
    """
    total = 0
    rows = attempts.order_by("-attempt_time").values_list("failures_since_start", "attempt_time")
    for failures, last_failure in rows:
        total += failures
        if total >= limit:
            return last_failure + cool_off
    return None


def lockout_seconds_left(request, credentials=None) -> int:
    """Seconds until a locked-out request's account and address may sign in again (the whole
    cool-off if the lock cannot be found, e.g. it has just lifted)."""
    cool_off = get_cool_off(request)
    by_account, by_address = AccountAndAddressHandler().get_user_attempts(request, credentials)
    ends = [
        end
        for end in (
            _lock_ends(by_account, settings.AXES_FAILURE_LIMIT, cool_off),
            _lock_ends(by_address, settings.AXES_IP_FAILURE_LIMIT, cool_off),
        )
        if end is not None
    ]
    if not ends:
        return max(math.ceil(cool_off.total_seconds()), 1)
    return max(math.ceil((max(ends) - timezone.now()).total_seconds()), 1)


class SignInLocked(APIException):
    """The API's answer to a locked-out token request, in the usual {"detail"} shape; DRF's
    exception handler turns `wait` into Retry-After."""

    status_code = LOCKED_STATUS
    default_code = "locked_out"

    def __init__(self, seconds_left: int):
        self.wait = seconds_left
        super().__init__(lockout_message(seconds_left))


def lockout_response(request, original_response=None, credentials=None):
    seconds_left = lockout_seconds_left(request, credentials)
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message(seconds_left)}, status=LOCKED_STATUS)
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"minutes": lockout_minutes(), "message": lockout_message(seconds_left)},
            status=LOCKED_STATUS,
        )
    response["Retry-After"] = str(seconds_left)
    return response


class AccountAndAddressHandler(AxesDatabaseHandler):
    """Axes' database handler with a separate, higher limit per address.

    An account locks after AXES_FAILURE_LIMIT failures; an address after
    AXES_IP_FAILURE_LIMIT, because a station's officers share one public address and five
    typos among them must not lock the whole station out. Axes compares one count with
    AXES_FAILURE_LIMIT, so the address's count is scaled to it.
    """

    def get_failures(self, request, credentials=None) -> int:
        by_account, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        scaled = by_address * settings.AXES_FAILURE_LIMIT // settings.AXES_IP_FAILURE_LIMIT
        return max(by_account, scaled)
