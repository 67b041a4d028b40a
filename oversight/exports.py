"""The completion report as CSV, streamed row by row so 50,000 people never sit in memory.

`completion_csv_export` is the one export flow, for the API and the dashboard alike: the
viewer's rows under validated filters, the export written to the audit trail, the response.
Its cells go through `lms.csv_export` (formula injection neutralised, optional byte order mark).
"""

from collections.abc import Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone

from courses.progress.selectors import modules_total
from lms.audit import Action, record_event
from lms.csv_export import csv_lines
from lms.scoping import oversight_agency_id
from oversight.reports import ReportFilters, completion_report

CSV_COLUMNS = [
    "person_id",
    "name",
    "badge_number",
    "unit",
    "personnel_category",
    "status",
    "modules_completed",
    "modules_total",
    "completed_at",
    "certificate_code",
    "due_date",
    "overdue",
]
CHUNK_SIZE = 2000


def _iso(value) -> str:
    return value.isoformat() if value else ""


def completion_csv_lines(
    rows, modules_total: int, *, byte_order_mark: bool = False
) -> Iterator[str]:
    """The report's CSV lines: header first, then one line per person (`lms.csv_export`)."""
    return csv_lines(CSV_COLUMNS, _cells(rows, modules_total), byte_order_mark=byte_order_mark)


def _cells(rows, modules_total: int) -> Iterator[list]:
    values = rows.values_list(
        "pk",
        "user__first_name",
        "user__last_name",
        "user__username",
        "badge_number",
        "unit__name",
        "personnel_category",
        "status",
        "modules_completed",
        "completed_at",
        "certificate_code",
        "due_date",
        "overdue",
    )
    for (
        pk,
        first,
        last,
        username,
        badge,
        unit,
        category,
        status,
        done,
        completed_at,
        code,
        due,
        overdue,
    ) in values.iterator(chunk_size=CHUNK_SIZE):
        name = f"{first} {last}".strip() or username
        yield [
            pk,
            name,
            badge,
            unit or "",
            category,
            status,
            done,
            modules_total,
            _iso(completed_at),
            code or "",
            _iso(due),
            "true" if overdue else "false",
        ]


def record_report_export(*, viewer, filters: ReportFilters, fmt: str) -> None:
    """Exports leave a trace: who took which slice of the agency's records."""
    unit = filters.get("unit")
    record_event(
        action=Action.REPORT_EXPORTED,
        actor=viewer,
        obj=filters["curriculum"],
        agency_id=oversight_agency_id(viewer),
        data={
            "format": fmt,
            "unit": unit.pk if unit else None,
            "status": filters.get("status"),
            "category": filters.get("category"),
        },
    )


def completion_csv_export(
    *, viewer, filters: ReportFilters, byte_order_mark: bool = False
) -> StreamingHttpResponse:
    """The completion report as a CSV download, its export recorded in the audit trail.

    `filters` come validated (`ReportFilterSerializer`), so nothing here can be refused.
    `byte_order_mark` starts the file with the UTF-8 BOM (spreadsheet software needs it to
    read accented names); the dashboard's download has it, the API's only on `?bom=1`.
    """
    curriculum = filters["curriculum"]
    rows = completion_report(viewer=viewer, filters=filters)
    record_report_export(viewer=viewer, filters=filters, fmt="csv")
    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(
        completion_csv_lines(rows, modules_total(curriculum), byte_order_mark=byte_order_mark),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="completion-{curriculum.slug}-{stamp}.csv"'
    )
    return response
