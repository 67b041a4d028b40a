"""Oversight pages for assignments: command staff read the list, coordinators change it.

The list reads `Assignment.objects.visible_to`; the edit and delete pages read
`Assignment.objects.changeable_by` (for a coordinator limited to some units, agency-wide
assignments are listed read-only), so anything else is 404. Every change goes through
courses.assignments, which checks the scope again and writes the audit event. These views
only check the role, run the form and render.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateformat import format as format_date
from django.views.decorators.http import require_GET, require_http_methods

from courses import assignments as services
from courses.models import Assignment
from lms.errors import DomainError, ErrorCode
from lms.permissions import user_can_manage_assignments, user_can_view_agency_records
from lms.scoping import require_person
from oversight.forms import AssignmentChangeForm, AssignmentForm

PAGE_SIZE = 50


def _require_oversight(user) -> None:
    if not user_can_view_agency_records(user):
        raise PermissionDenied("Only command staff can see assignments.")


def _require_manager(user) -> None:
    if not user_can_manage_assignments(user):
        raise PermissionDenied("Only training coordinators can change assignments.")


def _related(assignments):
    return assignments.select_related("curriculum", "agency", "unit", "person__user")


def _changeable(user):
    return _related(Assignment.objects.changeable_by(user))


def _describe(assignment: Assignment) -> str:
    """'Curriculum to Patrol South, due Mar 1, 2027', for the success messages."""
    return (
        f"{assignment.curriculum.title} to {services.target_label(assignment)}, "
        f"due {format_date(assignment.due_date, 'M j, Y')}"
    )


def _recertification(months: int | None) -> str:
    if months is None:
        return "certificates do not expire"
    return f"recertify every {months} month{'' if months == 1 else 's'}"


@login_required
@require_GET
def assignment_list(request):
    _require_oversight(request.user)
    rows = _related(Assignment.objects.visible_to(request.user))
    page = Paginator(rows.order_by("due_date", "curriculum__title", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    can_manage = user_can_manage_assignments(request.user)
    changeable = (
        set(
            Assignment.objects.changeable_by(request.user)
            .filter(pk__in=[a.pk for a in page])
            .values_list("pk", flat=True)
        )
        if can_manage
        else set()
    )
    for assignment in page:
        assignment.target_label = services.target_label(assignment)
        assignment.can_change = assignment.pk in changeable
    return render(
        request,
        "oversight/assignments.html",
        {
            "nav": "oversight",
            "agency": require_person(request.user).agency,
            "page": page,
            "can_manage": can_manage,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_create(request):
    _require_manager(request.user)
    form = AssignmentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.assignment_create(
                by=request.user,
                curriculum=form.cleaned_data["curriculum"],
                due_date=form.cleaned_data["due_date"],
                recertification_months=form.cleaned_data["recertification_months"],
                **form.target(),
            )
        except DomainError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Assigned {_describe(assignment)}.")
            return redirect("oversight-assignments")
    return render(
        request,
        "oversight/assignment_form.html",
        {"nav": "oversight", "form": form, "assignment": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_edit(request, assignment_id: int):
    _require_manager(request.user)
    assignment = get_object_or_404(_changeable(request.user), pk=assignment_id)
    initial = {
        "due_date": assignment.due_date,
        "recertification_months": assignment.recertification_months,
    }
    form = AssignmentChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.assignment_update(
                by=request.user,
                assignment=assignment,
                due_date=form.cleaned_data["due_date"],
                recertification_months=form.cleaned_data["recertification_months"],
            )
        except DomainError as error:
            if error.code == ErrorCode.NOT_FOUND and not error.field:
                raise Http404(error.message) from None
            form.add_service_error(error)
        else:
            if (updated.due_date, updated.recertification_months) != tuple(initial.values()):
                messages.success(
                    request,
                    f"Changed the assignment of {_describe(updated)}; "
                    f"{_recertification(updated.recertification_months)}.",
                )
            else:
                messages.info(request, "Nothing changed.")
            return redirect("oversight-assignments")
    assignment.target_label = services.target_label(assignment)
    return render(
        request,
        "oversight/assignment_form.html",
        {"nav": "oversight", "form": form, "assignment": assignment},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_delete(request, assignment_id: int):
    _require_manager(request.user)
    assignment = get_object_or_404(_changeable(request.user), pk=assignment_id)
    if request.method == "POST":
        description = f"{assignment.curriculum.title} to {services.target_label(assignment)}"
        try:
            services.assignment_delete(by=request.user, assignment=assignment)
        except DomainError as error:
            if error.code == ErrorCode.NOT_FOUND:
                raise Http404(error.message) from None
            raise
        messages.success(request, f"Removed the assignment of {description}.")
        return redirect("oversight-assignments")
    assignment.target_label = services.target_label(assignment)
    return render(
        request,
        "oversight/assignment_confirm_delete.html",
        {"nav": "oversight", "assignment": assignment},
    )
