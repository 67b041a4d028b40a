"""The audit-trail page: the agency's append-only events (or, for a viewer limited to some
units, those about their units and their own), filterable and paginated; events not yet
chained by the sequencer (lms.audit) are listed first, as pending."""

import json
from datetime import date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lms.audit import ACTION_LABELS
from lms.models import AuditEvent
from lms.permissions import user_can_view_agency_records
from lms.scoping import oversees_whole_agency, require_person
from oversight.forms import AuditFilterForm
from oversight.reports import units_for_oversight

AUDIT_PAGE_SIZE = 50


def _day_start(day: date, *, days_later: int = 0) -> datetime | None:
    """Midnight starting the day `days_later` after `day`, in the site's time zone; None
    past either end of the calendar (then there is no bound to apply)."""
    try:
        return timezone.make_aware(datetime.combine(day + timedelta(days=days_later), time.min))
    except OverflowError:
        return None


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
    reach another agency's events, nor, for a viewer limited to some units, events about
    other units' people. A page is a fixed number of queries.
    """
    if not user_can_view_agency_records(request.user):
        raise PermissionDenied("Only command staff can see the audit trail.")
    scoped = AuditEvent.objects.visible_to(request.user)
    present = set(scoped.order_by().values_list("action", flat=True).distinct())
    form = AuditFilterForm(request.GET, actions=present | ACTION_LABELS.keys())
    filters = form.filters
    if filters["action"]:
        present.add(filters["action"])
    actions = sorted(((a, ACTION_LABELS.get(a, a)) for a in present), key=lambda c: c[1])
    # Newest first: pending events (not yet chained, so no number) above the chain.
    events = _filtered_events(scoped, filters).order_by(F("seq").desc(nulls_first=True), "-id")
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page:
        event.action_label = ACTION_LABELS.get(event.action, event.action)
        event.details = _audit_details(event.data) if isinstance(event.data, dict) else ""
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "oversight/audit_log.html",
        {
            "nav": "oversight",
            "agency": require_person(request.user).agency,
            "limited_to": (
                []
                if oversees_whole_agency(request.user)
                else [unit.name for unit in units_for_oversight(request.user).order_by("name")]
            ),
            "filters": filters,
            "errors": form.field_errors,
            "filtered": any(v not in ("", None) for v in filters.values()),
            "actions": actions,
            "page": page,
            "query": query.urlencode(),
        },
    )
