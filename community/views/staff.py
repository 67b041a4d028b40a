"""Staff pages for community events, under /oversight/community/ (so the staff sign-in checks,
MFA included, apply): coordinators and command staff create and run their agency's events;
coordinators moderate comments; command staff export results and switch the public page.

Events are read through community.selectors.events_for_staff (another agency's event is
404); every change goes through community.services, which audits it.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import permissions, services
from community.exports import results_csv_export
from community.forms import CodesForm, ConsentForm, EventForm, PaperForm
from community.i18n import SCALE_LABELS
from community.models import CommunityComment, EventKind, Phase
from community.qr import qr_svg
from community.results import event_results
from community.selectors import events_for_staff, public_page_enabled
from lms.errors import DomainError, ErrorCode
from lms.scoping import require_person
from oversight.charts import ShiftChartText, survey_shift_svg

EVENT_CHART_TEXT = ShiftChartText(
    before="Before the event",
    desc=ShiftChartText.desc.replace("the training", "the event"),
)


def _require_manager(user) -> None:
    if not permissions.user_can_manage_events(user):
        raise PermissionDenied("Only coordinators and command staff run community events.")


def _event(request, event_id: int):
    _require_manager(request.user)
    return get_object_or_404(events_for_staff(request.user), pk=event_id)


def short_link(request, event) -> str:
    """The address on the handout and the QR code: the site's public address, /e/<id>/."""
    return f"{settings.SITE_URL}/e/{event.pk}/"


@login_required
@require_GET
def event_list(request):
    _require_manager(request.user)
    agency = require_person(request.user).agency
    events = events_for_staff(request.user).order_by("-date", "-pk")
    return render(
        request,
        "community/staff/event_list.html",
        {
            "nav": "oversight",
            "agency": agency,
            "events": events,
            "page_on": public_page_enabled(agency),
            "can_switch": permissions.user_can_switch_public_page(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_form(request, event_id: int | None = None):
    _require_manager(request.user)
    event = _event(request, event_id) if event_id is not None else None
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        try:
            if event is None:
                agency = require_person(request.user).agency
                event = services.event_create(actor=request.user, agency=agency, **fields)
                messages.success(request, f"Created “{event.title}”.")
            else:
                event = services.event_change(actor=request.user, event=event, **fields)
                messages.success(request, f"Saved “{event.title}”.")
        except DomainError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            return redirect("community-event", event_id=event.pk)
    return render(
        request,
        "community/staff/event_form.html",
        {"nav": "oversight", "form": form, "event": event},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def event_detail(request, event_id: int):
    event = _event(request, event_id)
    results = event_results([event], min_group=settings.SURVEY_MIN_GROUP_SIZE)[event.pk]
    can_moderate = permissions.user_can_moderate_comments(request.user)
    comments = list(event.comments.all()) if can_moderate else []
    link = short_link(request, event)
    return render(
        request,
        "community/staff/event_detail.html",
        {
            "nav": "oversight",
            "event": event,
            "results": results,
            "chart": survey_shift_svg(results, text=EVENT_CHART_TEXT)
            if not results.suppressed
            else None,
            "scale": SCALE_LABELS,
            "link": link,
            "qr": qr_svg(link, label=f"QR code of {link}"),
            "is_youth": event.kind == EventKind.YOUTH,
            "consent_form": ConsentForm(initial={"count": event.parental_consents}),
            "codes_form": CodesForm(),
            "codes_total": event.codes.count(),
            "comments": comments,
            "can_moderate": can_moderate,
            "can_export": permissions.user_can_export_results(request.user),
            "phases": [(p, Phase(p).label, event.phase_open(p)) for p in Phase.values],
        },
    )


def _refused(request, refused: DomainError, event_id: int):
    messages.error(request, refused.message)
    return redirect("community-event", event_id=event_id)


@login_required
@require_POST
def event_phase(request, event_id: int):
    event = _event(request, event_id)
    phase, action = request.POST.get("phase"), request.POST.get("action")
    if action not in {"open", "close"}:
        return _refused(request, DomainError(ErrorCode.INVALID, "Choose open or close."), event.pk)
    try:
        services.phase_set(actor=request.user, event=event, phase=phase, open=action == "open")
    except DomainError as refused:
        return _refused(request, refused, event.pk)
    label = Phase(phase).label.lower()
    messages.success(
        request, f"The survey {label} is now {'open' if action == 'open' else 'closed'}."
    )
    return redirect("community-event", event_id=event.pk)


@login_required
@require_POST
def event_consents(request, event_id: int):
    event = _event(request, event_id)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the number of consent forms, from 0 to 10000.")
        return redirect("community-event", event_id=event.pk)
    try:
        services.consents_record(actor=request.user, event=event, count=form.cleaned_data["count"])
    except DomainError as refused:
        return _refused(request, refused, event.pk)
    messages.success(request, "Recorded the number of parental consent forms.")
    return redirect("community-event", event_id=event.pk)


@never_cache
@login_required
@require_POST
def event_codes(request, event_id: int):
    """Make codes and show them once, as cards to print: only their hashes are kept."""
    event = _event(request, event_id)
    form = CodesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter how many cards to print, from 1 to 500.")
        return redirect("community-event", event_id=event.pk)
    try:
        codes = services.codes_issue(
            actor=request.user, event=event, count=form.cleaned_data["count"]
        )
    except DomainError as refused:
        return _refused(request, refused, event.pk)
    return render(
        request,
        "community/staff/code_cards.html",
        {
            "event": event,
            "codes": codes,
            "paper": form.cleaned_data["paper"],
            "link": short_link(request, event),
        },
    )


@login_required
@require_GET
def event_handout(request, event_id: int):
    """The room's handout: the QR code and the short link, in English and Spanish, on one A4
    or Letter page."""
    event = _event(request, event_id)
    form = PaperForm(request.GET)
    paper = form.cleaned_data["paper"] if form.is_valid() and form.cleaned_data["paper"] else ""
    link = short_link(request, event)
    return render(
        request,
        "community/staff/handout.html",
        {
            "event": event,
            "paper": paper or "letter",
            "link": link,
            "qr": qr_svg(link, label=f"QR code of {link}", css_class="qr qr--handout"),
        },
    )


@login_required
@require_GET
def event_results_csv(request, event_id: int):
    event = _event(request, event_id)
    if not permissions.user_can_export_results(request.user):
        raise PermissionDenied("Only command staff export results.")
    results = event_results([event], min_group=settings.SURVEY_MIN_GROUP_SIZE)[event.pk]
    return results_csv_export(viewer=request.user, event=event, results=results)


@login_required
@require_POST
def comment_moderate(request, event_id: int, comment_id: int):
    event = _event(request, event_id)
    if not permissions.user_can_moderate_comments(request.user):
        raise PermissionDenied("Only coordinators moderate comments.")
    comment = get_object_or_404(CommunityComment.objects.filter(event=event), pk=comment_id)
    publish = request.POST.get("decision") == "publish"
    services.comment_moderate(actor=request.user, comment=comment, publish=publish)
    messages.success(
        request, "Published the comment." if publish else "The comment stays off the public page."
    )
    return redirect("community-event", event_id=event.pk)


@login_required
@require_POST
def public_page_switch(request):
    if not permissions.user_can_switch_public_page(request.user):
        raise PermissionDenied("Only command staff switch the public page.")
    agency = require_person(request.user).agency
    enabled = request.POST.get("enabled") == "on"
    services.public_page_switch(actor=request.user, agency=agency, enabled=enabled)
    messages.success(
        request,
        "Your agency's public page is on." if enabled else "Your agency's public page is off.",
    )
    return redirect("community-events")
