from django.urls import path, re_path

from courses import record_views, scenario_views, survey_views, views
from courses.credentials import views as credential_views

urlpatterns = [
    path("training/", views.my_training, name="my-training"),
    path(
        "training/lessons/<id:lesson_id>/complete/", views.lesson_complete, name="lesson-complete"
    ),
    path(
        "training/lessons/<id:lesson_id>/scenarios/<str:block_id>/choose/",
        scenario_views.scenario_choose,
        name="scenario-choose",
    ),
    path(
        "training/lessons/<id:lesson_id>/scenarios/<str:block_id>/restart/",
        scenario_views.scenario_restart,
        name="scenario-restart",
    ),
    path("training/modules/<id:module_id>/job-aid/", views.module_job_aid, name="module-job-aid"),
    path(
        "training/lessons/<id:lesson_id>/reflections/",
        record_views.reflection_submit,
        name="reflection-save",
    ),
    path("training/transcript/", record_views.my_transcript, name="my-transcript"),
    path("training/transcript.pdf", record_views.my_transcript_pdf, name="my-transcript-pdf"),
    path("training/my-records.json", record_views.my_records, name="my-records"),
    path("training/quizzes/<id:quiz_id>/start/", views.quiz_start, name="quiz-start"),
    path("training/attempts/<id:attempt_id>/", views.attempt_take, name="attempt-take"),
    path("training/attempts/<id:attempt_id>/submit/", views.attempt_submit, name="attempt-submit"),
    path("training/attempts/<id:attempt_id>/result/", views.attempt_result, name="attempt-result"),
    path(
        "training/surveys/<id:curriculum_id>/<str:phase>/",
        survey_views.survey_take,
        name="survey-take",
    ),
    path("training/certificates/", views.my_certificates, name="my-certificates"),
    path("search/", views.search, name="search"),
    path("training/certificates/<str:code>/pdf/", views.certificate_pdf, name="certificate-pdf"),
    re_path(
        r"^training/certificates/(?P<code>[^/]+)/credential\.(?P<form>jwt|json|svg)$",
        credential_views.my_credential,
        name="my-credential",
    ),
    path("credentials/issuer/", credential_views.issuer, name="credential-issuer"),
    path("credentials/keys/<str:thumbprint>", credential_views.public_key, name="credential-key"),
    path(".well-known/jwks.json", credential_views.jwks, name="credential-jwks"),
    path(
        "credentials/status/<int:number>/",
        credential_views.status_list,
        name="credential-status-list",
    ),
    path("verify/credential/", credential_views.credential_check, name="credential-check"),
    path("verify/", views.certificate_lookup, name="certificate-lookup"),
    path("verify/<str:code>/", views.certificate_verify, name="certificate-verify"),
]
