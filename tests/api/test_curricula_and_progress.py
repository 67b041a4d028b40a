"""GET /api/v1/curricula/ and GET /api/v1/me/progress/: shapes, scoping and query counts."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    CurriculumPageFactory,
    LessonPageFactory,
    ModulePageFactory,
    PersonFactory,
    UnitFactory,
    add_module,
    make_curriculum,
)
from tests.helpers import complete_lessons, fail_quiz, grow, pass_module, start_quiz, submit
from tests.helpers import correct_answers as right_answers

CURRICULA_URL = "/api/v1/curricula/"
PROGRESS_URL = "/api/v1/me/progress/"

CURRICULUM_KEYS = {"id", "title", "slug", "modules"}
MODULE_KEYS = {"id", "number", "title", "lessons", "quiz"}
LESSON_KEYS = {"id", "title"}
QUIZ_KEYS = {"id", "pass_mark", "max_attempts"}
PROGRESS_CURRICULUM_KEYS = {"id", "percent_complete", "completed_at", "due_date", "modules"}
PROGRESS_MODULE_KEYS = {
    "id",
    "lessons_completed",
    "lessons_total",
    "quiz_passed",
    "best_score",
    "completed_at",
}


def is_iso_with_zone(value: str) -> bool:
    return datetime.fromisoformat(value).tzinfo is not None


# --- Curricula -------------------------------------------------------------------------------


def test_curricula_list_has_the_contract_shape(learner_api, curriculum):
    response = learner_api.get(CURRICULA_URL)
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    assert len(body) == 1
    item = body[0]
    assert set(item) == CURRICULUM_KEYS
    assert item["id"] == curriculum.page.pk
    assert item["title"] == curriculum.page.title
    assert item["slug"] == curriculum.page.slug
    assert len(item["modules"]) == 2
    for served, module in zip(item["modules"], curriculum.modules, strict=True):
        assert set(served) == MODULE_KEYS
        assert served["id"] == module.page.pk
        assert served["number"] == module.page.number
        assert served["title"] == module.page.title
        assert [set(lesson) for lesson in served["lessons"]] == [LESSON_KEYS, LESSON_KEYS]
        assert served["lessons"] == [{"id": x.pk, "title": x.title} for x in module.lessons]
        assert set(served["quiz"]) == QUIZ_KEYS
        assert served["quiz"] == {"id": module.quiz.pk, "pass_mark": 80, "max_attempts": 3}


def test_curricula_list_orders_modules_by_number_and_shows_null_quiz(learner_api, curriculum):
    extra = add_module(curriculum, lessons=1, with_quiz=False)
    modules = learner_api.get(CURRICULA_URL).json()[0]["modules"]
    assert [m["number"] for m in modules] == [1, 2, 3]
    assert modules[2]["id"] == extra.page.pk
    assert modules[2]["quiz"] is None


def test_curricula_list_leaves_out_drafts(learner_api, curriculum, home, assignment):
    LessonPageFactory(parent=curriculum.modules[0].page, live=False)
    ModulePageFactory(parent=curriculum.page, number=9, live=False)
    hidden = CurriculumPageFactory(parent=home, live=False)
    AssignmentFactory(curriculum=hidden, agency=assignment.agency)
    body = learner_api.get(CURRICULA_URL).json()
    assert [c["id"] for c in body] == [curriculum.page.pk]
    assert [len(m["lessons"]) for m in body[0]["modules"]] == [2, 2]


def test_agency_b_does_not_see_a_curriculum_assigned_only_to_agency_a(
    api_for, learner_b, assignment
):
    response = api_for(learner_b.user).get(CURRICULA_URL)
    assert response.status_code == 200
    assert response.json() == []
    progress = api_for(learner_b.user).get(PROGRESS_URL)
    assert progress.json() == {"curricula": []}


def test_agency_b_sees_the_curriculum_once_it_is_assigned_to_b(
    api_for, learner_b, curriculum, assignment_b
):
    body = api_for(learner_b.user).get(CURRICULA_URL).json()
    assert [c["id"] for c in body] == [curriculum.page.pk]


def test_unit_and_personal_assignments_reach_only_their_people(api_for, home):
    agency_a = AgencyFactory()
    unit = UnitFactory(agency=agency_a)
    in_unit = PersonFactory(agency=agency_a, unit=unit)
    chosen = PersonFactory(agency=agency_a)
    bystander = PersonFactory(agency=agency_a)
    unit_course = make_curriculum(home, modules=1, lessons=1)
    personal_course = make_curriculum(home, modules=1, lessons=1)
    AssignmentFactory(curriculum=unit_course.page, unit=unit)
    AssignmentFactory(curriculum=personal_course.page, person=chosen)

    def seen(person):
        return [c["id"] for c in api_for(person.user).get(CURRICULA_URL).json()]

    assert seen(in_unit) == [unit_course.page.pk]
    assert seen(chosen) == [personal_course.page.pk]
    assert seen(bystander) == []


def test_the_quiz_a_learner_may_start_follows_the_same_reach(api_for, home):
    """A quiz start looks the reach up by a statement compiled once per shape
    (courses.progress.selectors.visible_curriculum_ids): each learner's own ids go in it."""
    agency = AgencyFactory()
    unit = UnitFactory(agency=agency)
    course = {kind: make_curriculum(home, modules=1, lessons=1) for kind in ("unit", "person")}
    in_unit, chosen, bystander = (PersonFactory(agency=agency, unit=unit) for _ in range(3))
    AssignmentFactory(curriculum=course["unit"].page, unit=UnitFactory(agency=agency))
    AssignmentFactory(curriculum=course["unit"].page, unit=unit)
    AssignmentFactory(curriculum=course["person"].page, person=chosen)
    draft = make_curriculum(home, modules=1, lessons=1)
    AssignmentFactory(curriculum=draft.page, unit=unit)
    draft.page.unpublish()

    def starts(person) -> dict[str, int]:
        for bundle in course.values():  # read, so that only the reach decides
            complete_lessons(person, bundle.modules[0])
        client = api_for(person.user)
        return {
            name: client.post(f"/api/v1/quizzes/{bundle.modules[0].quiz.pk}/attempts/").status_code
            for name, bundle in (*course.items(), ("draft", draft))
        }

    assert starts(in_unit) == {"unit": 201, "person": 404, "draft": 404}
    assert starts(chosen) == {"unit": 201, "person": 201, "draft": 404}
    bystander.unit = None
    bystander.save()
    assert starts(bystander) == {"unit": 404, "person": 404, "draft": 404}


