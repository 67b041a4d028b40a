"""The learner and public API routes, mounted under /api/v1/ by lms/api.py."""

from django.urls import path

from courses import api as courses_api

urlpatterns = [
    path("curricula/", courses_api.CurriculumListView.as_view(), name="api-curricula"),
    path("me/progress/", courses_api.MyProgressView.as_view(), name="api-my-progress"),
    path("me/certificates/", courses_api.MyCertificatesView.as_view(), name="api-my-certificates"),
    path(
        "lessons/<id:lesson_id>/complete/",
        courses_api.LessonCompleteView.as_view(),
        name="api-lesson-complete",
    ),
    path(
        "quizzes/<id:quiz_id>/attempts/",
        courses_api.AttemptStartView.as_view(),
        name="api-attempt-start",
    ),
    path(
        "attempts/<id:attempt_id>/",
        courses_api.AttemptResultView.as_view(),
        name="api-attempt-result",
    ),
    path(
        "attempts/<id:attempt_id>/submit/",
        courses_api.AttemptSubmitView.as_view(),
        name="api-attempt-submit",
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
    path(
        "certificates/<str:code>/credential/",
        courses_api.CertificateCredentialView.as_view(),
        name="api-certificate-credential",
    ),
]
