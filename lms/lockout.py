"""Sign-in lockout with django-axes: how failures are counted (AXES_HANDLER) and what a
locked-out sign-in sees (AXES_LOCKOUT_CALLABLE)."""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from rest_framework import status
from rest_framework.exceptions import APIException

LOCKED_STATUS = status.HTTP_429_TOO_MANY_REQUESTS


def lockout_minutes() -> int:
    return max(int(settings.AXES_COOLOFF_TIME.total_seconds() // 60), 1)


def lockout_message() -> str:
    return (
        f"Too many failed sign-ins for this account or from this address. Try again in "
        f"{lockout_minutes()} minutes, or ask your training coordinator to unlock the account."
    )


class SignInLocked(APIException):
    """The API's answer to a locked-out token request, in the usual {"detail"} shape."""

    status_code = LOCKED_STATUS
    default_code = "locked_out"

    def __init__(self):
        super().__init__(lockout_message())


def lockout_response(request, original_response=None, credentials=None):
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=LOCKED_STATUS)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": lockout_minutes(), "message": lockout_message()},
        status=LOCKED_STATUS,
    )


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
