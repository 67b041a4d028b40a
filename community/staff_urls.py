"""Staff pages for community events, mounted at /oversight/community/ (before oversight's own)."""

from django.urls import path

from community.views import staff

urlpatterns = [
    path("", staff.event_list, name="community-events"),
    path("public-page/", staff.public_page_switch, name="community-public-page"),
    path("new/", staff.event_form, name="community-event-new"),
    path("<id:event_id>/", staff.event_detail, name="community-event"),
    path("<id:event_id>/edit/", staff.event_form, name="community-event-edit"),
    path("<id:event_id>/phase/", staff.event_phase, name="community-event-phase"),
    path("<id:event_id>/consents/", staff.event_consents, name="community-event-consents"),
    path("<id:event_id>/codes/", staff.event_codes, name="community-event-codes"),
    path("<id:event_id>/handout/", staff.event_handout, name="community-event-handout"),
    path("<id:event_id>/results.csv", staff.event_results_csv, name="community-event-csv"),
    path(
        "<id:event_id>/comments/<id:comment_id>/",
        staff.comment_moderate,
        name="community-comment-moderate",
    ),
]
