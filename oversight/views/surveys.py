"""The command-staff report of the perception survey: the before/after shift of the viewer's
agency (or units), in aggregate only (`assessments.surveys.survey_shift`)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments.models import LikertValue, Survey
from assessments.surveys import survey_shift
from lms.models import Person
from lms.permissions import user_can_view_agency_records
from lms.scoping import require_person
from oversight.charts import survey_shift_svg
from oversight.reports import curricula_for_oversight


@login_required
@require_GET
def survey_report(request):
    """The before/after shift of the viewer's agency (or units), per statement."""
    if not user_can_view_agency_records(request.user):
        raise PermissionDenied("Only command staff can see survey reports.")
    curricula = list(curricula_for_oversight(request.user).filter(survey__isnull=False))
    chosen = request.GET.get("curriculum", "")
    if chosen:
        curriculum = next((c for c in curricula if str(c.pk) == chosen), None)
        if curriculum is None:
            raise Http404("No such curriculum.")
    else:
        curriculum = curricula[0] if curricula else None
    report = chart = None
    if curriculum is not None:
        survey = Survey.objects.get(pk=curriculum.survey_id)
        users = get_user_model().objects.filter(
            pk__in=Person.objects.visible_to(request.user).values("user_id")
        )
        report = survey_shift(survey=survey, users=users, min_group=settings.SURVEY_MIN_GROUP_SIZE)
        chart = None if report.suppressed else survey_shift_svg(report)
    return render(
        request,
        "oversight/surveys.html",
        {
            "nav": "oversight",
            "agency": require_person(request.user).agency,
            "curricula": curricula,
            "curriculum": curriculum,
            "report": report,
            "chart": chart,
            "scale": LikertValue.choices,
        },
    )
