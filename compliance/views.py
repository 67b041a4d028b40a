"""Compliance pages: *My compliance* for the officer; for command staff the compliance
dashboard, an officer's compliance page, the exports; for coordinators the approval queue,
decisions, waivers, extensions, dates and the module mapping.

Thin: every read goes through a scoped selector (`visible_to`, `compliance_report`), every
change through a service; a refusal (DomainError) is flashed and nothing is written.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance import forms, services
from compliance.cycles import REMINDER_DAYS, Status
from compliance.exports import (
    STATE_CSV_COLUMNS,
    declaration_response,
    evidence_package_response,
    state_csv_export,
)
from compliance.models import (
    ComplianceProfile,
    CycleAdjustment,
    ModuleCategories,
    RuleSet,
    TrainingEntry,
)
from compliance.permissions import user_can_decide_entries, user_can_manage_compliance
from compliance.selectors import (
    compliance_report,
    ledger,
    module_category_map,
    officer_compliance,
    pending_entries,
    rule_set_of,
)
from compliance.serializers import TrainingEntryInputSerializer
from courses.models import ModulePage
from lms.errors import DomainError, ErrorCode
from lms.models import Person, Unit
from lms.page_cache import cache_for_user
from lms.permissions import user_can_view_agency_records
from lms.scoping import require_person, scope_units

PAGE_SIZE = 50
AT_RISK_LIST = 10


def _require_oversight(user) -> None:
    if not user_can_view_agency_records(user):
        raise PermissionDenied("Only command staff can see agency records.")


def _require_decider(user) -> None:
    if not user_can_decide_entries(user):
        raise PermissionDenied("Only training coordinators can decide training records.")


def _require_manager(user) -> None:
    if not user_can_manage_compliance(user):
        raise PermissionDenied("Only training coordinators can change compliance records.")


def _flash_errors(request, errors: dict) -> None:
    for field, problems in errors.items():
        label = "" if field in ("non_field_errors", "__all__") else f"{field}: "
        messages.error(request, f"{label}{problems[0]}")


# --- The officer ----------------------------------------------------------------------------------


def _my_context(request, person: Person, *, form_data=None, errors=None) -> dict:
    compliance = officer_compliance(person=person)
    return {
        "nav": "compliance",
        "person": person,
        "compliance": compliance,
        "entries": ledger(person),
        "categories": compliance.rule_set.rules.categories if compliance.rule_set else (),
        "form_data": form_data or {},
        "errors": errors or {},
        "statuses": Status.LABELS,
        "max_mb": 10,
    }


@login_required
@require_GET
def my_compliance(request):
    person = require_person(request.user)
    return render(request, "compliance/my_compliance.html", _my_context(request, person))


@login_required
@require_POST
def submit_training(request):
    """The officer's form for external training: the API's input serializer and service."""
    person = require_person(request.user)
    data = request.POST.copy()
    if request.FILES.get("evidence"):
        data["evidence"] = request.FILES["evidence"]
    serializer = TrainingEntryInputSerializer(data=data)
    errors = None
    if serializer.is_valid():
        values = dict(serializer.validated_data)
        evidence = values.pop("evidence", None)
        try:
            services.external_entry_submit(
                person=person, data=values, evidence=evidence, by=request.user
            )
        except DomainError as error:
            errors = {error.field or "__all__": [error.message]}
    else:
        errors = {
            field: [str(e) for e in problems] for field, problems in serializer.errors.items()
        }
    if errors:
        context = _my_context(request, person, form_data=request.POST, errors=errors)
        return render(request, "compliance/my_compliance.html", context, status=400)
    messages.success(request, "Submitted. A training coordinator will review it.")
    return redirect("my-compliance")


def _evidence_response(entry: TrainingEntry) -> FileResponse:
    response = FileResponse(
        entry.evidence.storage.open(entry.evidence.name, "rb"),
        content_type=entry.evidence_type,
        as_attachment=True,
        filename=entry.evidence_name or f"evidence-{entry.pk}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def evidence_file(request, entry_id: int):
    """The officer's own evidence file; anyone else's: 404 (staff read it under /staff/, where
    a verified code is required of them)."""
    person = require_person(request.user)
    entry = TrainingEntry.objects.filter(pk=entry_id, person=person).first()
    if entry is None or not entry.evidence:
        raise Http404
    return _evidence_response(entry)


@login_required
@require_GET
def staff_evidence_file(request, entry_id: int):
    """An evidence file of someone the viewer oversees; anyone else's: 404."""
    _require_oversight(request.user)
    entry = TrainingEntry.objects.visible_to(request.user).filter(pk=entry_id).first()
    if entry is None or not entry.evidence:
        raise Http404
    return _evidence_response(entry)


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
    _require_oversight(request.user)
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


