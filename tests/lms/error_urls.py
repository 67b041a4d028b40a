"""The site's URLs plus views that fail, for the 500-page tests."""

from django.urls import path

from lms.urls import handler500
from lms.urls import urlpatterns as site_urlpatterns


def broken_view(request):
    raise RuntimeError("SELECT secret_column FROM lms_person -- boom")


urlpatterns = [
    path("broken/", broken_view),
    path("api/v1/broken/", broken_view),
    *site_urlpatterns,
]

__all__ = ["handler500", "urlpatterns"]
