"""The benchmark's floors: what the server costs before a page does any work of its own.

Mounted only when settings.BENCH_FLOOR_VIEWS is True (bench/settings.py), never in production.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


def floor(request):
    """The anonymous floor: routing, middleware and a constant response."""
    return HttpResponse(b"floor\n", content_type="text/plain")


@login_required
def signed_in_floor(request):
    """The signed-in floor: the same, plus loading the session and the user."""
    return HttpResponse(b"signed-in floor\n", content_type="text/plain")
