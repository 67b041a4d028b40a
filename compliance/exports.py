"""Compliance exports: the state-reporting CSV (written row by row), the annual declaration of
compliance (PDF, ReportLab as the certificates), and an officer's accreditation evidence
package (a ZIP written member by member, never held in memory). They are built by a task into
a file staff download later (`compliance.exporting`, whose `kinds` call these); asking for one
is an audit event.

State-reporting CSV columns (`STATE_CSV_COLUMNS`), one row per approved ledger entry completed
in the date range (a reversal is a row of negative hours naming the entry it reverses):

    record_id, officer_state_id, badge_number, last_name, first_name, unit, source, title,
    description, started_on, completed_on, hours, categories (codes, ";"-separated),
    category_names, provider, course_number, approved_on, reverses_record_id
"""

import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from compliance.cycles import Status
from compliance.models import EntrySource, TrainingEntry
from compliance.selectors import (
    ComplianceReport,
    OfficerCompliance,
    module_category_map,
    rule_set_of,
    state_report_entries,
)
from courses.certificates.pdf import render_certificate_pdf
from courses.progress.selectors import certificates_of
from lms.csv_export import csv_lines
from lms.models import Agency, Person

STATE_CSV_COLUMNS = [
    "record_id",
    "officer_state_id",
    "badge_number",
    "last_name",
    "first_name",
    "unit",
    "source",
    "title",
    "description",
    "started_on",
    "completed_on",
    "hours",
    "categories",
    "category_names",
    "provider",
    "course_number",
    "approved_on",
    "reverses_record_id",
]
CHUNK = 64 * 1024


def _iso(value) -> str:
    return value.isoformat() if value else ""


def state_csv_rows(*, people, agency_id: int, start: date, end: date) -> Iterator[list]:
    rule_set = rule_set_of(agency_id)
    mapping = module_category_map(agency_id, rule_set) if rule_set else {}
    names = {c.code: c.name for c in rule_set.rules.categories} if rule_set else {}
    for (
        pk,
        _person_id,
        state_id,
        badge,
        last,
        first,
        unit,
        source,
        title,
        description,
        started_on,
        completed_on,
        hours,
        categories,
        module_id,
        provider,
        course_number,
        decided_at,
        reverses_id,
    ) in state_report_entries(people=people, start=start, end=end):
        codes = list(mapping.get(module_id, ())) if source == EntrySource.INTERNAL else categories
        yield [
            pk,
            state_id or "",
            badge,
            last,
            first,
            unit or "",
            source,
            title,
            description,
            _iso(started_on),
            _iso(completed_on),
            hours,
            ";".join(codes),
            ";".join(names.get(code, code) for code in codes),
            provider,
            course_number,
            _iso(timezone.localdate(decided_at) if decided_at else None),
            reverses_id or "",
        ]


def state_csv_lines(*, people, agency_id: int, start: date, end: date) -> Iterator[str]:
    """The state-reporting CSV of `people` for `start`–`end` (validated), with the byte order
    mark spreadsheet software needs to read accented names."""
    rows = state_csv_rows(people=people, agency_id=agency_id, start=start, end=end)
    return csv_lines(STATE_CSV_COLUMNS, rows, byte_order_mark=True)


# --- PDFs ---------------------------------------------------------------------------------------


def _pdf(story: list, title: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=letter,
        title=title,
        author=settings.WAGTAIL_SITE_NAME,
        leftMargin=0.8 * inch,
        rightMargin=0.8 * inch,
    )
    document.build(story)
    return buffer.getvalue()


