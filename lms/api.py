"""The v1 API routes. Mounted before Wagtail's catch-all in lms/urls.py."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from courses import api as courses_api
from lms.auth_api import TokenView

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("curricula/", courses_api.CurriculumListView.as_view(), name="api-curricula"),
    path("me/progress/", courses_api.MyProgressView.as_view(), name="api-my-progress"),
    path("me/certificates/", courses_api.MyCertificatesView.as_view(), name="api-my-certificates"),
    path(
        "lessons/<int:lesson_id>/complete/",
        courses_api.LessonCompleteView.as_view(),
        name="api-lesson-complete",
    ),
    path(
        "quizzes/<int:quiz_id>/attempts/",
        courses_api.AttemptStartView.as_view(),
        name="api-attempt-start",
    ),
    path(
        "attempts/<int:attempt_id>/submit/",
        courses_api.AttemptSubmitView.as_view(),
        name="api-attempt-submit",
    ),
    path(
        "reports/completion/",
        courses_api.CompletionReportView.as_view(),
        name="api-report-completion",
    ),
    path(
        "reports/completion.csv",
        courses_api.CompletionCsvView.as_view(),
        name="api-report-completion-csv",
    ),
    path(
        "certificates/<str:code>/",
        courses_api.PublicCertificateView.as_view(),
        name="api-certificate",
    ),
    path(
        "certificates/<str:code>/pdf/",
        courses_api.CertificatePdfView.as_view(),
        name="api-certificate-pdf",
    ),
]
