from django.urls import path

from courses import assignment_views, survey_views
from courses import oversight_views as views

urlpatterns = [
    path("", views.oversight_dashboard, name="oversight-dashboard"),
    path("completion.csv", views.oversight_csv, name="oversight-csv"),
    path("people/<int:person_id>/", views.transcript, name="oversight-transcript"),
    path(
        "certificates/<str:code>/revoke/",
        views.certificate_revoke,
        name="oversight-certificate-revoke",
    ),
    path("surveys/", survey_views.survey_report, name="oversight-surveys"),
    path("assignments/", assignment_views.assignment_list, name="oversight-assignments"),
    path(
        "assignments/new/",
        assignment_views.assignment_create,
        name="oversight-assignment-new",
    ),
    path(
        "assignments/<int:assignment_id>/edit/",
        assignment_views.assignment_edit,
        name="oversight-assignment-edit",
    ),
    path(
        "assignments/<int:assignment_id>/delete/",
        assignment_views.assignment_delete,
        name="oversight-assignment-delete",
    ),
]