@login_required
@require_GET
def state_csv(request):
    _require_oversight(request.user)
    viewer = require_person(request.user)
    form = forms.StateCsvForm(request.GET)
    if not form.is_valid():
        _flash_errors(request, form.errors)
        return redirect("compliance-dashboard")
    return state_csv_export(
        viewer=request.user,
        people=Person.objects.visible_to(request.user),
        agency_id=viewer.agency_id,
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
    )


@login_required
@require_GET
def declaration(request):
    """The agency's declaration: whole-agency viewers only (a unit-limited one would sign for
    people they cannot see)."""
    _require_oversight(request.user)
    viewer = require_person(request.user)
    if viewer.oversight_units.exists():
        raise PermissionDenied("The declaration covers the whole agency.")
    form = forms.DeclarationForm(request.GET)
    if not form.is_valid():
        _flash_errors(request, form.errors)
        return redirect("compliance-dashboard")
    year = form.cleaned_data["year"]
    today = timezone.localdate()
    as_of = today if year == today.year else today.replace(year=year, month=12, day=31)
    report = compliance_report(
        people=Person.objects.visible_to(request.user), agency_id=viewer.agency_id, as_of=as_of
    )
    return declaration_response(
        viewer=request.user, agency=viewer.agency, year=year, report=report, as_of=as_of
    )


def _officer(request, person_id: int) -> Person:
    return get_object_or_404(
        Person.objects.visible_to(request.user).select_related("user", "unit", "agency"),
        pk=person_id,
    )


@login_required
@require_GET
def officer(request, person_id: int):
    _require_oversight(request.user)
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
    _require_oversight(request.user)
    person = _officer(request, person_id)
    return evidence_package_response(
        viewer=request.user,
        person=person,
        compliance=officer_compliance(person=person),
        entries=ledger(person),
        request=request,
    )


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
    _require_manager(request.user)
    person = _officer(request, person_id)
    form = forms.ProfileForm(request.POST)
    if not form.is_valid():
        _flash_errors(request, form.errors)
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
    _require_manager(request.user)
    person = _officer(request, person_id)
    rule_set = rule_set_of(person.agency_id)
    codes = []
    if rule_set:
        codes = [(c, c) for c in rule_set.rules.category_codes]
        codes += [(p.code, p.code) for p in rule_set.rules.pools]
    form = forms.WaiverForm(request.POST, choices=codes)
    if not form.is_valid():
        _flash_errors(request, form.errors)
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
    _require_manager(request.user)
    person = _officer(request, person_id)
    form = forms.ExtensionForm(request.POST)
    if not form.is_valid():
        _flash_errors(request, form.errors)
        return redirect("compliance-officer", person_id=person.pk)
    return _act(
        request,
        person,
        lambda: services.extension_grant(person=person, by=request.user, **form.cleaned_data),
        "Extension granted.",
    )


# --- Coordinators: the approval queue and decisions -----------------------------------------------


@login_required
@require_GET
def queue(request):
    _require_decider(request.user)
    entries = pending_entries(Person.objects.visible_to(request.user))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "compliance/queue.html",
        {"nav": "oversight", "page": page, "query": ""},
    )


