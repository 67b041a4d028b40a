"""Prepared exports: asking for one (a POST that queues it), *My exports*, the download.

Asking goes through `compliance.exporting.services.request_export` (validated, scoped,
audited); the file is built by a task. The download (the file from the private "exports"
storage, or a signed short-lived address in the bucket: lms.storage) is served only to whom
`ExportRequest.objects.visible_to` allows (the requester, or a whole-agency coordinator of the
same agency); anyone else gets 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from compliance.exporting.models import ExportRequest
from compliance.exporting.registry import kinds
from compliance.exporting.services import kept_for, request_export
from compliance.views.common import PAGE_SIZE, require_oversight
from lms.audit import Action, record_event
from lms.errors import DomainError, ErrorCode
from lms.storage import private_file_response

NOT_DATA = {"csrfmiddlewaretoken", "kind", "next"}


@login_required
@require_POST
def export_request(request):
    """Queue an export of the posted `kind` with the posted fields; to *My exports* with a
    confirmation, or back where the form was with the refusal (nothing written)."""
    require_oversight(request.user)
    data = {key: value for key, value in request.POST.items() if key not in NOT_DATA}
    try:
        export = request_export(user=request.user, kind=request.POST.get("kind", ""), data=data)
    except DomainError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise Http404(error.message) from None
        label = f"{error.field}: " if error.field else ""
        messages.error(request, f"{label}{error.message} Nothing was queued.")
        return redirect(_back(request))
    messages.success(
        request,
        f"Your {kinds()[export.kind].label} is being prepared. It appears here when it is ready "
        "(reload the page); it is kept for "
        f"{kept_for().days} days.",
    )
    return redirect("compliance-exports")


def _back(request) -> str:
    """The page the form was on (a local path), else *My exports*."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return "compliance-exports"


@login_required
@require_GET
def my_exports(request):
    require_oversight(request.user)
    exports = (
        ExportRequest.objects.visible_to(request.user)
        .filter(requested_by=request.user)
        .select_related("person__user", "agency")
    )
    return render(
        request,
        "compliance/exports.html",
        {
            "nav": "oversight",
            "page": Paginator(exports, PAGE_SIZE).get_page(request.GET.get("page")),
            "kinds": kinds(),
            "days": kept_for().days,
        },
    )


@login_required
@require_GET
def export_download(request, export_id: int):
    require_oversight(request.user)
    export = ExportRequest.objects.visible_to(request.user).filter(pk=export_id).first()
    if export is None or not export.is_ready:
        raise Http404("No such export, or not ready.")
    record_event(
        action=Action.EXPORT_DOWNLOADED,
        actor=request.user,
        obj=export,
        agency_id=export.agency_id,
        person_id=export.person_id,
        data={"export": export.pk, "kind": export.kind},
    )
    return private_file_response(
        export.file, content_type=export.content_type, filename=export.filename
    )
