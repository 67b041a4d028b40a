"""Progress rules: lesson → module → curriculum → certificate, each step called explicitly."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.models import Attempt
from courses.models import (
    Certificate,
    CurriculumCompletion,
    LessonProgress,
    ModuleCompletion,
    TrainingRecord,
)
from courses.progress import services
from courses.progress.cycle import add_months
from courses.progress.selectors import module_attempt_review
from lms.errors import DomainError, ErrorCode
from tests.factories import AssignmentFactory, LessonPageFactory, add_module
from tests.helpers import (
    complete_lessons,
    correct_answers,
    fail_quiz,
    pass_module,
    start_quiz,
    submit,
)


def test_lesson_complete_is_idempotent_and_keeps_the_first_time(learner, module):
    lesson = module.lessons[0]
    first, created = services.lesson_complete(person=learner, lesson=lesson)
    again, created_again = services.lesson_complete(person=learner, lesson=lesson)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert again.completed_at == first.completed_at
    assert LessonProgress.objects.filter(person=learner, lesson=lesson).count() == 1


def test_quiz_is_locked_until_every_lesson_of_the_module_is_complete(learner, module):
    with pytest.raises(DomainError) as error:
        services.module_quiz_start(person=learner, module=module.page)
    assert error.value.code == ErrorCode.CONFLICT

    services.lesson_complete(person=learner, lesson=module.lessons[0])
    with pytest.raises(DomainError):
        services.module_quiz_start(person=learner, module=module.page)
    assert not Attempt.objects.exists()

    services.lesson_complete(person=learner, lesson=module.lessons[1])
    attempt, created = services.module_quiz_start(person=learner, module=module.page)
    assert created is True
    assert attempt.quiz_id == module.quiz.pk


def test_lessons_of_another_module_do_not_unlock_the_quiz(learner, curriculum):
    first, second = curriculum.modules
    complete_lessons(learner, second)
    with pytest.raises(DomainError) as error:
        services.module_quiz_start(person=learner, module=first.page)
    assert error.value.code == ErrorCode.CONFLICT


def test_draft_lessons_do_not_lock_the_quiz(learner, module):
    draft = LessonPageFactory(parent=module.page, live=False)
    assert draft.live is False
    complete_lessons(learner, module)
    attempt, created = services.module_quiz_start(person=learner, module=module.page)
    assert created is True
    assert attempt.pk


def test_passing_the_quiz_completes_the_module_with_that_attempt(learner, module):
    attempt = pass_module(learner, module)
    completion = ModuleCompletion.objects.get(person=learner, module=module.page)
    assert attempt.passed is True
    assert completion.attempt_id == attempt.pk


def test_failing_the_quiz_leaves_the_module_incomplete(learner, module):
    attempt = fail_quiz(learner, module)
    assert attempt.passed is False
    assert not ModuleCompletion.objects.filter(person=learner).exists()


def test_quiz_cannot_be_restarted_once_passed_and_the_completion_keeps_its_attempt(learner, module):
    first = pass_module(learner, module)
    with pytest.raises(DomainError) as error:
        start_quiz(learner, module)
    assert error.value.code == ErrorCode.CONFLICT
    assert Attempt.objects.filter(user=learner.user).count() == 1
    services.module_complete(person=learner, module=module.page)
    completion = ModuleCompletion.objects.get(person=learner, module=module.page)
    assert completion.attempt_id == first.pk


def test_pass_after_a_failed_attempt_completes_the_module(learner, module):
    fail_quiz(learner, module)
    retry = start_quiz(learner, module)
    assert retry.number == 2
    submit(learner, module, retry, correct_answers(retry.questions))
    assert ModuleCompletion.objects.get(person=learner, module=module.page).attempt_id == retry.pk


def test_module_without_quiz_completes_when_its_lessons_are_done(learner, curriculum):
    quizless = add_module(curriculum, lessons=2, with_quiz=False)
    services.lesson_complete(person=learner, lesson=quizless.lessons[0])
    assert not ModuleCompletion.objects.filter(module=quizless.page).exists()
    services.lesson_complete(person=learner, lesson=quizless.lessons[1])
    completion = ModuleCompletion.objects.get(person=learner, module=quizless.page)
    assert completion.attempt is None


def test_module_without_quiz_has_no_quiz_to_start(learner, curriculum):
    quizless = add_module(curriculum, lessons=1, with_quiz=False)
    complete_lessons(learner, quizless)
    with pytest.raises(DomainError) as error:
        services.module_quiz_start(person=learner, module=quizless.page)
    assert error.value.code == ErrorCode.NOT_FOUND


def test_curriculum_is_not_complete_while_a_module_is_incomplete(learner, curriculum):
    pass_module(learner, curriculum.modules[0])
    assert not CurriculumCompletion.objects.exists()
    assert not Certificate.objects.exists()


def test_completing_every_module_completes_the_curriculum_and_issues_one_certificate(
    learner, curriculum
):
    for module in curriculum.modules:
        pass_module(learner, module)
    completion = CurriculumCompletion.objects.get(person=learner, curriculum=curriculum.page)
    certificate = Certificate.objects.get(person=learner)
    assert certificate.completion == completion
    assert certificate.curriculum_id == curriculum.page.pk


def test_completing_again_never_issues_a_second_certificate(learner, curriculum, certificate):
    completion = certificate.completion
    assert services.curriculum_complete_if_done(person=learner, curriculum=curriculum.page) == (
        completion
    )
    assert services.certificate_issue(person=learner, completion=completion) == certificate
    for module in curriculum.modules:
        services.module_complete(person=learner, module=module.page)
    assert CurriculumCompletion.objects.filter(person=learner).count() == 1
    assert Certificate.objects.filter(person=learner).count() == 1


def test_certificate_copies_holder_curriculum_and_credit_hours_at_issue(
    learner, curriculum, certificate
):
    assert certificate.holder_name == "Dana Reyes"
    assert certificate.curriculum_title == curriculum.page.title
    assert certificate.credit_hours == Decimal("2.50")  # two modules of 1.25 hours
    assert certificate.status == "valid"
    assert certificate.revoked_at is None


def test_certificate_without_recertification_never_expires(certificate):
    assert certificate.expires_at is None


def test_certificate_expires_at_the_assignments_recertification_interval(
    learner, curriculum, assignment
):
    assignment.recertification_months = 12
    assignment.save()
    for module in curriculum.modules:
        pass_module(learner, module)
    certificate = Certificate.objects.get(person=learner)
    assert certificate.expires_at == add_months(certificate.issued_at, 12)
    assert certificate.expires_at.year == certificate.issued_at.year + 1


def test_a_personal_assignment_sets_the_recertification_interval_over_the_agencys(
    learner, curriculum, assignment
):
    assignment.recertification_months = 24
    assignment.save()
    AssignmentFactory(
        curriculum=curriculum.page,
        person=learner,
        due_date=assignment.due_date,
        recertification_months=6,
    )
    for module in curriculum.modules:
        pass_module(learner, module)
    certificate = Certificate.objects.get(person=learner)
    assert certificate.expires_at == add_months(certificate.issued_at, 6)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2025, 1, 31, 9, tzinfo=UTC), 1, datetime(2025, 2, 28, 9, tzinfo=UTC)),
        (datetime(2024, 1, 31, 9, tzinfo=UTC), 1, datetime(2024, 2, 29, 9, tzinfo=UTC)),
        (datetime(2025, 11, 15, tzinfo=UTC), 3, datetime(2026, 2, 15, tzinfo=UTC)),
        (datetime(2024, 2, 29, tzinfo=UTC), 12, datetime(2025, 2, 28, tzinfo=UTC)),
        (datetime(2025, 6, 1, tzinfo=UTC), 24, datetime(2027, 6, 1, tzinfo=UTC)),
    ],
)
def test_add_months_keeps_the_day_clamped_to_the_months_end(start, months, expected):
    assert add_months(start, months) == expected


def test_submit_in_cycle_gives_the_cycle_the_record_was_locked_in(learner, curriculum):
    """The API's submit reviews the attempt under the cycle its own lock saw; the review is
    the one a fresh read of the record gives, in the first cycle and in a renewed one."""
    module = curriculum.modules[0]
    for cycle in (1, 2):
        complete_lessons(learner, module)
        attempt = start_quiz(learner, module)
        attempt, since = services.module_quiz_submit_in_cycle(
            person=learner, module=module.page, attempt=attempt, answers={}
        )
        record = TrainingRecord.objects.get(person=learner, curriculum=curriculum.page)
        assert record.cycle == cycle
        assert since == record.cycle_started_at
        page = module.page
        given = module_attempt_review(person=learner, module=page, attempt=attempt, since=since)
        read = module_attempt_review(person=learner, module=page, attempt=attempt)
        assert given == read
        assert given.attempts_left == 2
        if cycle == 1:
            for each in curriculum.modules:
                pass_module(learner, each)
            Certificate.objects.filter(person=learner).update(
                expires_at=timezone.now() - timedelta(days=1)
            )
