"""Command-staff pages: the agency dashboard, officer transcripts, certificate revocation.

Every read goes through the scoped selectors (`visible_to`, `completion_report`, and the
report's tallies through `oversight.reports`, scoped by `lms.scoping.scope_people`); these
views only check the role and render.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from assessments.models import Attempt
from compliance.selectors import ledger, officer_compliance
from courses.models import Certificate
from courses.progress import services
from courses.progress.selectors import (
    certificates_of,
    curricula_visible_to,
    learner_progress,
)
from lms.errors import DomainError, ErrorCode
from lms.models import AuditEvent, Person, PersonnelCategory
from lms.page_cache import cache_for_user
from lms.permissions import user_can_revoke_certificates, user_can_view_agency_records
from lms.scoping import require_person
from oversight.charts import completion_heatmap_svg
from oversight.exports import completion_csv_export
from oversight.reports import (
    ReportFilters,
    ReportPage,
    Status,
    curricula_for_oversight,
    dashboard,
    units_for_oversight,
    up_to_date,
)
from oversight.serializers import ReportFilterSerializer

PAGE_SIZE = 50


def _require_oversight(user) -> None:
    if not user_can_view_agency_records(user):
        raise PermissionDenied("Only command staff can see agency records.")


def _report_filters(request) -> ReportFilters | None:
    """Report filters, validated as the API validates them. Ids outside the viewer's scope
    (their agency, or their units) are 404; each bad value is flashed as an error and None
    returned (the caller sends the viewer back to the dashboard)."""
    serializer = ReportFilterSerializer(data=request.GET, context={"viewer": request.user})
    try:
        valid = serializer.is_valid()
    except DomainError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise Http404(error.message) from None
        raise
    if not valid:
        for field, errors in serializer.errors.items():
            messages.error(request, f"{field}: {errors[0]}")
        return None
    return serializer.validated_data


@login_required
@require_GET
def oversight_dashboard(request):
    _require_oversight(request.user)
    agency = require_person(request.user).agency
    filters = _report_filters(request)
    if filters is None:
        return redirect("oversight-dashboard")
    # From the report's tallies (courses.progress.tally): no count or sort of the agency.
    up_to_date(viewer=request.user, curriculum=filters["curriculum"])
    summary = dashboard(viewer=request.user, filters=filters)
    overdue_filters = {**filters, "status": Status.OVERDUE}
    overdue = ReportPage(
        viewer=request.user,
        filters=overdue_filters,
        total=summary.status_counts[Status.OVERDUE],
        order_by_due=True,
    )[:10]
    rows = ReportPage(viewer=request.user, filters=filters, total=summary.total)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    response = render(
        request,
        "oversight/dashboard.html",
        {
            "nav": "oversight",
            "agency": agency,
            "filters": filters,
            "curricula": curricula_for_oversight(request.user),
            "units": units_for_oversight(request.user),
            "statuses": Status.LABELS,
            "categories": PersonnelCategory.choices,
            "summary": summary,
            "chart": completion_heatmap_svg(summary),
            "overdue": overdue,
            "page": page,
            "query": query.urlencode(),
        },
    )
    # Kept (unfiltered, first page) until a record in the agency or the content changes.
    return cache_for_user(response, agency_id=agency.pk)


@login_required
@require_GET
def oversight_csv(request):
    _require_oversight(request.user)
    filters = _report_filters(request)
    if filters is None:
        return redirect("oversight-dashboard")
    # Opened in a spreadsheet by a person: the byte order mark keeps "José Núñez" readable.
    return completion_csv_export(viewer=request.user, filters=filters, byte_order_mark=True)


@login_required
@require_GET
def transcript(request, person_id: int):
    _require_oversight(request.user)
    person = get_object_or_404(
        Person.objects.visible_to(request.user).select_related("user", "unit", "agency"),
        pk=person_id,
    )
    progress = learner_progress(person=person, curricula=curricula_visible_to(person.user))
    modules_by_quiz = {m.outline.page.quiz_id: m.outline.page for p in progress for m in p.modules}
    attempts = [
        (attempt, modules_by_quiz.get(attempt.quiz_id))
        for attempt in Attempt.objects.filter(user=person.user)
        .only("quiz_id", "number", "started_at", "submitted_at", "score", "passed")
        .order_by("started_at")
    ]
    return render(
        request,
        "oversight/transcript.html",
        {
            "nav": "oversight",
            "person": person,
            "progress": progress,
            "attempts": attempts,
            "certificates": certificates_of(person),
            "events": AuditEvent.objects.visible_to(request.user).filter(person_id=person.pk)[:50],
            "can_revoke": user_can_revoke_certificates(request.user),
            # The officer's full training history: our modules and external training.
            "training_history": ledger(person),
            "compliance": officer_compliance(person=person, cycles_back=0),
        },
    )


@login_required
@require_POST
def certificate_revoke(request, code: str):
    _require_oversight(request.user)
    certificate = get_object_or_404(Certificate.objects.visible_to(request.user), code=code)
    if not user_can_revoke_certificates(request.user):
        raise PermissionDenied("Only training coordinators can revoke certificates.")
    try:
        services.certificate_revoke(
            certificate=certificate, by=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Certificate {certificate.code} revoked. Public verification now says revoked.",
        )
    return redirect("oversight-transcript", person_id=certificate.person_id)
