"""Compliance pages, mounted at /compliance/."""

from django.urls import path

from compliance import views
from lms.replica import replica_reads

urlpatterns = [
    path("", views.my_compliance, name="my-compliance"),
    path("records/", views.submit_training, name="compliance-submit"),
    path("records/<id:entry_id>/evidence/", views.evidence_file, name="compliance-evidence"),
    path("staff/", replica_reads(views.dashboard), name="compliance-dashboard"),
    path(
        "staff/records/<id:entry_id>/evidence/",
        views.staff_evidence_file,
        name="compliance-staff-evidence",
    ),
    # Addresses of the downloads built in the request before exports were queued: redirects.
    path("staff/state.csv", views.state_csv, name="compliance-state-csv"),
    path("staff/declaration.pdf", views.declaration, name="compliance-declaration"),
    path("staff/exports/", views.my_exports, name="compliance-exports"),
    path("staff/exports/new/", views.export_request, name="compliance-export-request"),
    path("staff/exports/<id:export_id>/", views.export_download, name="compliance-export-download"),
    path("staff/queue/", views.queue, name="compliance-queue"),
    path("staff/mapping/", views.mapping, name="compliance-mapping"),
    path("staff/rule-set/", views.choose_rule_set, name="compliance-rule-set"),
    path("staff/records/<id:entry_id>/approve/", views.approve, name="compliance-approve"),
    path("staff/records/<id:entry_id>/reject/", views.reject, name="compliance-reject"),
    path("staff/records/<id:entry_id>/reverse/", views.reverse_entry, name="compliance-reverse"),
    path("staff/people/<id:person_id>/", views.officer, name="compliance-officer"),
    path(
        "staff/people/<id:person_id>/evidence.zip",
        views.evidence_package,
        name="compliance-evidence-package",
    ),
    path("staff/people/<id:person_id>/dates/", views.officer_profile, name="compliance-profile"),
    path("staff/people/<id:person_id>/waiver/", views.officer_waiver, name="compliance-waiver"),
    path(
        "staff/people/<id:person_id>/extension/",
        views.officer_extension,
        name="compliance-extension",
    ),
]
