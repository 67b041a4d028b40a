"""The compliance endpoints of API.md ("Compliance"). Thin: look up (scoped), call a service or
selector, serialise."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance import serializers as s
from compliance import services
from compliance.cycles import Status
from compliance.models import TrainingEntry
from compliance.permissions import CanDecideEntries
from compliance.selectors import compliance_report, ledger, officer_compliance
from lms.api_schema import error_responses
from lms.errors import DomainError, ErrorCode
from lms.models import Person, Unit
from lms.parsers import JSONParser
from lms.permissions import CanViewAgencyRecords
from lms.scoping import oversight_agency_id, require_person, scope_units


class MyComplianceView(APIView):
    @extend_schema(responses={200: s.MyComplianceSerializer, **error_responses(401, 403)})
    def get(self, request):
        person = require_person(request.user)
        compliance = officer_compliance(person=person)
        return Response(s.MyComplianceSerializer(compliance).data)


class MyTrainingRecordsView(APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        responses={200: s.TrainingRecordSerializer(many=True), **error_responses(401, 403)}
    )
    def get(self, request):
        person = require_person(request.user)
        return Response(s.TrainingRecordSerializer(ledger(person), many=True).data)

    @extend_schema(
        # Documented as JSON; multipart/form-data takes the same fields plus `evidence`. (A
        # second content type makes openapi-python-client generate code that does not import.)
        request={"application/json": s.TrainingEntryInputSerializer},
        description=(
            "External training, pending a coordinator's decision. JSON, or multipart/form-data "
            "with the same fields and `evidence`: the certificate or letter of completion, a "
            "PDF, PNG or JPEG (told by its content) of at most 10 MB."
        ),
        responses={201: s.TrainingRecordSerializer, **error_responses(400, 401, 403, 409, 415)},
    )
    def post(self, request):
        person = require_person(request.user)
        serializer = s.TrainingEntryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        evidence = data.pop("evidence", None)
        entry = services.external_entry_submit(
            person=person, data=data, evidence=evidence, by=request.user
        )
        entry.category_codes = entry.categories
        return Response(s.TrainingRecordSerializer(entry).data, status=status.HTTP_201_CREATED)


def _decidable(request, entry_id: int) -> TrainingEntry:
    """The entry, if it belongs to someone the coordinator oversees (else 404)."""
    return get_object_or_404(TrainingEntry.objects.visible_to(request.user), pk=entry_id)


class TrainingRecordApproveView(APIView):
    permission_classes = [IsAuthenticated, CanDecideEntries]

    @extend_schema(
        request=None,
        responses={200: s.TrainingRecordSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, entry_id: int):
        entry = services.entry_approve(entry=_decidable(request, entry_id), by=request.user)
        entry.category_codes = entry.categories
        return Response(s.TrainingRecordSerializer(entry).data)


class TrainingRecordRejectView(APIView):
    permission_classes = [IsAuthenticated, CanDecideEntries]

    @extend_schema(
        request=s.ReasonSerializer,
        responses={200: s.TrainingRecordSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, entry_id: int):
        entry = _decidable(request, entry_id)
        serializer = s.ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.entry_reject(
            entry=entry, by=request.user, reason=serializer.validated_data["reason"]
        )
        entry.category_codes = entry.categories
        return Response(s.TrainingRecordSerializer(entry).data)


class ReportPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class ComplianceReportView(APIView):
    permission_classes = [IsAuthenticated, CanViewAgencyRecords]

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", {"type": "integer", "minimum": 0}, description="Unit id."),
            OpenApiParameter(
                "status", {"type": "string", "title": "ComplianceStatus"}, enum=list(Status.ALL)
            ),
            OpenApiParameter("page", {"type": "integer", "minimum": 1}),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": ReportPagination.max_page_size},
            ),
        ],
        responses={200: s.ComplianceReportPageSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        filters = s.ComplianceFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        unit_id = filters.validated_data.get("unit")
        if (
            unit_id is not None
            and not scope_units(Unit.objects.all(), request.user).filter(pk=unit_id).exists()
        ):
            raise DomainError(ErrorCode.NOT_FOUND, "No such unit.")
        report = compliance_report(
            people=Person.objects.visible_to(request.user),
            agency_id=oversight_agency_id(request.user),
            unit_id=unit_id,
            status=filters.validated_data.get("status"),
        )
        paginator = ReportPagination()
        page = paginator.paginate_queryset(report.rows, request, view=self)
        return paginator.get_paginated_response(s.ComplianceRowSerializer(page, many=True).data)
