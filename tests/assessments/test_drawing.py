"""Fresh questions per attempt: the draw prefers questions not served in this cycle, then the
least recently served (assessments.drawing), unit-tested and driven from outside."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from assessments.drawing import draw_questions, last_served
from assessments.models import QuestionKind
from tests.factories import add_question

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _draw(pool, count, served, seed=0):
    return draw_questions(pool, count, key=lambda q: q, served=served, rng=random.Random(seed))


@pytest.mark.parametrize("seed", range(20))
def test_a_pool_of_30_drawing_10_serves_three_attempts_without_a_repeat(seed):
    pool = list(range(1, 31))
    attempts = []
    for number in range(3):
        served = last_served((T0 + timedelta(hours=i), a) for i, a in enumerate(attempts))
        drawn = _draw(pool, 10, served, seed * 10 + number)
        attempts.append([{"id": q} for q in drawn])
    ids = [q["id"] for attempt in attempts for q in attempt]
    assert len(ids) == 30 and len(set(ids)) == 30


def test_when_fresh_questions_run_out_the_least_recently_served_come_next():
    pool = list(range(1, 13))  # 12, drawing 10: the second attempt needs 8 already served
    first = [{"id": q} for q in range(1, 11)]
    served = last_served([(T0, first[:5]), (T0 + timedelta(hours=1), first[5:])])
    drawn = _draw(pool, 10, served)
    assert set(drawn[:2]) == {11, 12}  # the fresh ones first
    assert set(drawn[2:7]) == {1, 2, 3, 4, 5}  # then the five served longest ago
    assert len(set(drawn[7:])) == 3 and set(drawn[7:]) <= {6, 7, 8, 9, 10}  # then any three


def test_last_served_keeps_the_latest_time_of_each_question():
    served = last_served([(T0, [{"id": 1}, {"id": 2}]), (T0 + timedelta(days=1), [{"id": 2}])])
    assert served == {1: T0, 2: T0 + timedelta(days=1)}


def test_a_draw_as_large_as_the_pool_serves_it_all():
    assert sorted(_draw([1, 2, 3], 3, {1: T0})) == [1, 2, 3]
    assert sorted(_draw([1, 2, 3], 5, {})) == [1, 2, 3]


@pytest.fixture
def pool_of_30(module):
    quiz = module.quiz
    for _ in range(26):
        question = add_question(quiz, QuestionKind.SINGLE, [True, False, False])
        question.lesson = module.lessons[0]
        question.save()
    quiz.questions_per_attempt = 10
    quiz.save()
    assert quiz.questions.count() == 30
    return module


@pytest.mark.django_db
def test_failing_twice_through_the_api_never_serves_a_question_again(
    learner, pool_of_30, learner_api
):
    from tests.helpers import complete_lessons, wrong_answers

    complete_lessons(learner, pool_of_30)
    seen = []
    for _ in range(3):
        served = learner_api.post(f"/api/v1/quizzes/{pool_of_30.quiz.pk}/attempts/").json()
        ids = [q["id"] for q in served["questions"]]
        assert len(ids) == 10
        assert not set(ids) & set(seen)
        seen += ids
        result = learner_api.post(
            f"/api/v1/attempts/{served['id']}/submit/",
            {"answers": wrong_answers(served["questions"])},
            format="json",
        ).json()
        assert result["passed"] is False
    assert len(set(seen)) == 30
