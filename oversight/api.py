"""The completion report API of API.md (command staff): JSON pages and CSV."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from courses.progress.selectors import modules_total
from lms.api_schema import error_responses
from lms.models import PersonnelCategory
from lms.permissions import CanViewAgencyRecords
from oversight import serializers as s
from oversight.exports import completion_csv_export
from oversight.reports import ReportFilters, ReportPage, Status, report_count, up_to_date


class ReportPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


ID = {"type": "integer", "minimum": 0}  # the views answer 400 to anything but digits


def named_enum(name: str) -> dict:
    """A string parameter whose choices are the component `name` (lms.api_schema hook)."""
    return {"type": "string", "title": name}


REPORT_PARAMETERS = [
    OpenApiParameter("curriculum", ID, description="Curriculum id (default: the first)."),
    OpenApiParameter("unit", ID, description="Unit id in your agency."),
    OpenApiParameter("status", named_enum("ReportStatus"), enum=list(Status.ALL)),
    OpenApiParameter(
        "category", named_enum("PersonnelCategory"), enum=list(PersonnelCategory.values)
    ),
]


def _filters(request) -> ReportFilters:
    """The query's filters, validated: 400 naming a bad field, 404 for ids out of scope."""
    serializer = s.ReportFilterSerializer(
        data=request.query_params, context={"viewer": request.user}
    )
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


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
        filters = _filters(request)
        # Counted and paged from the report's tallies: no count or sort of the agency.
        up_to_date(viewer=request.user, curriculum=filters["curriculum"])
        rows = ReportPage(
            viewer=request.user,
            filters=filters,
            total=report_count(viewer=request.user, filters=filters),
        )
        paginator = ReportPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        context = {"modules_total": modules_total(filters["curriculum"])}
        return paginator.get_paginated_response(
            s.CompletionRowSerializer(page, many=True, context=context).data
        )


BOM_PARAMETER = OpenApiParameter(
    "bom",
    bool,
    description=(
        "Start the file with the UTF-8 byte order mark (EF BB BF), which spreadsheet software "
        "such as Excel needs to read accented names. Default false: the file starts with the "
        "header row."
    ),
)


class CompletionCsvView(APIView):
    permission_classes = [IsAuthenticated, CanViewAgencyRecords]

    @extend_schema(
        # drf-spectacular would derive "reports_completion.csv_retrieve" from the path.
        operation_id="reports_completion_csv_retrieve",
        parameters=[*REPORT_PARAMETERS, BOM_PARAMETER],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="One row per person, header row first"
            ),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get(self, request):
        options = s.CsvOptionsSerializer(data=request.query_params)
        options.is_valid(raise_exception=True)
        return completion_csv_export(
            viewer=request.user,
            filters=_filters(request),
            byte_order_mark=options.validated_data["bom"],
        )
