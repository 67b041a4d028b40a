"""The officer's own pages: My compliance, submitting external training, their evidence."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from compliance import services
from compliance.cycles import Status
from compliance.models import TrainingEntry
from compliance.selectors import ledger, officer_compliance
from compliance.serializers import TrainingEntryInputSerializer
from compliance.views.common import evidence_response
from lms.errors import DomainError
from lms.models import Person
from lms.scoping import require_person


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


@login_required
@require_GET
def evidence_file(request, entry_id: int):
    """The officer's own evidence file; anyone else's: 404 (staff read it under /staff/, where
    a verified code is required of them)."""
    person = require_person(request.user)
    entry = TrainingEntry.objects.filter(pk=entry_id, person=person).first()
    if entry is None or not entry.evidence:
        raise Http404
    return evidence_response(entry)
