"""Shared steps for tests: answer sets read from the database, and learner progress shortcuts."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from unittest import mock

from django.test import Client

from assessments.models import Attempt, Choice
from assessments.surveys import survey_submit
from courses.progress import services
from lms import audit
from lms.audit import Action, record_event
from lms.models import AuditEvent, Person
from tests.factories import CurriculumBundle, ModuleBundle, add_module


def _question_ids(questions: Iterable[Mapping[str, Any]]) -> list[int]:
    return [q["id"] for q in questions]


def correct_answers(questions: Iterable[Mapping[str, Any]]) -> dict[str, list[int]]:
    """The right answer to every served question, read from `Choice.is_correct` in the database."""
    ids = _question_ids(questions)
    answers: dict[str, list[int]] = {str(q): [] for q in ids}
    for question_id, choice_id in Choice.objects.filter(
        question_id__in=ids, is_correct=True
    ).values_list("question_id", "pk"):
        answers[str(question_id)].append(choice_id)
    return {q: sorted(c) for q, c in answers.items()}


def wrong_answers(questions: Iterable[Mapping[str, Any]]) -> dict[str, list[int]]:
    """One wrong choice for every served question."""
    ids = _question_ids(questions)
    answers: dict[str, list[int]] = {}
    for question_id, choice_id in Choice.objects.filter(
        question_id__in=ids, is_correct=False
    ).values_list("question_id", "pk"):
        answers.setdefault(str(question_id), [choice_id])
    return answers


def complete_lessons(person: Person, module: ModuleBundle) -> None:
    for lesson in module.lessons:
        services.lesson_complete(person=person, lesson=lesson)


def start_quiz(person: Person, module: ModuleBundle) -> Attempt:
    attempt, _ = services.module_quiz_start(person=person, module=module.page)
    return attempt


def submit(person: Person, module: ModuleBundle, attempt: Attempt, answers) -> Attempt:
    return services.module_quiz_submit(
        person=person, module=module.page, attempt=attempt, answers=answers
    )


def fail_quiz(person: Person, module: ModuleBundle) -> Attempt:
    """Read the lessons if needed, start an attempt and submit only wrong answers."""
    complete_lessons(person, module)
    attempt = start_quiz(person, module)
    return submit(person, module, attempt, wrong_answers(attempt.questions))


def pass_module(person: Person, module: ModuleBundle) -> Attempt | None:
    """Read every lesson and, when the module has a quiz, pass it with the right answers."""
    complete_lessons(person, module)
    if module.quiz is None:
        return None
    attempt = start_quiz(person, module)
    return submit(person, module, attempt, correct_answers(attempt.questions))


def move_clock(monkeypatch, **delta) -> None:
    """Set the time Django, sessions and django-axes see to `delta` (timedelta keywords) from
    the real time; each call replaces the previous one."""
    from datetime import timedelta

    import axes.attempts
    import axes.handlers.proxy
    from django.utils import timezone

    real_now = getattr(timezone.now, "real_now", timezone.now)

    def moved():
        return real_now() + timedelta(**delta)

    moved.real_now = real_now
    for module in (timezone, axes.attempts, axes.handlers.proxy):
        monkeypatch.setattr(module, "now", moved)


def grow(curriculum: CurriculumBundle, learner: Person, *, modules: int, lessons: int) -> None:
    """More modules and lessons, and completions, attempts and a certificate to go with them."""
    for _ in range(modules):
        add_module(curriculum, lessons=lessons)
    for module in curriculum.modules:
        fail_quiz(learner, module)
        pass_module(learner, module)


def client_signed_in_as(user) -> Client:
    """A test client with `user` signed in."""
    client = Client()
    client.force_login(user)
    return client


def event_for(person: Person, action: str = Action.LESSON_COMPLETED, **kwargs) -> AuditEvent:
    """An event about `person`, in their agency, as the progress services write them."""
    kwargs.setdefault("actor", person.user)
    return record_event(action=action, agency_id=person.agency_id, person_id=person.pk, **kwargs)


def event_at(moment: datetime, person: Person, **kwargs) -> AuditEvent:
    """`event_for`, recorded as if at `moment`."""
    with mock.patch.object(audit.timezone, "now", return_value=moment):
        return event_for(person, **kwargs)


def latest(action: str) -> AuditEvent:
    """The newest event of the action."""
    return AuditEvent.objects.filter(action=action).order_by("-id").first()


def survey_items(survey) -> list:
    """The survey's statements in their order."""
    return list(survey.items.order_by("sort_order", "pk"))


def answer_survey(person: Person, survey, phase: str, value: int) -> None:
    """`person` answers every statement of the survey's phase with `value`."""
    survey_submit(
        survey=survey,
        user=person.user,
        phase=phase,
        answers={str(item.pk): value for item in survey_items(survey)},
        comments={},
    )
