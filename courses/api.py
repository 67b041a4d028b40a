"""Learner and public endpoints of API.md. Thin: look up (scoped), call a service, serialise."""

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.selectors import attempt_of
from courses import serializers as s
from courses.certificates.pdf import certificate_pdf_response
from courses.credentials.openbadges import MEDIA_TYPE_JWT
from courses.credentials.views import credential_response
from courses.models import Certificate, normalise_code
from courses.permissions import request_can_download_certificate, request_can_get_credential
from courses.progress import services
from courses.progress.selectors import (
    certificates_of,
    curricula_visible_to,
    curriculum_outlines,
    learner_progress,
    module_attempt_review,
    visible_lessons,
    visible_module_for_quiz,
)
from lms.api_schema import error_responses
from lms.errors import DomainError, ErrorCode
from lms.scoping import require_person
from lms.throttles import ScopedRateThrottle


class CurriculumListView(APIView):
    @extend_schema(
        responses={200: s.CurriculumOutlineSerializer(many=True), **error_responses(401)}
    )
    def get(self, request):
        outlines = curriculum_outlines(curricula_visible_to(request.user))
        return Response(s.CurriculumOutlineSerializer(outlines, many=True).data)


class MyProgressView(APIView):
    @extend_schema(responses={200: s.ProgressSerializer, **error_responses(401)})
    def get(self, request):
        person = require_person(request.user)
        progress = learner_progress(person=person, curricula=curricula_visible_to(request.user))
        return Response(s.ProgressSerializer({"curricula": progress}).data)


class LessonCompleteView(APIView):
    @extend_schema(
        request=None,
        responses={
            200: s.LessonCompletionSerializer,
            201: s.LessonCompletionSerializer,
            **error_responses(401, 404),
        },
    )
    def post(self, request, lesson_id: int):
        person = require_person(request.user)
        lesson = get_object_or_404(visible_lessons(request.user), pk=lesson_id)
        progress, created = services.lesson_complete(person=person, lesson=lesson)
        return Response(
            s.LessonCompletionSerializer(progress).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class AttemptStartView(APIView):
    @extend_schema(
        request=None,
        responses={
            200: s.AttemptSerializer,
            201: s.AttemptSerializer,
            **error_responses(401, 404, 409),
        },
    )
    def post(self, request, quiz_id: int):
        person = require_person(request.user)
        module = visible_module_for_quiz(request.user, quiz_id)
        if module is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such quiz.")
        attempt, created = services.module_quiz_start(person=person, module=module)
        return Response(
            s.AttemptSerializer(attempt).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class AttemptSubmitView(APIView):
    @extend_schema(
        request=s.SubmitSerializer,
        responses={
            200: s.AttemptResultSerializer,
            **error_responses(400, 401, 404, 409, 415),
        },
    )
    def post(self, request, attempt_id: int):
        person = require_person(request.user)
        attempt = attempt_of(request.user, attempt_id)
        module = visible_module_for_quiz(request.user, attempt.quiz_id)
        if module is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such attempt.")
        if not isinstance(request.data, dict) or "answers" not in request.data:
            raise DomainError(ErrorCode.INVALID, "This field is required.", field="answers")
        attempt, since = services.module_quiz_submit_in_cycle(
            person=person, module=module, attempt=attempt, answers=request.data["answers"]
        )
        review = module_attempt_review(person=person, module=module, attempt=attempt, since=since)
        return Response(s.AttemptResultSerializer(review).data)


class AttemptResultView(APIView):
    @extend_schema(
        responses={200: s.AttemptResultSerializer, **error_responses(401, 404, 409)},
    )
    def get(self, request, attempt_id: int):
        """The result of one of the caller's submitted attempts, under the quiz's review
        policy; an attempt still open answers 409."""
        person = require_person(request.user)
        attempt = attempt_of(request.user, attempt_id)
        module = visible_module_for_quiz(request.user, attempt.quiz_id)
        if module is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such attempt.")
        if not attempt.is_submitted:
            raise DomainError(ErrorCode.CONFLICT, "This attempt has not been submitted yet.")
        review = module_attempt_review(person=person, module=module, attempt=attempt)
        return Response(s.AttemptResultSerializer(review).data)


class MyCertificatesView(APIView):
    @extend_schema(responses={200: s.CertificateSerializer(many=True), **error_responses(401)})
    def get(self, request):
        person = require_person(request.user)
        certificates = certificates_of(person)
        return Response(
            s.CertificateSerializer(certificates, many=True, context={"request": request}).data
        )


class CertificatePdfView(APIView):
    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The certificate PDF"
            ),
            **error_responses(401, 403, 404),
        }
    )
    def get(self, request, code: str) -> FileResponse:
        certificates = Certificate.objects.select_related("person__agency")
        certificate = get_object_or_404(certificates, code=code)
        if not request_can_download_certificate(request, certificate):
            raise DomainError(ErrorCode.NOT_FOUND, "No such certificate.")
        return certificate_pdf_response(certificate, request)


class CertificateCredentialView(APIView):
    @extend_schema(
        summary="The certificate as an Open Badges 3.0 credential (the holder only)",
        responses={
            (200, MEDIA_TYPE_JWT): OpenApiResponse(
                OpenApiTypes.STR,
                description="The OpenBadgeCredential as a compact JWS (VC-JWT, OB 3.0 8.2)",
            ),
            **error_responses(401, 404),
        },
    )
    def get(self, request, code: str) -> HttpResponse:
        certificates = Certificate.objects.select_related("person__agency")
        certificate = get_object_or_404(certificates, code=code)
        if not request_can_get_credential(request, certificate):
            raise DomainError(ErrorCode.NOT_FOUND, "No such certificate.")
        return credential_response(certificate, "jwt")


class PublicCertificateView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "certificate_verify"

    @extend_schema(
        auth=[], responses={200: s.PublicCertificateSerializer, **error_responses(404, 429)}
    )
    def get(self, request, code: str):
        certificate = get_object_or_404(Certificate, code=normalise_code(code))
        return Response(s.PublicCertificateSerializer(certificate).data)
