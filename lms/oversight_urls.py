from django.urls import path

from lms.views import audit_log, roster_upload

urlpatterns = [
    path("audit/", audit_log, name="oversight-audit"),
    path("roster/", roster_upload, name="roster-upload"),
]
