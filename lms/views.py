"""Oversight pages for agency staff (the agency is always the signed-in user's own), and the 500
handler."""

import json
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import defaults
from django.views.decorators.http import require_GET, require_http_methods

from lms.audit import ACTION_LABELS
from lms.forms import RosterUploadForm
from lms.models import AuditEvent, PersonnelCategory
from lms.permissions import user_can_view_agency_records
from lms.roster import COLUMNS, MAX_ROWS, RosterError, import_roster
from lms.scoping import viewer_person

MANAGE_PEOPLE_PERMISSION = "lms.manage_agency_people"
MAX_ERRORS_SHOWN = 1000
AUDIT_PAGE_SIZE = 50


@login_required
@require_http_methods(["GET", "POST"])
def roster_upload(request):
    """Agency admins import their own agency's roster; errors are listed row by row."""
    person = viewer_person(request.user)
    if person is None or not request.user.has_perm(MANAGE_PEOPLE_PERMISSION):
        raise PermissionDenied("Only agency administrators may import a roster.")
    agency = person.agency
    posted = request.method == "POST"
    form = RosterUploadForm(request.POST, request.FILES) if posted else RosterUploadForm()
    roster_error = None
    if posted and form.is_valid():
        try:
            result = import_roster(
                agency=agency, file=form.cleaned_data["file"], actor=request.user
            )
        except RosterError as error:
            roster_error = error
        else:
            messages.success(
                request,
                f"Roster imported: {result.created} added, {result.updated} updated, "
                f"{result.unchanged} unchanged; {result.units_created} units created.",
            )
            return redirect("roster-upload")
    errors = roster_error.errors if roster_error else []
    return render(
        request,
        "lms/roster_upload.html",
        {
            "form": form,
            "agency": agency,
            "header_line": ",".join(COLUMNS),
            "categories": PersonnelCategory.choices,
            "max_rows": f"{MAX_ROWS:,}",
            "roster_error": roster_error,
            "errors": errors[:MAX_ERRORS_SHOWN],
            "errors_hidden": max(len(errors) - MAX_ERRORS_SHOWN, 0),
        },
    )


def _day_start(day: date, *, days_later: int = 0) -> datetime | None:
    """Midnight starting the day `days_later` after `day`, in the site's time zone; None
    past either end of the calendar (then there is no bound to apply)."""
    try:
        return timezone.make_aware(datetime.combine(day + timedelta(days=days_later), time.min))
    except OverflowError:
        return None


def _audit_filters(params, actions: set[str]) -> tuple[dict, dict[str, str]]:
    """The audit page's filters from query parameters, and a message for each bad one.

    A bad value is reported and left out; the other filters still apply.
    """
    filters: dict = {"action": "", "actor": "", "person": None, "from": None, "to": None}
    errors: dict[str, str] = {}
    action = params.get("action", "").strip()
    if action in actions:
        filters["action"] = action
    elif action:
        errors["action"] = "Not a recorded action; this filter was ignored."
    filters["actor"] = params.get("actor", "").strip()[:150]
    person = params.get("person", "").strip()
    if person.isascii() and person.isdigit() and len(person) <= 18:
        filters["person"] = int(person)
    elif person:
        errors["person"] = "A person id is a whole number; this filter was ignored."
    for name, label in (("from", "From"), ("to", "To")):
        raw = params.get(name, "").strip()
        if not raw:
            continue
        try:
            filters[name] = date.fromisoformat(raw)
        except ValueError:
            errors[name] = f"“{raw}” is not a date (YYYY-MM-DD); “{label}” was ignored."
    if filters["from"] and filters["to"] and filters["to"] < filters["from"]:
        errors["to"] = "This is before the “From” date, so no event can match."
    return filters, errors


def _filtered_events(events, filters: dict):
    if filters["action"]:
        events = events.filter(action=filters["action"])
    if filters["actor"]:
        events = events.filter(actor_username__icontains=filters["actor"])
    if filters["person"] is not None:
        events = events.filter(person_id=filters["person"])
    if filters["from"] and (start := _day_start(filters["from"])):
        events = events.filter(created_at__gte=start)
    if filters["to"] and (end := _day_start(filters["to"], days_later=1)):
        events = events.filter(created_at__lt=end)
    return events


def _detail_value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _audit_details(data: dict) -> str:
    """An event's data as compact `key: value` text, keys in order."""
    return "; ".join(f"{key}: {_detail_value(data[key])}" for key in sorted(data))


@login_required
@require_GET
def audit_log(request):
    """The audit trail of the viewer's own agency, newest first, filtered and paginated.

    Only events scoped by `AuditEvent.objects.visible_to` are read, so no filter value can
    reach another agency's events. A page is a fixed number of queries.
    """
    if not user_can_view_agency_records(request.user):
        raise PermissionDenied("Only command staff can see the audit trail.")
    scoped = AuditEvent.objects.visible_to(request.user)
    present = set(scoped.order_by().values_list("action", flat=True).distinct())
    filters, errors = _audit_filters(request.GET, present | ACTION_LABELS.keys())
    if filters["action"]:
        present.add(filters["action"])
    actions = sorted(((a, ACTION_LABELS.get(a, a)) for a in present), key=lambda c: c[1])
    events = _filtered_events(scoped, filters).order_by("-seq")
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page:
        event.action_label = ACTION_LABELS.get(event.action, event.action)
        event.details = _audit_details(event.data) if isinstance(event.data, dict) else ""
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "lms/audit_log.html",
        {
            "nav": "oversight",
            "agency": request.user.person.agency,
            "filters": filters,
            "errors": errors,
            "filtered": any(v not in ("", None) for v in filters.values()),
            "actions": actions,
            "page": page,
            "query": query.urlencode(),
        },
    )


def server_error(request):
    """Our 500 page (JSON under /api/): never a traceback, whatever DEBUG says."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "A server error occurred."}, status=500)
    return defaults.server_error(request)
