"""POST /api/v1/lessons/{id}/complete/."""

from courses.models import LessonProgress, ModuleCompletion
from tests.factories import LessonPageFactory, add_module


def url(lesson_id: int) -> str:
    return f"/api/v1/lessons/{lesson_id}/complete/"


def test_completing_a_lesson_answers_201_then_200_with_the_first_time(learner_api, learner, module):
    lesson = module.lessons[0]
    first = learner_api.post(url(lesson.pk))
    assert first.status_code == 201
    assert first.json()["lesson"] == lesson.pk
    completed_at = first.json()["completed_at"]

    again = learner_api.post(url(lesson.pk))
    assert again.status_code == 200
    assert again.json()["completed_at"] == completed_at
    assert LessonProgress.objects.filter(person=learner, lesson=lesson).count() == 1


def test_completed_lesson_shows_in_progress(learner_api, module):
    learner_api.post(url(module.lessons[0].pk))
    modules = learner_api.get("/api/v1/me/progress/").json()["curricula"][0]["modules"]
    assert modules[0]["lessons_completed"] == 1


def test_lesson_of_an_unassigned_curriculum_is_not_found(api_for, learner_b, module):
    response = api_for(learner_b.user).post(url(module.lessons[0].pk))
    assert response.status_code == 404
    assert not LessonProgress.objects.exists()


def test_lesson_becomes_completable_when_the_curriculum_is_assigned(
    api_for, learner_b, module, assignment_b
):
    assert api_for(learner_b.user).post(url(module.lessons[0].pk)).status_code == 201


def test_nonexistent_lesson_is_not_found(learner_api, curriculum):
    assert learner_api.post(url(999_999)).status_code == 404
    assert not LessonProgress.objects.exists()


def test_page_that_is_not_a_lesson_is_not_found(learner_api, curriculum):
    assert learner_api.post(url(curriculum.modules[0].page.pk)).status_code == 404
    assert learner_api.post(url(curriculum.page.pk)).status_code == 404
    assert not LessonProgress.objects.exists()


def test_draft_lesson_is_not_found(learner_api, module):
    draft = LessonPageFactory(parent=module.page, live=False)
    assert learner_api.post(url(draft.pk)).status_code == 404
    assert not LessonProgress.objects.exists()


def test_lesson_complete_only_accepts_post(learner_api, module):
    assert learner_api.get(url(module.lessons[0].pk)).status_code == 405
    assert not LessonProgress.objects.exists()


def test_last_lesson_of_a_module_without_quiz_completes_it(learner_api, learner, curriculum):
    quizless = add_module(curriculum, lessons=2, with_quiz=False)
    for lesson in quizless.lessons:
        learner_api.post(url(lesson.pk))
    assert ModuleCompletion.objects.filter(person=learner, module=quizless.page).exists()
    modules = learner_api.get("/api/v1/me/progress/").json()["curricula"][0]["modules"]
    assert modules[2]["completed_at"] is not None
