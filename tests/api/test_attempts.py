"""POST /api/v1/quizzes/{id}/attempts/ and POST /api/v1/attempts/{id}/submit/."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from assessments.models import Attempt, QuestionKind
from courses import serializers as s
from courses.models import Certificate, ModuleCompletion
from lms.page_cache import content_changed
from tests.factories import PersonFactory, add_question, make_quiz
from tests.helpers import (
    complete_lessons,
    correct_answers,
    fail_quiz,
    grow,
    pass_module,
    wrong_answers,
)

QUESTION_KEYS = {"id", "kind", "prompt", "choices"}
CHOICE_KEYS = {"id", "text"}
RESULT_KEYS = {"score", "passed", "correct_count", "total", "questions"}
RESULT_QUESTION_KEYS = {"id", "correct", "explanation"}
# A failed submit: the attempt; in one transaction (2) the training record locked, the attempt
# closed, the score counted, its items, its picks and its audit event; then the standing its
# review shows (the attempts; the cycle is the one the submit locked the record in).
SUBMIT_QUERIES = 10


def start_url(quiz_id: int) -> str:
    return f"/api/v1/quizzes/{quiz_id}/attempts/"


def submit_url(attempt_id: int) -> str:
    return f"/api/v1/attempts/{attempt_id}/submit/"


def all_keys(value) -> set[str]:
    """Every object key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in all_keys(v)}
    return set()


@pytest.fixture
def ready(learner, module):
    """The learner has read every lesson of the first module: its quiz is unlocked."""
    complete_lessons(learner, module)
    return module


def start(client, module):
    response = client.post(start_url(module.quiz.pk))
    assert response.status_code in (200, 201), response.content
    return response.json()


def fail(client, module):
    served = start(client, module)
    response = client.post(
        submit_url(served["id"]), {"answers": wrong_answers(served["questions"])}, format="json"
    )
    assert response.status_code == 200
    return response.json()


# --- Start -----------------------------------------------------------------------------------


def test_start_answers_201_with_the_served_questions(learner_api, learner, ready):
    response = learner_api.post(start_url(ready.quiz.pk))
    assert response.status_code == 201
    body = response.json()
    assert {"id", "questions", "expires_at"} <= set(body)
    assert body["expires_at"] is None
    attempt = Attempt.objects.get(pk=body["id"])
    assert attempt.user == learner.user
    assert len(body["questions"]) == 4
    assert {q["id"] for q in body["questions"]} == {q["id"] for q in attempt.questions}
    kinds = {q["kind"] for q in body["questions"]}
    assert kinds == {"single", "multiple", "true_false", "scenario"}
    for question in body["questions"]:
        assert set(question) == QUESTION_KEYS
        assert question["prompt"]
        for choice in question["choices"]:
            assert set(choice) == CHOICE_KEYS


def test_started_attempt_reveals_no_right_answers_or_explanations(learner_api, ready):
    response = learner_api.post(start_url(ready.quiz.pk))
    keys = {k.lower() for k in all_keys(response.json())}
    assert not any("correct" in k for k in keys)
    assert "explanation" not in keys
    text = response.content.decode().lower()
    assert "correct" not in text
    assert "is_correct" not in text
    assert "explanation" not in text


def test_starting_while_an_attempt_is_open_returns_that_attempt_with_200(learner_api, ready):
    first = learner_api.post(start_url(ready.quiz.pk))
    again = learner_api.post(start_url(ready.quiz.pk))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["questions"] == first.json()["questions"]
    assert Attempt.objects.count() == 1


def test_time_limited_attempt_states_its_expiry(learner_api, ready):
    ready.quiz.time_limit_minutes = 20
    ready.quiz.save()
    body = learner_api.post(start_url(ready.quiz.pk)).json()
    expires_at = datetime.fromisoformat(body["expires_at"])
    attempt = Attempt.objects.get(pk=body["id"])
    assert expires_at.tzinfo is not None
    assert expires_at == attempt.started_at + timedelta(minutes=20)


