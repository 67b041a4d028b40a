"""The roster upload page: agency admins import their own agency's roster, errors row by row.

A roster is the whole agency's (it adds, moves and updates people of every unit), so an admin
whose oversight is limited to some units may not import one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from lms.forms import RosterUploadForm
from lms.models import PersonnelCategory
from lms.roster import COLUMNS, MAX_ROWS, RosterError, import_roster
from lms.scoping import oversees_whole_agency, viewer_person

MANAGE_PEOPLE_PERMISSION = "lms.manage_agency_people"
MAX_ERRORS_SHOWN = 1000


@login_required
@require_http_methods(["GET", "POST"])
def roster_upload(request):
    """Agency admins of the whole agency import its roster; errors are listed row by row."""
    person = viewer_person(request.user)
    if person is None or not request.user.has_perm(MANAGE_PEOPLE_PERMISSION):
        raise PermissionDenied("Only agency administrators may import a roster.")
    if not oversees_whole_agency(request.user):
        raise PermissionDenied("Only an administrator of the whole agency may import a roster.")
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
        "oversight/roster_upload.html",
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
