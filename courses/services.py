"""The rules of progress: lesson → module → curriculum → certificate, called explicitly in turn.

Each function runs in a transaction; the database constraints (one row per person and
lesson, module, curriculum; one certificate per completion) are the proof against races.
"""

import calendar
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from assessments import services as quiz_services
from assessments.models import Attempt
from courses.models import (
    Certificate,
    CurriculumCompletion,
    CurriculumPage,
    LessonPage,
    LessonProgress,
    ModuleCompletion,
    ModulePage,
)
from courses.selectors import assignments_for, curriculum_of, governing_assignment
from lms.errors import DomainError, ErrorCode
from lms.models import Person


def add_months(moment: datetime, months: int) -> datetime:
    """Same day-of-month `months` later, clamped to the month's last day (31 Jan + 1 → 28 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _module_lessons_done(*, person: Person, module: ModulePage) -> bool:
    lesson_ids = list(LessonPage.objects.live().child_of(module).values_list("pk", flat=True))
    done = LessonProgress.objects.filter(person=person, lesson_id__in=lesson_ids).count()
    return done >= len(lesson_ids)


@transaction.atomic
def lesson_complete(*, person: Person, lesson: LessonPage) -> tuple[LessonProgress, bool]:
    """Record that the person read the lesson; repeating it keeps the first time.

    A module without a quiz is complete once its lessons are.
    """
    progress, created = LessonProgress.objects.get_or_create(person=person, lesson=lesson)
    if created:
        module = ModulePage.objects.get(pk=lesson.get_parent().pk)
        if module.quiz_id is None and _module_lessons_done(person=person, module=module):
            module_complete(person=person, module=module)
    return progress, created


def module_quiz_start(*, person: Person, module: ModulePage) -> tuple[Attempt, bool]:
    """Start (or resume) the module's quiz; locked until every lesson is complete."""
    if module.quiz_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This module has no quiz.")
    if ModuleCompletion.objects.filter(person=person, module=module).exists():
        raise DomainError(ErrorCode.CONFLICT, "You have already passed this module's quiz.")
    if not _module_lessons_done(person=person, module=module):
        raise DomainError(
            ErrorCode.CONFLICT, "Complete every lesson in this module before taking its quiz."
        )
    quiz_services.close_expired_attempts(quiz=module.quiz, user=person.user)
    return quiz_services.attempt_start(quiz=module.quiz, user=person.user)


@transaction.atomic
def module_quiz_submit(*, person: Person, module: ModulePage, attempt: Attempt, answers) -> Attempt:
    """Grade the attempt; a pass completes the module, and possibly the curriculum."""
    attempt = quiz_services.attempt_submit(attempt=attempt, answers=answers)
    if attempt.passed:
        module_complete(person=person, module=module, attempt=attempt)
    return attempt


@transaction.atomic
def module_complete(
    *, person: Person, module: ModulePage, attempt: Attempt | None = None
) -> ModuleCompletion:
    """Record the module as complete once; the first qualifying attempt is the one kept."""
    completion, created = ModuleCompletion.objects.get_or_create(
        person=person, module=module, defaults={"attempt": attempt}
    )
    if created:
        curriculum_complete_if_done(person=person, curriculum=curriculum_of(module))
    return completion


@transaction.atomic
def curriculum_complete_if_done(
    *, person: Person, curriculum: CurriculumPage
) -> CurriculumCompletion | None:
    """Complete the curriculum, and issue its certificate, when every live module is complete."""
    module_ids = set(ModulePage.objects.live().child_of(curriculum).values_list("pk", flat=True))
    done = set(
        ModuleCompletion.objects.filter(person=person, module_id__in=module_ids).values_list(
            "module_id", flat=True
        )
    )
    if not module_ids or done != module_ids:
        return None
    completion, created = CurriculumCompletion.objects.get_or_create(
        person=person, curriculum=curriculum
    )
    if created:
        certificate_issue(person=person, completion=completion)
    return completion


@transaction.atomic
def certificate_issue(*, person: Person, completion: CurriculumCompletion) -> Certificate:
    """Issue the certificate for a completion, exactly once; it expires at the
    recertification interval of the governing assignment, if it has one."""
    curriculum = completion.curriculum
    now = timezone.now()
    assignment = governing_assignment(
        person, curriculum.pk, assignments_for(person).filter(curriculum=curriculum)
    )
    months = assignment.recertification_months if assignment else None
    credit_hours = sum(
        ModulePage.objects.live().child_of(curriculum).values_list("credit_hours", flat=True),
        start=0,
    )
    certificate, _ = Certificate.objects.get_or_create(
        completion=completion,
        defaults={
            "person": person,
            "curriculum": curriculum,
            "holder_name": person.display_name,
            "curriculum_title": curriculum.title,
            "credit_hours": credit_hours,
            "issued_at": now,
            "expires_at": add_months(now, months) if months else None,
        },
    )
    return certificate
