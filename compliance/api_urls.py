"""The compliance API routes, mounted under /api/v1/ by lms/api.py."""

from django.urls import path

from compliance import api

urlpatterns = [
    path("me/compliance/", api.MyComplianceView.as_view(), name="api-my-compliance"),
    path(
        "me/training-records/",
        api.MyTrainingRecordsView.as_view(),
        name="api-my-training-records",
    ),
    path(
        "training-records/<id:entry_id>/approve/",
        api.TrainingRecordApproveView.as_view(),
        name="api-training-record-approve",
    ),
    path(
        "training-records/<id:entry_id>/reject/",
        api.TrainingRecordRejectView.as_view(),
        name="api-training-record-reject",
    ),
    path(
        "reports/compliance/",
        api.ComplianceReportView.as_view(),
        name="api-report-compliance",
    ),
]