# --- Progress --------------------------------------------------------------------------------


def test_progress_has_the_contract_shape_before_any_work(learner_api, curriculum, assignment):
    response = learner_api.get(PROGRESS_URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"curricula"}
    [item] = body["curricula"]
    assert set(item) == PROGRESS_CURRICULUM_KEYS
    assert item["id"] == curriculum.page.pk
    assert item["percent_complete"] == 0
    assert item["completed_at"] is None
    assert item["due_date"] == assignment.due_date.isoformat()
    assert [m["id"] for m in item["modules"]] == [m.page.pk for m in curriculum.modules]
    for module in item["modules"]:
        assert set(module) == PROGRESS_MODULE_KEYS
        assert module == {
            "id": module["id"],
            "lessons_completed": 0,
            "lessons_total": 2,
            "quiz_passed": False,
            "best_score": None,
            "completed_at": None,
        }


def test_progress_counts_lessons_attempts_and_module_completion(learner_api, learner, curriculum):
    first, second = curriculum.modules
    failed = fail_quiz(learner, first)
    retry = start_quiz(learner, first)
    submit(learner, first, retry, right_answers(retry.questions))
    complete_lessons(learner, second)
    [item] = learner_api.get(PROGRESS_URL).json()["curricula"]
    one, two = item["modules"]
    assert failed.score == 0
    assert one["lessons_completed"] == 2
    assert one["quiz_passed"] is True
    assert one["best_score"] == 100
    assert is_iso_with_zone(one["completed_at"])
    assert two["lessons_completed"] == 2
    assert two["quiz_passed"] is False
    assert two["best_score"] is None
    assert two["completed_at"] is None
    # 6 steps (2 lessons and a quiz per module), 5 done.
    assert item["percent_complete"] == 83
    assert item["completed_at"] is None


def test_progress_reports_best_score_of_failed_attempts(learner_api, learner, module):
    complete_lessons(learner, module)
    attempt = start_quiz(learner, module)
    answers = right_answers(attempt.questions)
    answers.pop(next(iter(answers)))
    submit(learner, module, attempt, answers)
    one = learner_api.get(PROGRESS_URL).json()["curricula"][0]["modules"][0]
    assert (one["quiz_passed"], one["best_score"], one["completed_at"]) == (False, 75, None)


def test_progress_is_100_with_completion_time_when_every_module_is_done(learner_api, certificate):
    [item] = learner_api.get(PROGRESS_URL).json()["curricula"]
    assert item["percent_complete"] == 100
    assert is_iso_with_zone(item["completed_at"])
    assert all(m["completed_at"] for m in item["modules"])


def test_progress_due_date_comes_from_the_most_specific_assignment(
    learner_api, learner, curriculum, assignment
):
    personal = AssignmentFactory(
        curriculum=curriculum.page, person=learner, due_date=assignment.due_date - timedelta(days=7)
    )
    [item] = learner_api.get(PROGRESS_URL).json()["curricula"]
    assert item["due_date"] == personal.due_date.isoformat()


def test_progress_is_scoped_to_the_caller(api_for, learner, learner_a2, curriculum):
    pass_module(learner, curriculum.modules[0])
    [item] = api_for(learner_a2.user).get(PROGRESS_URL).json()["curricula"]
    assert item["percent_complete"] == 0
    assert all(m["lessons_completed"] == 0 for m in item["modules"])


# --- Query counts ----------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [CURRICULA_URL, PROGRESS_URL])
def test_query_count_does_not_grow_with_modules_lessons_or_completions(
    learner_api, learner, curriculum, url, django_assert_max_num_queries
):
    learner_api.get(url)  # warm caches (content types, site)
    with django_assert_max_num_queries(12):
        small = count_queries(learner_api, url)

    grow(curriculum, learner, modules=4, lessons=3)
    body = learner_api.get(url).json()
    modules = body[0]["modules"] if url == CURRICULA_URL else body["curricula"][0]["modules"]
    assert len(modules) == 6
    with django_assert_max_num_queries(12):
        large = count_queries(learner_api, url)
    assert large == small


@pytest.mark.parametrize("url", [CURRICULA_URL, PROGRESS_URL])
def test_query_count_does_not_grow_with_the_number_of_curricula(
    learner_api, home, curriculum, assignment, url
):
    learner_api.get(url)
    small = count_queries(learner_api, url)
    for _ in range(3):
        extra = make_curriculum(home, modules=2, lessons=2)
        AssignmentFactory(curriculum=extra.page, agency=assignment.agency)
    body = learner_api.get(url).json()
    assert len(body if url == CURRICULA_URL else body["curricula"]) == 4
    assert count_queries(learner_api, url) == small
