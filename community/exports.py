"""An event's results as CSV for command staff: aggregates only, hidden groups marked."""

from collections.abc import Iterator

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify

from community.models import CommunityEvent
from community.results import EventResults, GroupResult
from lms.audit import Action, record_event
from lms.csv_export import csv_lines

CSV_COLUMNS = [
    "group",
    "statement_number",
    "statement",
    "reversed",
    "phase",
    "respondents",
    "mean_scored",
    "answered_1",
    "answered_2",
    "answered_3",
    "answered_4",
    "answered_5",
    "shift",
]


def _rows(group: GroupResult) -> Iterator[list]:
    for st in group.statements:
        for phase, dist, mean in (("pre", st.pre, st.pre_mean), ("post", st.post, st.post_mean)):
            if dist is None:
                yield [group.key, st.number, st.text, st.reversed, phase, "suppressed"] + [""] * 7
                continue
            shift = f"{st.shift:.3f}" if phase == "post" and st.shift is not None else ""
            yield [
                group.key,
                st.number,
                st.text,
                st.reversed,
                phase,
                dist.n,
                f"{mean:.3f}",
                *dist.counts,
                shift,
            ]


def results_csv_export(*, viewer, event: CommunityEvent, results: EventResults) -> HttpResponse:
    """Everyone's and each shown role's figures, one row per statement and phase; the export
    is written to the audit trail."""
    record_event(
        action=Action.REPORT_EXPORTED,
        actor=viewer,
        obj=event,
        agency_id=event.agency_id,
        data={"format": "csv", "report": "community_results"},
    )
    rows = [row for group in [results.everyone, *results.roles] for row in _rows(group)]
    body = "".join(csv_lines(CSV_COLUMNS, rows, byte_order_mark=True))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    name = slugify(event.title)[:50] or "event"
    response["Content-Disposition"] = f'attachment; filename="results-{name}-{stamp}.csv"'
    return response
