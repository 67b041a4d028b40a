"""The public community API routes, mounted under /api/v1/ by lms/api.py."""

from django.urls import path

from community import api

urlpatterns = [
    path(
        "public/agencies/<slug:slug>/",
        api.PublicAgencyView.as_view(),
        name="api-community-agency",
    ),
    path(
        "public/events/<id:event_id>/survey/",
        api.PublicSurveyView.as_view(),
        name="api-community-survey",
    ),
    path(
        "public/events/<id:event_id>/responses/",
        api.PublicResponseView.as_view(),
        name="api-community-responses",
    ),
    path(
        "public/events/<id:event_id>/results/",
        api.PublicResultsView.as_view(),
        name="api-community-results",
    ),
]