def test_quiz_is_locked_while_lessons_are_incomplete(learner_api, learner, module):
    response = learner_api.post(start_url(module.quiz.pk))
    assert response.status_code == 409
    assert "detail" in response.json()
    learner_api.post(f"/api/v1/lessons/{module.lessons[0].pk}/complete/")
    assert learner_api.post(start_url(module.quiz.pk)).status_code == 409
    assert not Attempt.objects.exists()


def test_no_attempts_left_is_a_conflict(learner_api, ready):
    for _ in range(3):
        fail(learner_api, ready)
    response = learner_api.post(start_url(ready.quiz.pk))
    assert response.status_code == 409
    assert Attempt.objects.count() == 3


def test_cooldown_after_a_failed_attempt_is_a_conflict(learner_api, ready):
    ready.quiz.cooldown_minutes = 60
    ready.quiz.save()
    fail(learner_api, ready)
    response = learner_api.post(start_url(ready.quiz.pk))
    assert response.status_code == 409
    assert Attempt.objects.count() == 1


def test_expired_attempt_is_closed_and_a_new_one_started(learner_api, ready):
    ready.quiz.time_limit_minutes = 5
    ready.quiz.save()
    first = start(learner_api, ready)
    Attempt.objects.filter(pk=first["id"]).update(
        expires_at=Attempt.objects.get(pk=first["id"]).expires_at - timedelta(minutes=10)
    )
    response = learner_api.post(start_url(ready.quiz.pk))
    assert response.status_code == 201
    assert response.json()["id"] != first["id"]
    closed = Attempt.objects.get(pk=first["id"])
    assert closed.submitted_at is not None
    assert closed.score == 0


def test_quiz_of_an_unassigned_curriculum_is_not_found(api_for, learner_b, module):
    response = api_for(learner_b.user).post(start_url(module.quiz.pk))
    assert response.status_code == 404
    assert not Attempt.objects.exists()


def test_nonexistent_quiz_is_not_found(learner_api, ready):
    assert learner_api.post(start_url(999_999)).status_code == 404


def test_quiz_not_used_by_any_module_is_not_found(learner_api, ready):
    orphan = make_quiz()
    assert learner_api.post(start_url(orphan.pk)).status_code == 404
    assert not Attempt.objects.exists()


# --- Submit ----------------------------------------------------------------------------------


