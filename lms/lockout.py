"""What a locked-out sign-in sees (django-axes calls `lockout_response`, AXES_LOCKOUT_CALLABLE)."""

from django.conf import settings
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
