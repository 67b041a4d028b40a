"""Perception surveys: the learner's form before and after the training.

When a survey is offered is decided in `courses.progress.selectors.survey_status`; answering it is
`assessments.surveys.survey_submit`. (The command-staff report of the shift is
oversight/views/surveys.py.) This view only checks, renders and redirects.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from assessments.form_answers import survey_answers_from_form
from assessments.models import LikertValue, Survey, SurveyPhase
from assessments.surveys import COMMENT_MAX_LENGTH, survey_submit
from courses.progress.selectors import (
    SurveyStatus,
    curricula_visible_to,
    learner_progress,
    survey_module,
    survey_status,
    surveys_answered,
)
from lms.errors import DomainError, ErrorCode
from lms.scoping import require_person

PHASE_NAMES = {SurveyPhase.PRE: "before", SurveyPhase.POST: "after"}


def _form_items(
    survey: Survey,
    *,
    answers: dict[str, int | str] | None = None,
    comments: dict[str, str] | None = None,
) -> list[dict]:
    """The statements, with what the learner posted (when re-showing a form with an error)."""
    answers, comments = answers or {}, comments or {}
    return [
        {
            "number": number,
            "id": item.pk,
            "statement": item.statement,
            "allow_comment": item.allow_comment,
            "chosen": str(answers.get(str(item.pk), "")),
            "comment": comments.get(str(item.pk), ""),
        }
        for number, item in enumerate(survey.items.order_by("sort_order", "pk"), start=1)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def survey_take(request, curriculum_id: int, phase: str):
    if phase not in SurveyPhase.values:
        raise Http404("No such survey.")
    person = require_person(request.user)
    curriculum = get_object_or_404(curricula_visible_to(request.user), pk=curriculum_id)
    survey = Survey.objects.filter(pk=curriculum.survey_id, live=True).first()
    if survey is None:
        raise Http404("This curriculum has no survey.")
    progress = learner_progress(person=person, curricula=[curriculum])[0]
    answered = surveys_answered(request.user, [survey.pk]).get(survey.pk, set())
    status = survey_status(progress, phase, answered)
    name = PHASE_NAMES[phase]
    if status == SurveyStatus.ANSWERED:
        messages.info(request, f"You have already answered the {name}-training survey. Thank you.")
        return redirect("my-training")
    if status != SurveyStatus.OPEN:
        if phase == SurveyPhase.POST:
            number = survey_module(progress, curriculum.post_survey_after_module)
            text = "The after-training survey opens once you have completed module {}."
        else:
            number = survey_module(progress, curriculum.pre_survey_before_module)
            text = "The before-training survey closed when you started module {}."
        messages.info(request, text.format(number.outline.page.number if number else "—"))
        return redirect("my-training")

    items = _form_items(survey)
    error = None
    if request.method == "POST":
        answers, comments = survey_answers_from_form(request.POST, items=items)
        try:
            survey_submit(
                survey=survey, user=request.user, phase=phase, answers=answers, comments=comments
            )
        except DomainError as failure:
            if failure.code == ErrorCode.CONFLICT:
                messages.info(request, failure.message)
                return redirect("my-training")
            error = failure
            items = _form_items(survey, answers=answers, comments=comments)
        else:
            messages.success(
                request, f"Thank you: your {name}-training survey answers have been recorded."
            )
            return redirect("my-training")
    return render(
        request,
        "courses/survey_form.html",
        {
            "nav": "training",
            "curriculum": curriculum,
            "survey": survey,
            "phase": phase,
            "phase_name": name,
            "items": items,
            "scale": LikertValue.choices,
            "error": error,
            "comment_max_length": COMMENT_MAX_LENGTH,
            "min_group": settings.SURVEY_MIN_GROUP_SIZE,
        },
        status=400 if error else 200,
    )
