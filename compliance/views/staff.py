"""Command staff: the dashboard, the exports, an officer's compliance page, and (coordinators) an
officer's dates, waivers and extensions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from compliance import forms, services
from compliance.cycles import REMINDER_DAYS, Status
from compliance.exports import STATE_CSV_COLUMNS
from compliance.models import ComplianceProfile, CycleAdjustment, TrainingEntry
from compliance.permissions import user_can_decide_entries, user_can_manage_compliance
from compliance.selectors import (
    compliance_report,
    ledger,
    officer_compliance,
    pending_entries,
    rule_set_of,
)
from compliance.views.common import (
    AT_RISK_LIST,
    PAGE_SIZE,
    evidence_response,
    flash_errors,
    require_manager,
    require_oversight,
)
from lms.errors import DomainError, ErrorCode
from lms.models import Person, Unit
from lms.page_cache import cache_for_user
from lms.scoping import require_person, scope_units


@login_required
@require_GET
def staff_evidence_file(request, entry_id: int):
    """An evidence file of someone the viewer oversees; anyone else's: 404."""
    require_oversight(request.user)
    entry = TrainingEntry.objects.visible_to(request.user).filter(pk=entry_id).first()
    if entry is None or not entry.evidence:
        raise Http404
    return evidence_response(entry)


# --- Command staff --------------------------------------------------------------------------------


def _filters(request) -> tuple[Unit | None, str | None] | None:
    unit = status = None
    raw_unit, raw_status = request.GET.get("unit", ""), request.GET.get("status", "")
    if raw_unit:
        if not (raw_unit.isascii() and raw_unit.isdigit() and len(raw_unit) <= 18):
            messages.error(request, "unit: Must be a unit id.")
            return None
        unit = scope_units(Unit.objects.all(), request.user).filter(pk=int(raw_unit)).first()
        if unit is None:
            raise Http404("No such unit.")
    if raw_status:
        if raw_status not in Status.ALL:
            messages.error(request, f"status: Must be one of: {', '.join(Status.ALL)}.")
            return None
        status = raw_status
    return unit, status


@login_required
@require_GET
def dashboard(request):
    require_oversight(request.user)
    viewer = require_person(request.user)
    filters = _filters(request)
    if filters is None:
        return redirect("compliance-dashboard")
    unit, status = filters
    people = Person.objects.visible_to(request.user)
    everyone = compliance_report(
        people=people, agency_id=viewer.agency_id, unit_id=unit.pk if unit else None
    )
    rows = [r for r in everyone.rows if status is None or r.status == status]
    at_risk = sorted(
        (r for r in everyone.rows if r.status in (Status.AT_RISK, Status.DEFICIENT)),
        key=lambda r: (r.status != Status.DEFICIENT, r.deadline, r.name),
    )
    query = request.GET.copy()
    query.pop("page", None)
    year_start, today = forms.this_year_range()
    response = render(
        request,
        "compliance/dashboard.html",
        {
            "nav": "oversight",
            "agency": viewer.agency,
            "report": everyone,
            "counts": everyone.counts(),
            "by_unit": everyone.by_unit(),
            "at_risk": at_risk[:AT_RISK_LIST],
            "at_risk_total": len(at_risk),
            "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "units": scope_units(Unit.objects.all(), request.user),
            "unit": unit,
            "status": status,
            "statuses": Status.LABELS,
            "query": query.urlencode(),
            "pending": pending_entries(people).count(),
            "can_decide": user_can_decide_entries(request.user),
            "can_manage": user_can_manage_compliance(request.user),
            "csv_columns": STATE_CSV_COLUMNS,
            "csv_start": year_start,
            "csv_end": today,
            "this_year": today.year,
            "reminder_days": REMINDER_DAYS,
        },
    )
    # Kept (unfiltered, first page) until a ledger, adjustment or date in the agency changes,
    # the rule set or mapping changes, or the day ends (lms.page_cache).
    return cache_for_user(response, agency_id=viewer.agency_id)


MOVED = (
    "Exports are now prepared in the background: choose what you need below and press "
    "Prepare; the file appears under My exports."
)


