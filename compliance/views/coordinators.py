"""Coordinators: the approval queue, decisions and reversals, the module mapping, the agency's
rule set."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance import services
from compliance.models import ModuleCategories, RuleSet, TrainingEntry
from compliance.selectors import module_category_map, pending_entries, rule_set_of
from compliance.views.common import PAGE_SIZE, require_decider, require_manager
from courses.models import ModulePage
from lms.errors import DomainError
from lms.models import Person
from lms.scoping import require_person

# --- Coordinators: the approval queue and decisions -----------------------------------------------


@login_required
@require_GET
def queue(request):
    require_decider(request.user)
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
    require_decider(request.user)
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
    require_decider(request.user)
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
    require_manager(request.user)
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
    require_manager(request.user)
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
    require_manager(request.user)
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
