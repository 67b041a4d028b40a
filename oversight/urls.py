"""Command-staff pages, mounted at /oversight/."""

from django.urls import path

from lms.replica import replica_reads
from oversight.views import assignments, audit, dashboard, roster, surveys

urlpatterns = [
    path("", replica_reads(dashboard.oversight_dashboard), name="oversight-dashboard"),
    path("completion.csv", replica_reads(dashboard.oversight_csv), name="oversight-csv"),
    path("people/<id:person_id>/", dashboard.transcript, name="oversight-transcript"),
    path(
        "certificates/<str:code>/revoke/",
        dashboard.certificate_revoke,
        name="oversight-certificate-revoke",
    ),
    path("surveys/", replica_reads(surveys.survey_report), name="oversight-surveys"),
    path("assignments/", assignments.assignment_list, name="oversight-assignments"),
    path("assignments/new/", assignments.assignment_create, name="oversight-assignment-new"),
    path(
        "assignments/<id:assignment_id>/edit/",
        assignments.assignment_edit,
        name="oversight-assignment-edit",
    ),
    path(
        "assignments/<id:assignment_id>/delete/",
        assignments.assignment_delete,
        name="oversight-assignment-delete",
    ),
    path("audit/", audit.audit_log, name="oversight-audit"),
    path("roster/", roster.roster_upload, name="roster-upload"),
]
