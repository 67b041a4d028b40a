"""Branching scenarios on the lesson page: each decision is a form post that answers 303 back
to the lesson at the scenario (`#scenario-<block id>`), where the page shows the learner's
walk so far, the consequence of each choice, and the next decision or the ending.

The rules are courses.scenarios.services; a post they refuse, or one that does not parse,
answers 400 with the reason and writes nothing; a lesson the learner may not see, or a block
it does not have, 404.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from courses.progress.selectors import visible_lessons
from courses.scenarios import services
from courses.scenarios.forms import ScenarioChoiceForm, ScenarioRestartForm, first_error
from lms.errors import DomainError, ErrorCode
from lms.scoping import require_person


def _back(lesson, block_id: str) -> HttpResponseRedirect:
    """303 See Other: the lesson, at the scenario, read with a GET."""
    response = HttpResponseRedirect(f"{lesson.url}#scenario-{block_id}")
    response.status_code = 303
    return response


def _refused(request, lesson, block_id: str, *, field: str | None, message: str):
    return render(
        request,
        "courses/scenario_refused.html",
        {"lesson": lesson, "block_id": block_id, "field": field, "message": message},
        status=400,
    )


def _act(request, lesson_id: int, block_id: str, form_class, rule):
    person = require_person(request.user)
    lesson = get_object_or_404(visible_lessons(request.user), pk=lesson_id)
    form = form_class(request.POST)
    if not form.is_valid():
        field, message = first_error(form)
        return _refused(request, lesson, block_id, field=field, message=message)
    try:
        rule(person=person, lesson=lesson, block_id=block_id, **form.cleaned_data)
    except DomainError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise Http404(error.message) from None
        return _refused(request, lesson, block_id, field=error.field, message=error.message)
    return _back(lesson, block_id)


@login_required
@require_POST
def scenario_choose(request, lesson_id: int, block_id: str):
    return _act(request, lesson_id, block_id, ScenarioChoiceForm, services.scenario_choose)


@login_required
@require_POST
def scenario_restart(request, lesson_id: int, block_id: str):
    return _act(request, lesson_id, block_id, ScenarioRestartForm, services.scenario_restart)
