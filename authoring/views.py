"""Curriculum exchange in the Wagtail admin: download a curriculum as JSON, upload one.

Both are coordinator tasks (authoring.permissions.user_can_exchange_curricula). Wagtail's
admin URL wrapper turns a PermissionDenied into its usual "no permission" redirect.
"""

import contextlib
import json

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.validators import FileExtensionValidator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods
from wagtail.admin import messages

from authoring.exchange import (
    MAX_FILE_BYTES,
    ExchangeError,
    default_home,
    export_curriculum,
    import_curriculum,
    parse_document,
)
from authoring.permissions import user_can_exchange_curricula
from courses.models import CurriculumPage, HomePage
from lms.audit import Action, record_event
from lms.forms import IdChoiceField


class CurriculumImportForm(forms.Form):
    """One exported curriculum file and the home page to create it below."""

    file = forms.FileField(
        label="Curriculum file (JSON)",
        help_text="A file made with “Export curriculum” on this or another Common Ground site.",
        validators=[FileExtensionValidator(["json"], message="Choose a .json file.")],
    )
    home = IdChoiceField(
        queryset=HomePage.objects.order_by("path"),
        label="Create below",
        empty_label=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with contextlib.suppress(ExchangeError):  # several homes and no default: no initial
            self.fields["home"].initial = default_home()

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."
            )
        return file


def _require_exchange_permission(user) -> None:
    if not user_can_exchange_curricula(user):
        raise PermissionDenied("Only coordinators may export or import curricula.")


@require_GET
def curriculum_export(request, page_id: int):
    """The curriculum as a JSON download (its live pages, quizzes, survey and media)."""
    _require_exchange_permission(request.user)
    curriculum = get_object_or_404(CurriculumPage, pk=page_id)
    try:
        data = export_curriculum(curriculum)
    except ExchangeError as error:
        messages.error(request, f"Cannot export “{curriculum.title}”: {error.message}")
        return redirect("wagtailadmin_explore", curriculum.get_parent().pk)
    record_event(
        action=Action.CURRICULUM_EXPORTED,
        actor=request.user,
        obj=curriculum,
        data={"slug": curriculum.slug},
    )
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{curriculum.slug}.json"
    )
    return response


@require_http_methods(["GET", "POST"])
def curriculum_import(request):
    """Upload an exported curriculum; on any problem nothing is created and the place is named."""
    _require_exchange_permission(request.user)
    posted = request.method == "POST"
    form = CurriculumImportForm(request.POST, request.FILES) if posted else CurriculumImportForm()
    exchange_error = None
    if posted and form.is_valid():
        try:
            data = parse_document(form.cleaned_data["file"].read())
            page = import_curriculum(data, home=form.cleaned_data["home"], actor=request.user)
        except ExchangeError as error:
            exchange_error = error
        else:
            messages.success(
                request,
                f"Curriculum “{page.title}” imported.",
                buttons=[
                    messages.button(reverse("wagtailadmin_pages:edit", args=[page.pk]), "Edit"),
                    messages.button(reverse("wagtailadmin_explore", args=[page.pk]), "Explore"),
                ],
            )
            return redirect("authoring_curriculum_import")
    return TemplateResponse(
        request,
        "authoring/admin/import_curriculum.html",
        {"form": form, "exchange_error": exchange_error},
    )
