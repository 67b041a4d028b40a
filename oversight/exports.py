"""The completion report as CSV, streamed row by row so 50,000 people never sit in memory.

`completion_csv_export` is the one export flow, for the API and the dashboard alike: the
viewer's rows under validated filters, the export written to the audit trail, the response.
Its cells go through `lms.csv_export` (formula injection neutralised, optional byte order mark).

The same file can be prepared in the background instead (the dashboard's *Prepare CSV*, for
agencies whose report takes long): `COMPLETION_CSV`, an export kind registered with
`compliance.exporting` from `OversightConfig.ready`.
"""

from collections.abc import Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone

from compliance.exporting.registry import Cleaned, ExportKind, register
from courses.progress.selectors import modules_total
from lms.audit import Action, record_event
from lms.csv_export import csv_lines
from lms.errors import DomainError, ErrorCode
from lms.scoping import oversight_agency_id
from oversight.reports import ReportFilters, completion_report
from oversight.serializers import ReportFilterSerializer

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


# --- Prepared in the background (compliance.exporting) ----------------------------------------

FILTER_FIELDS = ("curriculum", "unit", "status", "category")


def _valid_filters(*, user, data) -> ReportFilters:
    """`data` validated for `user` as the dashboard validates it: DomainError INVALID naming
    the field, or NOT_FOUND for an id outside the user's scope."""
    given = {name: data[name] for name in FILTER_FIELDS if data.get(name) not in (None, "")}
    serializer = ReportFilterSerializer(data=given, context={"viewer": user})
    if not serializer.is_valid():
        field, errors = next(iter(serializer.errors.items()))
        raise DomainError(ErrorCode.INVALID, str(errors[0]), field=field)
    return serializer.validated_data


def _clean_completion_csv(*, user, data) -> Cleaned:
    filters = _valid_filters(user=user, data=data)
    curriculum, unit = filters["curriculum"], filters.get("unit")
    return Cleaned(
        {
            "curriculum": curriculum.pk,
            "unit": unit.pk if unit else None,
            "status": filters.get("status"),
            "category": filters.get("category"),
            # For the list and the file name, as they were when asked for.
            "title": curriculum.title,
            "slug": curriculum.slug,
            "unit_name": unit.name if unit else None,
        },
        subject=curriculum,
    )


def _write_completion_csv(*, export, viewer) -> Iterator[str]:
    """Read again with the requester's scope at build time (their units may have changed)."""
    filters = _valid_filters(user=viewer, data=export.parameters)
    rows = completion_report(viewer=viewer, filters=filters)
    total = modules_total(filters["curriculum"])
    return completion_csv_lines(rows, total, byte_order_mark=True)


def _describe(export) -> str:
    parameters = export.parameters
    narrowed = [parameters.get(name) for name in ("unit_name", "status", "category")]
    narrowed = [value for value in narrowed if value]
    return parameters["title"] + (f" ({', '.join(narrowed)})" if narrowed else "")


COMPLETION_CSV = ExportKind(
    code="completion-csv",
    label="Completion report CSV",
    content_type="text/csv; charset=utf-8",
    audit_format="csv",
    clean=_clean_completion_csv,
    write=_write_completion_csv,
    filename=lambda export: (
        f"completion-{export.parameters['slug']}-{export.created_at:%Y-%m-%d}.csv"
    ),
    describe=_describe,
    audit_fields=("unit", "status", "category"),  # as the direct download's event
)


def register_export_kinds() -> None:
    register(COMPLETION_CSV)