@login_required
@require_GET
def state_csv(request):
    """The old download address (a bookmark): to the dashboard, whose form queues it."""
    require_oversight(request.user)
    messages.info(request, MOVED)
    return redirect("compliance-dashboard")


@login_required
@require_GET
def declaration(request):
    """The old download address: as `state_csv`."""
    require_oversight(request.user)
    messages.info(request, MOVED)
    return redirect("compliance-dashboard")


def _officer(request, person_id: int) -> Person:
    return get_object_or_404(
        Person.objects.visible_to(request.user).select_related("user", "unit", "agency"),
        pk=person_id,
    )


@login_required
@require_GET
def officer(request, person_id: int):
    require_oversight(request.user)
    person = _officer(request, person_id)
    compliance = officer_compliance(person=person)
    rule_set = compliance.rule_set
    profile = ComplianceProfile.objects.filter(person=person).first()
    choices = []
    if rule_set:
        choices = [(c.code, c.name) for c in rule_set.rules.categories]
        choices += [(p.code, p.name) for p in rule_set.rules.pools]
    return render(
        request,
        "compliance/officer.html",
        {
            "nav": "oversight",
            "person": person,
            "compliance": compliance,
            "entries": ledger(person),
            "adjustments": CycleAdjustment.objects.filter(person=person).select_related(
                "granted_by"
            ),
            "profile": profile,
            "can_manage": user_can_manage_compliance(request.user),
            "can_decide": user_can_decide_entries(request.user),
            "profile_form": forms.ProfileForm(
                initial={
                    "state_id": profile.state_id if profile else "",
                    "certified_on": profile.certified_on if profile else None,
                    "licence_expires_on": profile.licence_expires_on if profile else None,
                    "hired_on": profile.hired_on if profile else None,
                }
            ),
            "waiver_form": forms.WaiverForm(choices=choices),
            "extension_form": forms.ExtensionForm(),
            "statuses": Status.LABELS,
        },
    )


@login_required
@require_GET
def evidence_package(request, person_id: int):
    """The old download address: to the officer's page (404 outside the viewer's reach),
    whose button queues it."""
    require_oversight(request.user)
    person = _officer(request, person_id)
    messages.info(request, MOVED)
    return redirect("compliance-officer", person_id=person.pk)


def _act(request, person: Person, action, success: str):
    """Run a service; flash its refusal or `success`; back to the officer's page."""
    try:
        action()
    except DomainError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise Http404(error.message) from None
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("compliance-officer", person_id=person.pk)


@login_required
@require_POST
def officer_profile(request, person_id: int):
    require_manager(request.user)
    person = _officer(request, person_id)
    form = forms.ProfileForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form.errors)
        return redirect("compliance-officer", person_id=person.pk)
    return _act(
        request,
        person,
        lambda: services.profile_set(person=person, by=request.user, **form.cleaned_data),
        "Dates saved.",
    )


@login_required
@require_POST
def officer_waiver(request, person_id: int):
    require_manager(request.user)
    person = _officer(request, person_id)
    rule_set = rule_set_of(person.agency_id)
    codes = []
    if rule_set:
        codes = [(c, c) for c in rule_set.rules.category_codes]
        codes += [(p.code, p.code) for p in rule_set.rules.pools]
    form = forms.WaiverForm(request.POST, choices=codes)
    if not form.is_valid():
        flash_errors(request, form.errors)
        return redirect("compliance-officer", person_id=person.pk)
    return _act(
        request,
        person,
        lambda: services.waiver_grant(person=person, by=request.user, **form.cleaned_data),
        "Waiver granted.",
    )


@login_required
@require_POST
def officer_extension(request, person_id: int):
    require_manager(request.user)
    person = _officer(request, person_id)
    form = forms.ExtensionForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form.errors)
        return redirect("compliance-officer", person_id=person.pk)
    return _act(
        request,
        person,
        lambda: services.extension_grant(person=person, by=request.user, **form.cleaned_data),
        "Extension granted.",
    )