def _table(rows: list[list], widths=None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f1f4f7")]),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def declaration_pdf(*, agency: Agency, year: int, report: ComplianceReport, as_of: date) -> bytes:
    """The agency's annual declaration of compliance: its rule set, every covered officer's
    status on `as_of` (the year's last day, or today for the current year), the exceptions
    named, and lines for the chief's signature."""
    styles = getSampleStyleSheet()
    rule_set = report.rule_set
    counts = report.counts()
    story = [
        Paragraph(f"Declaration of compliance {year}", styles["Title"]),
        Paragraph(agency.name, styles["Heading2"]),
        Paragraph(
            f"Rule set: {rule_set.name if rule_set else 'none chosen'}"
            + (f" ({rule_set.authority})" if rule_set and rule_set.authority else ""),
            styles["Normal"],
        ),
        Paragraph(f"Status of each covered officer as of {as_of:%B %-d, %Y}.", styles["Normal"]),
        Spacer(1, 12),
        _table(
            [
                ["Officers", *Status.LABELS.values()],
                [str(len(report.rows)), *(str(counts[s]) for s in Status.ALL)],
            ]
        ),
        Spacer(1, 12),
    ]
    if report.without_dates:
        story.append(
            Paragraph(
                f"{report.without_dates} officers have no certification or licence date on "
                "record; their cycle cannot be computed and they are not counted above.",
                styles["Normal"],
            )
        )
    exceptions = [r for r in report.rows if r.status != Status.COMPLIANT]
    if exceptions:
        story += [Spacer(1, 6), Paragraph("Officers not yet compliant", styles["Heading3"])]
        story.append(
            _table(
                [["Officer", "Badge", "Unit", "Status", "Hours", "Deadline", "Missing"]]
                + [
                    [
                        Paragraph(r.name, styles["BodyText"]),
                        r.badge_number,
                        r.unit or "",
                        Status.LABELS[r.status],
                        f"{r.earned_hours.normalize():f} / {r.required_hours.normalize():f}",
                        r.deadline.isoformat(),
                        Paragraph(", ".join(r.missing), styles["BodyText"]),
                    ]
                    for r in exceptions
                ],
                widths=[
                    1.4 * inch,
                    0.6 * inch,
                    0.9 * inch,
                    0.7 * inch,
                    0.7 * inch,
                    0.8 * inch,
                    1.8 * inch,
                ],
            )
        )
    story += [
        Spacer(1, 36),
        Paragraph(
            "I declare that the training records above are complete and accurate to the best "
            "of my knowledge.",
            styles["Normal"],
        ),
        Spacer(1, 36),
        Paragraph(
            "Signature of the chief law enforcement officer: ____________________", styles["Normal"]
        ),
        Spacer(1, 12),
        Paragraph("Name and title: ____________________    Date: __________", styles["Normal"]),
        Spacer(1, 18),
        Paragraph(
            f"Generated by {settings.WAGTAIL_SITE_NAME} on {timezone.localdate():%B %-d, %Y}.",
            styles["Italic"],
        ),
    ]
    return _pdf(story, f"Declaration of compliance {year}: {agency.name}")


def transcript_pdf(
    *, person: Person, compliance: OfficerCompliance, entries: list[TrainingEntry]
) -> bytes:
    """An officer's training transcript: standing per cycle and every ledger entry."""
    styles = getSampleStyleSheet()
    story = [
        Paragraph(f"Training transcript: {person.display_name}", styles["Title"]),
        Paragraph(
            f"{person.agency.name} · badge {person.badge_number or '—'} · "
            f"unit {person.unit.name if person.unit else '—'}",
            styles["Normal"],
        ),
        Spacer(1, 12),
    ]
    if compliance.rule_set:
        story.append(Paragraph(f"Rule set: {compliance.rule_set.name}", styles["Heading3"]))
        for standing in compliance.standings:
            story.append(
                Paragraph(
                    f"Cycle {standing.cycle.start:%b %-d, %Y} – {standing.cycle.end:%b %-d, %Y}"
                    f" (deadline {standing.deadline:%b %-d, %Y}): "
                    f"{Status.LABELS[standing.status]}, "
                    f"{standing.earned_hours.normalize():f} of "
                    f"{standing.required_hours.normalize():f} hours",
                    styles["Normal"],
                )
            )
        story.append(Spacer(1, 12))
    story.append(Paragraph("Ledger", styles["Heading3"]))
    story.append(
        _table(
            [["Completed", "Training", "Provider", "Hours", "Categories", "Status"]]
            + [
                [
                    e.completed_on.isoformat(),
                    Paragraph(e.title, styles["BodyText"]),
                    Paragraph(e.provider or "", styles["BodyText"]),
                    f"{e.hours.normalize():f}",
                    Paragraph(", ".join(e.category_codes), styles["BodyText"]),
                    e.get_status_display(),
                ]
                for e in entries
            ],
            widths=[0.8 * inch, 2.2 * inch, 1.3 * inch, 0.5 * inch, 1.3 * inch, 0.8 * inch],
        )
    )
    return _pdf(story, f"Training transcript: {person.display_name}")


# --- The evidence package: a ZIP written member by member ---------------------------------------


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream that hands what was written to the generator reading
    it: zipfile then writes each member with a data descriptor and never seeks back."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def zip_stream(members: Iterable[tuple[str, Iterable[bytes]]]) -> Iterator[bytes]:
    """A ZIP archive of (name, chunks) members, yielded as it is written: at most one chunk of
    one member is in memory at a time (plus the central directory, a few dozen bytes a
    member)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, chunks in members:
            info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, mode="w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)
                    if sink.chunks:
                        yield sink.take()
            yield sink.take()
    yield sink.take()


def _file_chunks(field) -> Iterator[bytes]:
    with field.storage.open(field.name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def evidence_members(
    *, person: Person, compliance: OfficerCompliance, entries: list[TrainingEntry], site_url: str
) -> Iterator[tuple[str, Iterable[bytes]]]:
    """The package's members: the transcript, each certificate's PDF (its QR code and link to
    the verification page at `site_url`), each evidence file as uploaded."""
    yield (
        "transcript.pdf",
        [transcript_pdf(person=person, compliance=compliance, entries=entries)],
    )
    for certificate in certificates_of(person):
        verify_url = site_url + reverse("certificate-verify", args=[certificate.code])
        yield (
            f"certificates/{certificate.serial}.pdf",
            (render_certificate_pdf(certificate, verify_url=verify_url) for _ in (1,)),
        )
    for entry in entries:
        if entry.evidence:
            extension = entry.evidence.name.rsplit(".", 1)[-1]
            yield (
                f"evidence/{entry.completed_on.isoformat()}-entry-{entry.pk}.{extension}",
                _file_chunks(entry.evidence),
            )
