"""Simultaneous requests from one learner: nothing counted twice, nothing lost, no 500.

Real threads, each with its own database connection, released together by a barrier and
served by the API, so the row locks and unique constraints of the services are what keeps
the records right. PostgreSQL only (SQLite serialises writers on the whole file).

These tests commit their data (`transaction=True`); serialized rollback starts each one from
the freshly migrated database and flushes it afterwards. They sit in tests/api so they are
collected before tests/browser, which replaces the serialized state with its seeded demo.
"""

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assessments.models import Attempt
from courses.models import (
    Certificate,
    CurriculumCompletion,
    LessonProgress,
    ModuleCompletion,
    TrainingRecord,
)
from lms.audit import Action, verify_chain
from lms.models import AuditEvent
from tests.factories import AgencyFactory, AssignmentFactory, PersonFactory, make_curriculum
from tests.factories import make_home as make_home_page
from tests.helpers import complete_lessons, correct_answers, start_quiz, wrong_answers

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREADS = 20


def run_together(count: int, request: Callable[[int], object]) -> list:
    """Call `request(i)` in `count` threads released at once; return the results in order.

    Each thread closes its own database connection when done; an exception in a thread is
    returned as its result, so the test reports it instead of hanging.
    """
    barrier = threading.Barrier(count, timeout=30)
    results: list = [None] * count

    def work(i: int) -> None:
        try:
            barrier.wait()
            results[i] = request(i)
        except Exception as error:  # handed to the test to assert on
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return results


def statuses(responses) -> Counter:
    return Counter(getattr(r, "status_code", repr(r)) for r in responses)


@pytest.fixture
def setting():
    """A two-module curriculum assigned to an agency, and one learner, all committed."""
    curriculum = make_curriculum(make_home_page(), modules=2, lessons=2)
    agency = AgencyFactory()
    AssignmentFactory(curriculum=curriculum.page, agency=agency)
    person = PersonFactory(agency=agency)
    token = Token.objects.create(user=person.user)
    return curriculum, person, token.key


def client_for(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_twenty_simultaneous_submits_grade_the_attempt_once(setting):
    curriculum, person, token = setting
    module = curriculum.modules[0]
    complete_lessons(person, module)
    attempt = start_quiz(person, module)
    answers = correct_answers(attempt.questions)

    responses = run_together(
        THREADS,
        lambda _: client_for(token).post(
            f"/api/v1/attempts/{attempt.pk}/submit/", {"answers": answers}, format="json"
        ),
    )

    assert statuses(responses) == {200: 1, 409: THREADS - 1}
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    assert (attempt.score, attempt.passed) == (100, True)
    assert events(Action.ATTEMPT_SUBMITTED) == 1
    assert ModuleCompletion.objects.filter(person=person).count() == 1
    assert list(verify_chain()) == []


def test_simultaneous_starts_and_retries_never_exceed_max_attempts(setting):
    """Every thread starts, fails and retries until refused: the quiz allows three attempts."""
    curriculum, person, token = setting
    module = curriculum.modules[0]
    complete_lessons(person, module)
    max_attempts = module.quiz.max_attempts

    def start_and_fail_until_refused(_):
        client = client_for(token)
        seen = []
        for _round in range(max_attempts + 2):
            started = client.post(f"/api/v1/quizzes/{module.quiz.pk}/attempts/")
            seen.append(started.status_code)
            if started.status_code == 409:
                return seen
            served = started.json()
            submitted = client.post(
                f"/api/v1/attempts/{served['id']}/submit/",
                {"answers": wrong_answers(served["questions"])},
                format="json",
            )
            seen.append(submitted.status_code)
        return seen

    results = run_together(10, start_and_fail_until_refused)

    codes = Counter(code for seen in results for code in seen)
    assert set(codes) <= {200, 201, 409}, results
    assert codes[201] == max_attempts
    assert all(seen[-1] == 409 for seen in results), results  # each thread was refused at last
    attempts = Attempt.objects.filter(user=person.user, quiz=module.quiz)
    assert sorted(attempts.values_list("number", flat=True)) == list(range(1, max_attempts + 1))
    assert not attempts.filter(submitted_at=None).exists()
    assert events(Action.ATTEMPT_STARTED) == max_attempts
    assert events(Action.ATTEMPT_SUBMITTED) == max_attempts


def test_simultaneous_final_passes_issue_one_certificate(setting):
    """The last quiz of each module, each submitted by five threads at once."""
    curriculum, person, token = setting
    attempts = []
    for module in curriculum.modules:
        complete_lessons(person, module)
        attempts.append(start_quiz(person, module))

    def submit(i: int):
        attempt = attempts[i % len(attempts)]
        return client_for(token).post(
            f"/api/v1/attempts/{attempt.pk}/submit/",
            {"answers": correct_answers(attempt.questions)},
            format="json",
        )

    responses = run_together(10, submit)

    assert statuses(responses) == {200: 2, 409: 8}
    assert ModuleCompletion.objects.filter(person=person).count() == 2
    assert CurriculumCompletion.objects.filter(person=person).count() == 1
    certificate = Certificate.objects.get(person=person)
    record = TrainingRecord.objects.get(person=person)
    assert (record.modules_completed, record.certificate_id) == (2, certificate.pk)
    assert events(Action.MODULE_COMPLETED) == 2
    assert events(Action.CURRICULUM_COMPLETED) == 1
    assert events(Action.CERTIFICATE_ISSUED) == 1
    assert list(verify_chain()) == []


def test_simultaneous_lesson_completions_keep_one_progress_row(setting):
    """The learner's first activity: even the training record is created under contention."""
    curriculum, person, token = setting
    lesson = curriculum.modules[0].lessons[0]

    responses = run_together(
        THREADS, lambda _: client_for(token).post(f"/api/v1/lessons/{lesson.pk}/complete/")
    )

    assert statuses(responses) == {201: 1, 200: THREADS - 1}
    assert LessonProgress.objects.filter(person=person, lesson=lesson).count() == 1
    assert len({r.json()["completed_at"] for r in responses}) == 1  # all report the first time
    assert TrainingRecord.objects.filter(person=person).count() == 1
    assert events(Action.LESSON_COMPLETED) == 1
    assert list(verify_chain()) == []
