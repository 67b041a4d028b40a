"""The benchmark's floors: what the server costs before a page does any work of its own.

Mounted only by bench/urls.py, the URL conf of bench/settings.py; never by the site's own URLs.
"""

from django.contrib.auth.decorators import login_required
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


def floor(request):
    """The anonymous floor: routing, middleware and a constant response."""
    return HttpResponse(b"floor\n", content_type="text/plain")


@login_required
def signed_in_floor(request):
    """The signed-in floor: the same, plus loading the session and the user."""
    return HttpResponse(b"signed-in floor\n", content_type="text/plain")


@csrf_exempt  # a benchmark's POST, not a form
@require_POST
@login_required
def write_floor(request):
    """The write floor: the signed-in floor plus one row inserted in a committed transaction,
    what any request that records something durably pays on this database and disk. The row
    is an already expired row of Django's own session table (our sessions live in
    lms.models.UserSession: a table with nothing else to do), so concurrent requests never
    wait for each other's row."""
    with transaction.atomic():
        Session.objects.create(
            session_key=get_random_string(40), session_data="", expire_date=timezone.now()
        )
    return HttpResponse(b"write floor\n", content_type="text/plain")
