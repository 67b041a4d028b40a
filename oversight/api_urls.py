"""The oversight API routes, mounted under /api/v1/ by lms/api.py."""

from django.urls import path

from oversight import api as oversight_api

urlpatterns = [
    path(
        "reports/completion/",
        oversight_api.CompletionReportView.as_view(),
        name="api-report-completion",
    ),
    path(
        "reports/completion.csv",
        oversight_api.CompletionCsvView.as_view(),
        name="api-report-completion-csv",
    ),
]
