"""The 500 handler, and the API's 404 for addresses it does not have."""

from django.http import HttpResponseServerError, JsonResponse
from django.template import loader


def server_error(request):
    """Our 500 page (JSON under /api/): never a traceback, whatever DEBUG says. The error has
    been logged with the request's id (lms.request_log); the page shows the id, and every
    response carries it in X-Request-ID, so that a user can quote it."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "A server error occurred."}, status=500)
    html = loader.get_template("500.html").render({"request_id": getattr(request, "id", "")})
    return HttpResponseServerError(html)


def api_not_found(request):
    """Any /api/v1/ address that no route matches (including an id of more than 18 digits)."""
    return JsonResponse({"detail": "Not found."}, status=404)
