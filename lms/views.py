"""The 500 handler, and the API's 404 for addresses it does not have."""

from django.http import JsonResponse
from django.views import defaults


def server_error(request):
    """Our 500 page (JSON under /api/): never a traceback, whatever DEBUG says."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "A server error occurred."}, status=500)
    return defaults.server_error(request)


def api_not_found(request):
    """Any /api/v1/ address that no route matches (including an id of more than 18 digits)."""
    return JsonResponse({"detail": "Not found."}, status=404)
