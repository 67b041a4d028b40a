"""Reports for authors in the Wagtail admin: how often each branching-scenario choice was taken.

Trainers and coordinators (courses.permissions.user_can_view_scenario_report) read their own
agency's learners, in aggregate only (courses.scenarios.selectors.scenario_choice_report).
"""

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from courses.permissions import user_can_view_scenario_report
from courses.scenarios.selectors import MIN_LEARNERS_SHOWN, scenario_choice_report


@require_GET
def scenario_report(request):
    if not user_can_view_scenario_report(request.user):
        raise PermissionDenied("Only trainers and coordinators see the scenario report.")
    return TemplateResponse(
        request,
        "authoring/admin/scenario_report.html",
        {
            "scenarios": scenario_choice_report(viewer=request.user),
            "min_learners": MIN_LEARNERS_SHOWN,
        },
    )
