"""Public community pages, mounted at the site's root: /agencies/<slug>/ and the short survey
link /e/<id>/ (each with /es/ for Spanish)."""

from django.urls import path

from community.views import public

urlpatterns = [
    path("agencies/<slug:slug>/", public.agency_page, name="community-agency"),
    path(
        "agencies/<slug:slug>/es/",
        public.agency_page,
        {"language": "es"},
        name="community-agency-es",
    ),
    path("e/<id:event_id>/", public.event_survey, name="community-survey"),
    path(
        "e/<id:event_id>/es/", public.event_survey, {"language": "es"}, name="community-survey-es"
    ),
    path("e/<id:event_id>/thanks/", public.survey_thanks, name="community-survey-thanks"),
    path(
        "e/<id:event_id>/es/thanks/",
        public.survey_thanks,
        {"language": "es"},
        name="community-survey-thanks-es",
    ),
]