def _decidable(request, entry_id: int) -> TrainingEntry:
    return get_object_or_404(
        TrainingEntry.objects.visible_to(request.user).select_related("person"), pk=entry_id
    )


def _back(request, entry: TrainingEntry):
    if request.POST.get("next") == "officer":
        return redirect("compliance-officer", person_id=entry.person_id)
    return redirect("compliance-queue")


@login_required
@require_POST
def approve(request, entry_id: int):
    _require_decider(request.user)
    entry = _decidable(request, entry_id)
    try:
        services.entry_approve(entry=entry, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Approved: {entry.title} ({entry.person}).")
    return _back(request, entry)


@login_required
@require_POST
def reject(request, entry_id: int):
    _require_decider(request.user)
    entry = _decidable(request, entry_id)
    try:
        services.entry_reject(entry=entry, by=request.user, reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Rejected: {entry.title} ({entry.person}).")
    return _back(request, entry)


@login_required
@require_POST
def reverse_entry(request, entry_id: int):
    _require_manager(request.user)
    entry = _decidable(request, entry_id)
    try:
        services.entry_reverse(entry=entry, by=request.user, reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Reversed: {entry.title}.")
    return redirect("compliance-officer", person_id=entry.person_id)


# --- Coordinators: which categories our modules count towards ------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request):
    _require_manager(request.user)
    viewer = require_person(request.user)
    rule_set = rule_set_of(viewer.agency_id)
    if rule_set is None:
        raise Http404("Your agency has not chosen a rule set.")
    modules = list(ModulePage.objects.live().order_by("path").only("pk", "title", "number"))
    categories = rule_set.rules.categories
    if request.method == "POST":
        try:
            with transaction.atomic():  # every module's change, or none
                changed = _map_modules(request, viewer, rule_set, modules)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{changed} modules changed.")
        return redirect("compliance-mapping")
    current = module_category_map(viewer.agency_id, rule_set)
    overridden = set(
        ModuleCategories.objects.filter(agency=viewer.agency, rule_set=rule_set).values_list(
            "module_id", flat=True
        )
    )
    return render(
        request,
        "compliance/mapping.html",
        {
            "nav": "oversight",
            "rule_set": rule_set,
            "categories": categories,
            "rows": [(m, set(current.get(m.pk, ())), m.pk in overridden) for m in modules],
        },
    )


def _map_modules(request, viewer, rule_set, modules) -> int:
    changed = 0
    current = module_category_map(viewer.agency_id, rule_set)
    for module in modules:
        chosen = sorted(set(request.POST.getlist(f"module-{module.pk}")))
        if chosen != sorted(current.get(module.pk, ())):
            services.module_categories_set(
                agency=viewer.agency,
                rule_set=rule_set,
                module=module,
                categories=chosen,
                by=request.user,
            )
            changed += 1
    return changed


@login_required
@require_http_methods(["GET", "POST"])
def choose_rule_set(request):
    """Which rule set the agency follows: a state's, or one it defined in the admin."""
    _require_manager(request.user)
    viewer = require_person(request.user)
    available = RuleSet.objects.available_to(viewer.agency_id).order_by("agency_id", "name")
    if request.method == "POST":
        if viewer.oversight_units.exists():
            raise PermissionDenied("The rule set is chosen for the whole agency.")
        chosen = request.POST.get("rule_set", "")
        rule_set = available.filter(code=chosen).first()
        if rule_set is None:
            messages.error(request, "rule_set: Choose one of the rule sets listed.")
        else:
            services.agency_rule_set_choose(
                agency=viewer.agency, rule_set=rule_set, by=request.user
            )
            messages.success(request, f"Your agency now follows {rule_set.name}.")
        return redirect("compliance-rule-set")
    return render(
        request,
        "compliance/rule_set.html",
        {"nav": "oversight", "rule_sets": available, "current": rule_set_of(viewer.agency_id)},
    )
