"""The v1 API routes: the token, the schema, and each app's routes by dotted path (no import
of an app above lms). Mounted before Wagtail's catch-all in lms/urls.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from lms.auth_api import TokenView

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include("courses.api_urls")),
    path("", include("oversight.api_urls")),
]
