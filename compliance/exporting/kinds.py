"""Compliance's export kinds: the state-reporting CSV, the annual declaration of compliance and
an officer's evidence package (builders in `compliance.exports`). Registered on import
(`ComplianceConfig.ready`)."""

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from rest_framework import serializers

from compliance import forms
from compliance.exporting.models import ExportRequest
from compliance.exporting.registry import Cleaned, ExportKind, register
from compliance.exports import (
    declaration_pdf,
    evidence_members,
    state_csv_lines,
    zip_stream,
)
from compliance.selectors import compliance_report, ledger, officer_compliance
from compliance.serializers import IdField
from lms.errors import DomainError, ErrorCode
from lms.models import Person
from lms.scoping import oversees_whole_agency

WHOLE_AGENCY = "The declaration covers the whole agency."


def valid_form(form_class, data) -> dict:
    """The form's cleaned data, or DomainError INVALID naming the first field at fault."""
    form = form_class(data)
    if not form.is_valid():
        field, problems = next(iter(form.errors.items()))
        raise DomainError(
            ErrorCode.INVALID, problems[0], field=None if field == "__all__" else field
        )
    return form.cleaned_data


# --- State-reporting CSV ---------------------------------------------------------------------


def _clean_state_csv(*, user, data) -> Cleaned:
    cleaned = valid_form(forms.StateCsvForm, data)
    return Cleaned({"start": cleaned["start"].isoformat(), "end": cleaned["end"].isoformat()})


def _dates(export: ExportRequest) -> tuple[date, date]:
    return date.fromisoformat(export.parameters["start"]), date.fromisoformat(
        export.parameters["end"]
    )


def _write_state_csv(*, export: ExportRequest, viewer):
    start, end = _dates(export)
    return state_csv_lines(
        people=Person.objects.visible_to(viewer), agency_id=export.agency_id, start=start, end=end
    )


STATE_CSV = register(
    ExportKind(
        code="state-csv",
        label="State reporting CSV",
        content_type="text/csv; charset=utf-8",
        audit_format="state-csv",
        clean=_clean_state_csv,
        write=_write_state_csv,
        filename=lambda export: "training-{}-{}.csv".format(*_dates(export)),
        describe=lambda export: "{} to {}".format(*_dates(export)),
    )
)


# --- The annual declaration -------------------------------------------------------------------


def _clean_declaration(*, user, data) -> Cleaned:
    """Whole-agency viewers only: a unit-limited one would sign for people they cannot see."""
    if not oversees_whole_agency(user):
        raise PermissionDenied(WHOLE_AGENCY)
    return Cleaned({"year": valid_form(forms.DeclarationForm, data)["year"]})


def _write_declaration(*, export: ExportRequest, viewer):
    if not oversees_whole_agency(viewer):
        raise DomainError(ErrorCode.CONFLICT, WHOLE_AGENCY)
    year = export.parameters["year"]
    today = timezone.localdate()
    as_of = today if year == today.year else date(year, 12, 31)
    report = compliance_report(
        people=Person.objects.visible_to(viewer), agency_id=export.agency_id, as_of=as_of
    )
    yield declaration_pdf(agency=export.agency, year=year, report=report, as_of=as_of)


DECLARATION = register(
    ExportKind(
        code="declaration-pdf",
        label="Declaration of compliance (PDF)",
        content_type="application/pdf",
        audit_format="declaration-pdf",
        clean=_clean_declaration,
        write=_write_declaration,
        filename=lambda export: f"declaration-{export.agency.slug}-{export.parameters['year']}.pdf",
        describe=lambda export: str(export.parameters["year"]),
    )
)


# --- An officer's evidence package ------------------------------------------------------------


class _PersonSerializer(serializers.Serializer):
    person = IdField(error_messages={"invalid": "Must be an officer's id."})


def _officer(user, person_id: int) -> Person:
    """The officer if the user oversees them; otherwise NOT_FOUND (never confirming they
    exist)."""
    person = (
        Person.objects.visible_to(user)
        .select_related("user", "unit", "agency")
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such officer.", field="person")
    return person


def _clean_evidence(*, user, data) -> Cleaned:
    serializer = _PersonSerializer(data={"person": data.get("person", "")})
    if not serializer.is_valid():
        raise DomainError(ErrorCode.INVALID, "Must be an officer's id.", field="person")
    person = _officer(user, serializer.validated_data["person"])
    return Cleaned({"person": person.pk}, person=person)


def _write_evidence(*, export: ExportRequest, viewer):
    person = _officer(viewer, export.parameters["person"])
    return zip_stream(
        evidence_members(
            person=person,
            compliance=officer_compliance(person=person),
            entries=ledger(person),
            site_url=settings.SITE_URL,
        )
    )


EVIDENCE_PACKAGE = register(
    ExportKind(
        code="evidence-package",
        label="Evidence package (ZIP)",
        content_type="application/zip",
        audit_format="evidence-zip",
        clean=_clean_evidence,
        write=_write_evidence,
        filename=lambda export: (
            f"evidence-{export.parameters['person']}-{export.created_at:%Y-%m-%d}.zip"
        ),
        describe=lambda export: export.person.display_name if export.person else "(removed)",
    )
)
