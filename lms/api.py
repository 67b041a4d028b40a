"""The v1 API routes: the token, the schema, and each app's routes by dotted path (no import
of an app above lms). Mounted before Wagtail's catch-all in lms/urls.py; an address under
/api/v1/ that none of them matches is a JSON 404 here, never Wagtail's HTML page."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from lms.auth_api import TokenView
from lms.views import api_not_found

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include("courses.api_urls")),
    path("", include("oversight.api_urls")),
    path("", include("compliance.api_urls")),
    path("", include("community.api_urls")),
    re_path(r"", api_not_found),  # last: any other /api/v1/ address is a JSON 404
]
