"""The 500 handler."""

from django.http import JsonResponse
from django.views import defaults


def server_error(request):
    """Our 500 page (JSON under /api/): never a traceback, whatever DEBUG says."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "A server error occurred."}, status=500)
    return defaults.server_error(request)