def test_submitting_right_answers_passes_and_completes_the_module(learner_api, learner, ready):
    served = start(learner_api, ready)
    response = learner_api.post(
        submit_url(served["id"]), {"answers": correct_answers(served["questions"])}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= RESULT_KEYS
    assert (body["score"], body["passed"], body["correct_count"], body["total"]) == (
        100,
        True,
        4,
        4,
    )
    assert [q["id"] for q in body["questions"]] == [q["id"] for q in served["questions"]]
    for question in body["questions"]:
        assert set(question) >= RESULT_QUESTION_KEYS
        assert question["correct"] is True
        assert question["explanation"].startswith("<p>Explanation")
    completion = ModuleCompletion.objects.get(person=learner, module=ready.page)
    assert completion.attempt_id == served["id"]


def test_left_out_question_counts_as_wrong(learner_api, learner, ready):
    served = start(learner_api, ready)
    answers = correct_answers(served["questions"])
    left_out = served["questions"][0]["id"]
    del answers[str(left_out)]
    body = learner_api.post(submit_url(served["id"]), {"answers": answers}, format="json").json()
    assert (body["score"], body["passed"], body["correct_count"], body["total"]) == (
        75,
        False,
        3,
        4,
    )
    by_id = {q["id"]: q["correct"] for q in body["questions"]}
    assert by_id[left_out] is False
    assert not ModuleCompletion.objects.exists()


def test_multiple_select_needs_every_right_choice(learner_api, ready):
    served = start(learner_api, ready)
    answers = correct_answers(served["questions"])
    multiple = next(q for q in served["questions"] if q["kind"] == "multiple")
    answers[str(multiple["id"])] = answers[str(multiple["id"])][:1]
    body = learner_api.post(submit_url(served["id"]), {"answers": answers}, format="json").json()
    assert body["correct_count"] == 3
    assert {q["id"]: q["correct"] for q in body["questions"]}[multiple["id"]] is False


def test_empty_answers_are_valid_and_score_zero(learner_api, ready):
    served = start(learner_api, ready)
    response = learner_api.post(submit_url(served["id"]), {"answers": {}}, format="json")
    assert response.status_code == 200
    assert (response.json()["score"], response.json()["passed"]) == (0, False)


def invalid_bodies(served, other_quiz_question):
    """Bodies the contract calls invalid, built from a served attempt."""
    questions = served["questions"]
    single = next(q for q in questions if q["kind"] == "single")
    multiple = next(q for q in questions if q["kind"] == "multiple")
    foreign_choice = multiple["choices"][0]["id"]
    return {
        "list-body": [1, 2],
        "no-answers-key": {"answer": {}},
        "answers-is-a-list": {"answers": [[single["id"], single["choices"][0]["id"]]]},
        "answers-is-a-string": {"answers": "all of them"},
        "answers-is-null": {"answers": None},
        "unknown-question-id": {"answers": {"999999": [single["choices"][0]["id"]]}},
        "question-id-not-a-number": {"answers": {"first": [single["choices"][0]["id"]]}},
        "choice-of-another-question": {"answers": {str(single["id"]): [foreign_choice]}},
        "unknown-choice-id": {"answers": {str(single["id"]): [999_999]}},
        "choice-id-as-string": {"answers": {str(single["id"]): [str(single["choices"][0]["id"])]}},
        "choice-not-a-list": {"answers": {str(single["id"]): single["choices"][0]["id"]}},
        "duplicate-choice": {
            "answers": {str(multiple["id"]): [foreign_choice, foreign_choice]},
        },
        "two-choices-on-single": {
            "answers": {str(single["id"]): [c["id"] for c in single["choices"][:2]]},
        },
        "ids-from-another-quiz": {
            "answers": {str(other_quiz_question["id"]): [other_quiz_question["choices"][0]["id"]]}
        },
        "choice-from-another-quiz": {
            "answers": {str(single["id"]): [other_quiz_question["choices"][0]["id"]]}
        },
    }


INVALID_CASES = [
    "list-body",
    "no-answers-key",
    "answers-is-a-list",
    "answers-is-a-string",
    "answers-is-null",
    "unknown-question-id",
    "question-id-not-a-number",
    "choice-of-another-question",
    "unknown-choice-id",
    "choice-id-as-string",
    "choice-not-a-list",
    "duplicate-choice",
    "two-choices-on-single",
    "ids-from-another-quiz",
    "choice-from-another-quiz",
]


def assert_unchanged(attempt_id: int) -> None:
    attempt = Attempt.objects.get(pk=attempt_id)
    assert attempt.submitted_at is None
    assert attempt.answers is None
    assert (attempt.score, attempt.correct_count, attempt.passed) == (None, None, None)
    assert not ModuleCompletion.objects.exists()


@pytest.mark.parametrize("case", INVALID_CASES)
def test_invalid_submission_is_rejected_with_400_and_stores_nothing(
    learner_api, learner, curriculum, ready, case
):
    other = curriculum.modules[1]
    complete_lessons(learner, other)
    other_served = start(learner_api, other)
    served = start(learner_api, ready)
    body = invalid_bodies(served, other_served["questions"][0])[case]

    response = learner_api.post(submit_url(served["id"]), body, format="json")

    assert response.status_code == 400, response.content
    assert isinstance(response.json(), dict)
    assert_unchanged(served["id"])
    assert_unchanged(other_served["id"])


def test_malformed_json_is_rejected_with_400_and_stores_nothing(learner_api, ready):
    served = start(learner_api, ready)
    response = learner_api.post(
        submit_url(served["id"]), data="{answers: oops", content_type="application/json"
    )
    assert response.status_code == 400
    assert_unchanged(served["id"])


def test_attempt_can_still_be_submitted_after_a_rejected_submission(learner_api, ready):
    served = start(learner_api, ready)
    learner_api.post(submit_url(served["id"]), {"answers": {"999999": [1]}}, format="json")
    response = learner_api.post(
        submit_url(served["id"]), {"answers": correct_answers(served["questions"])}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["passed"] is True


def test_second_submit_is_rejected_and_keeps_first_score(learner_api, ready):
    served = start(learner_api, ready)
    first = learner_api.post(
        submit_url(served["id"]), {"answers": wrong_answers(served["questions"])}, format="json"
    )
    assert first.status_code == 200
    assert first.json()["score"] == 0
    second = learner_api.post(
        submit_url(served["id"]), {"answers": correct_answers(served["questions"])}, format="json"
    )
    assert second.status_code == 409
    attempt = Attempt.objects.get(pk=served["id"])
    assert (attempt.score, attempt.passed) == (0, False)
    assert attempt.answers == wrong_answers(served["questions"])
    assert not ModuleCompletion.objects.exists()


def test_submit_after_the_time_limit_is_a_conflict(learner_api, ready):
    ready.quiz.time_limit_minutes = 5
    ready.quiz.save()
    served = start(learner_api, ready)
    Attempt.objects.filter(pk=served["id"]).update(
        expires_at=Attempt.objects.get(pk=served["id"]).expires_at - timedelta(minutes=10)
    )
    response = learner_api.post(
        submit_url(served["id"]), {"answers": correct_answers(served["questions"])}, format="json"
    )
    assert response.status_code == 409
    assert_unchanged(served["id"])


@pytest.mark.parametrize("whose", ["same-agency", "other-agency"])
def test_another_learners_attempt_is_not_found_and_unchanged(
    api_for, learner_api, learner_a2, learner_b, assignment_b, ready, whose
):
    served = start(learner_api, ready)
    intruder = learner_a2 if whose == "same-agency" else learner_b
    response = api_for(intruder.user).post(
        submit_url(served["id"]), {"answers": correct_answers(served["questions"])}, format="json"
    )
    assert response.status_code == 404
    assert_unchanged(served["id"])


def test_nonexistent_attempt_is_not_found(learner_api, ready):
    response = learner_api.post(submit_url(999_999), {"answers": {}}, format="json")
    assert response.status_code == 404


def test_result_reports_attempts_left(learner_api, ready):
    body = fail(learner_api, ready)
    assert body["attempts_left"] == 2


def test_result_after_recertification_counts_only_this_cycles_attempts(
    learner_api, learner, curriculum
):
    """Cycle 1 took two attempts per module; in cycle 2 the limit counts afresh, as the
    start rule does, so one failed attempt leaves two."""
    for module in curriculum.modules:
        fail_quiz(learner, module)
        pass_module(learner, module)
    Certificate.objects.filter(person=learner).update(expires_at=timezone.now() - timedelta(days=1))
    module = curriculum.modules[0]
    complete_lessons(learner, module)  # the new cycle's lessons
    body = fail(learner_api, module)
    assert body["attempts_left"] == 2
    fail(learner_api, module)  # the start rule agrees: two more starts are allowed
    body = fail(learner_api, module)
    assert body["attempts_left"] == 0
    assert learner_api.post(start_url(module.quiz.pk)).status_code == 409


def test_result_reveals_right_choices_only_once_review_is_allowed(learner_api, ready):
    """Under the default policy a failed attempt with attempts left is a limited review; the
    last attempt used opens the full one, for every attempt."""
    served = start(learner_api, ready)
    body = learner_api.post(
        submit_url(served["id"]), {"answers": wrong_answers(served["questions"])}, format="json"
    ).json()
    assert body["review"] == "limited"
    for question in body["questions"]:
        assert set(question) == {"id", "correct", "lesson_id"}
    for _ in range(2):
        again = start(learner_api, ready)
        last = learner_api.post(
            submit_url(again["id"]), {"answers": wrong_answers(again["questions"])}, format="json"
        ).json()
    assert last["review"] == "full"
    right = correct_answers(again["questions"])
    for question in last["questions"]:
        assert question["correct"] is False
        assert question["correct_choice_ids"] == right[str(question["id"])]


# --- Query counts ----------------------------------------------------------------------------


def test_submit_queries_do_not_grow_with_the_curriculum_or_anyones_progress(
    api_for, learner, agency_a, curriculum
):
    def submit_queries(passing: bool) -> int:
        """A fresh learner of the agency submits module 1's quiz: failing, or passing."""
        person = PersonFactory(agency=agency_a)
        module = curriculum.modules[0]
        complete_lessons(person, module)
        api = api_for(person.user)
        served = start(api, module)
        answers = (correct_answers if passing else wrong_answers)(served["questions"])
        with CaptureQueriesContext(connection) as queries:
            response = api.post(submit_url(served["id"]), {"answers": answers}, format="json")
        assert response.status_code == 200
        assert response.json()["passed"] is passing
        return len(queries)

    small = [submit_queries(False), submit_queries(True)]
    grow(curriculum, learner, modules=3, lessons=4)  # lessons, completions, attempts, certificate
    assert len(curriculum.modules) == 5
    assert [submit_queries(False), submit_queries(True)] == small


def test_start_and_submit_queries_as_a_server_worker_counts_them(
    api_for, agency_a, curriculum, shared_cache_on
):
    """A worker that has served the quiz before keeps what every learner shares (the quiz's
    questions, the module's lessons, the curriculum); a learner it has not seen costs their
    token with account and person in one query, and their curricula in another. A start is at
    most 10 statements (transaction included), a failed submit a fixed number, the same for
    every attempt and whatever the number of questions."""
    for alias in ("default", "memo"):
        caches[alias].clear()
    module = curriculum.modules[0]

    def learner_api():
        person = PersonFactory(agency=agency_a)
        complete_lessons(person, module)
        return api_for(person.user)

    def counted(api, path, body=None):
        with CaptureQueriesContext(connection) as queries:
            response = api.post(path, body, format="json")
        assert response.status_code in (200, 201), response.content
        return response.json(), len(queries)

    def attempt(api):
        served, starting = counted(api, start_url(module.quiz.pk))
        answers = wrong_answers(served["questions"])
        result, submitting = counted(api, submit_url(served["id"]), {"answers": answers})
        assert result["passed"] is False
        return starting, submitting

    attempt(learner_api())  # the worker's first: it reads and keeps what learners share
    api = learner_api()
    first_start, first_submit = attempt(api)
    second_start, second_submit = attempt(api)

    assert first_start <= 10
    assert second_start <= first_start  # the learner is known by now
    assert second_submit == first_submit == SUBMIT_QUERIES
    for _ in range(5):
        add_question(module.quiz, QuestionKind.SINGLE, [True, False, False])
    content_changed()  # as publishing the quiz does
    assert attempt(learner_api())[1] == SUBMIT_QUERIES


@pytest.mark.parametrize("expires", [None, datetime(2026, 5, 1, 9, 30, 15, 123456, tzinfo=UTC)])
def test_served_attempt_is_what_the_declared_fields_give(expires):
    """AttemptSerializer builds its output by hand; the declared fields (the schema) agree."""
    questions = [
        {
            "id": 7,
            "kind": "single",
            "prompt": "<p>Which <script>x</script><b>one</b>?</p>",
            "choices": [{"id": 1, "text": "A & <i>B</i>"}, {"id": 2, "text": "C"}],
        },
        {"id": 8, "kind": "true_false", "prompt": "Sure?", "choices": []},
    ]
    attempt = Attempt(
        pk=41, number=2, questions=questions, started_at=timezone.now(), expires_at=expires
    )
    by_hand = s.AttemptSerializer(attempt).data
    by_fields = serializers.Serializer.to_representation(s.AttemptSerializer(), attempt)
    assert json.dumps(by_hand) == json.dumps(by_fields)
    assert by_hand["questions"][0]["prompt"] == "<p>Which x<b>one</b>?</p>"
