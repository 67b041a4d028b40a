"""The completion report API of API.md (command staff): JSON pages and CSV."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from courses.progress.selectors import modules_total
from lms.api_schema import error_responses
from lms.models import PersonnelCategory
from lms.permissions import CanViewAgencyRecords
from oversight import serializers as s
from oversight.exports import completion_csv_response
from oversight.reports import Status, completion_report, parse_filters, record_report_export


class ReportPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


ID = {"type": "integer", "minimum": 0}  # the views answer 400 to anything but digits

REPORT_PARAMETERS = [
    OpenApiParameter("curriculum", ID, description="Curriculum id (default: the first)."),
    OpenApiParameter("unit", ID, description="Unit id in your agency."),
    OpenApiParameter("status", str, enum=list(Status.ALL)),
    OpenApiParameter("category", str, enum=list(PersonnelCategory.values)),
]


class CompletionReportView(APIView):
    permission_classes = [IsAuthenticated, CanViewAgencyRecords]

    @extend_schema(
        parameters=[
            *REPORT_PARAMETERS,
            OpenApiParameter("page", {"type": "integer", "minimum": 1}),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": ReportPagination.max_page_size},
                description=f"Rows a page (default {ReportPagination.page_size}).",
            ),
        ],
        responses={200: s.CompletionReportPageSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        filters = parse_filters(request.user, request.query_params)
        rows = completion_report(viewer=request.user, **filters)
        paginator = ReportPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        context = {"modules_total": modules_total(filters["curriculum"])}
        return paginator.get_paginated_response(
            s.CompletionRowSerializer(page, many=True, context=context).data
        )


class CompletionCsvView(APIView):
    permission_classes = [IsAuthenticated, CanViewAgencyRecords]

    @extend_schema(
        parameters=REPORT_PARAMETERS,
        responses={
            (200, "text/csv"): OpenApiResponse(description="One row per person"),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get(self, request):
        filters = parse_filters(request.user, request.query_params)
        rows = completion_report(viewer=request.user, **filters)
        record_report_export(request.user, filters, fmt="csv")
        return completion_csv_response(
            rows,
            curriculum=filters["curriculum"],
            modules_total=modules_total(filters["curriculum"]),
        )
