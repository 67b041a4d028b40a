"""Quizzes through the Wagtail admin: the authoring rules on the real (nested) editor form,
publishing only through the Coordinator review workflow, and learners served only what is
published, with past attempts untouched by later edits."""

import pytest
from django.urls import reverse
from wagtail.log_actions import registry as log_registry
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from assessments.models import Attempt, Question, Quiz
from assessments.review import QuizStanding
from assessments.selectors import attempt_review
from courses.models import ModuleCompletion
from lms.audit import Action
from lms.models import AuditEvent
from tests.admin_forms import form_errors, quiz_form, quiz_url, quiz_workflow_action_url
from tests.helpers import (
    client_signed_in_as,
    complete_lessons,
    correct_answers,
    pass_module,
    start_quiz,
    submit,
)

pytestmark = pytest.mark.django_db

PASSED = QuizStanding(attempts_left=2, passed=True, open_attempt=False)


@pytest.fixture
def trainer_client(trainer, review_workflow):
    return client_signed_in_as(trainer)


@pytest.fixture
def coordinator_client(coordinator, review_workflow):
    return client_signed_in_as(coordinator)


@pytest.fixture
def quiz(module):
    """The first module's quiz (single, multiple, true/false, scenario), published once."""
    quiz = module.quiz
    quiz.save_revision().publish()
    quiz.refresh_from_db()
    return quiz


def edit(client, quiz, data, action=None):
    if action:
        data[f"action-{action}"] = "1"
    return client.post(quiz_url("edit", quiz.pk), data)


def live_prompts(quiz) -> list[str]:
    return list(
        Question.objects.filter(quiz=quiz).order_by("sort_order").values_list("prompt", flat=True)
    )


# --- The authoring rules, posted through the editor as a trainer ------------------------------


def test_trainer_edits_a_quiz_with_submit_for_review_and_no_publish(trainer_client, quiz):
    response = trainer_client.get(quiz_url("edit", quiz.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="action-submit"' in html
    assert "Submit to Coordinator review" in html
    assert 'name="action-publish"' not in html


def _tick(key):
    def change(data):
        data[key] = "on"

    return change


def _untick(*keys):
    def change(data):
        for key in keys:
            data.pop(key, None)

    return change


def _set(key, value):
    def change(data):
        data[key] = value

    return change


# make_quiz: q0 single [T, F, F], q1 multiple [T, T, F], q2 true/false [True*, False],
# q3 scenario [F, T].
INVALID_EDITS = {
    "single choice with two right answers": (
        _tick("questions-0-choices-1-is_correct"),
        "Question 1: A single choice question needs exactly one correct choice.",
    ),
    "multiple select with no right answer": (
        _untick("questions-1-choices-0-is_correct", "questions-1-choices-1-is_correct"),
        "Question 2: A multiple-select question needs at least one correct choice.",
    ),
    "true/false with both right": (
        _tick("questions-2-choices-1-is_correct"),
        "Question 3: A true / false question needs exactly one correct choice.",
    ),
    "true/false with other wording": (
        _set("questions-2-choices-0-text", "Yes"),
        'Question 3: A true / false question has exactly the choices "True" and "False".',
    ),
    "scenario with no right answer": (
        _untick("questions-3-choices-1-is_correct"),
        "Question 4: A scenario (one best answer) question needs exactly one correct choice.",
    ),
    "a single choice left": (
        _set("questions-3-choices-0-DELETE", "1"),
        "Question 4: A question needs at least two choices.",
    ),
    "pass mark above 100": (
        _set("pass_mark", "101"),
        "The pass mark is a percentage: enter a number from 0 to 100.",
    ),
    "negative pass mark": (
        _set("pass_mark", "-5"),
        "The pass mark is a percentage: enter a number from 0 to 100.",
    ),
    "no attempts allowed": (_set("max_attempts", "0"), "Allow at least one attempt."),
    "draw larger than the pool": (
        _set("questions_per_attempt", "5"),
        "Cannot draw 5 questions per attempt from a pool of 4",
    ),
    "draw of zero": (
        _set("questions_per_attempt", "0"),
        "Draw at least one question, or leave this empty to serve the whole pool.",
    ),
}


@pytest.mark.parametrize("case", INVALID_EDITS.keys())
def test_rule_breaking_draft_is_refused_with_a_clear_message(trainer_client, quiz, case):
    change, message = INVALID_EDITS[case]
    revisions = quiz.revisions.count()
    data = quiz_form(trainer_client, quiz)
    change(data)

    response = edit(trainer_client, quiz, data)

    assert response.status_code == 200
    assert any(message in error for error in form_errors(response)), form_errors(response)
    assert quiz.revisions.count() == revisions
    quiz.refresh_from_db()
    assert not quiz.has_unpublished_changes


def test_deleting_questions_below_the_draw_is_refused(trainer_client, quiz):
    data = quiz_form(trainer_client, quiz)
    data["questions_per_attempt"] = "4"
    data["questions-3-DELETE"] = "1"
    response = edit(trainer_client, quiz, data)
    assert response.status_code == 200
    assert any("from a pool of 3" in error for error in form_errors(response))


def test_rule_breaking_submission_is_refused_and_starts_no_review(trainer_client, quiz):
    data = quiz_form(trainer_client, quiz)
    data["questions-0-choices-2-is_correct"] = "on"
    response = edit(trainer_client, quiz, data, action="submit")
    assert response.status_code == 200
    message = "Question 1: A single choice question needs exactly one correct choice."
    assert any(message in error for error in form_errors(response))
    assert not WorkflowState.objects.filter(object_id=str(quiz.pk)).exists()


def test_growing_the_pool_lets_the_draw_grow_with_it(trainer_client, quiz):
    data = quiz_form(trainer_client, quiz)
    data.update(
        nested_form_data(
            {
                "questions-4": {
                    "kind": "true_false",
                    "lesson": str(quiz.questions.first().lesson_id),
                    "level": "recall",
                    "prompt": "<p>Officers may record in public.</p>",
                    "explanation": "<p>Yes, within policy.</p>",
                    "ORDER": "5",
                    "DELETE": "",
                    "id": "",
                    "choices": inline_formset(
                        [{"text": "True", "is_correct": "on"}, {"text": "False"}], min=2
                    ),
                }
            }
        )
    )
    data["questions-TOTAL_FORMS"] = "5"
    data["questions_per_attempt"] = "5"

    response = edit(trainer_client, quiz, data)

    assert response.status_code == 302, form_errors(response)
    draft = Quiz.objects.get(pk=quiz.pk).get_latest_revision_as_object()
    assert draft.questions_per_attempt == 5
    assert len(draft.questions.all()) == 5


def quiz_create_data(lesson, **overrides) -> dict:
    question = {
        "kind": "single",
        "lesson": str(lesson.pk),
        "level": "application",
        "prompt": "<p>What comes first at a scene?</p>",
        "explanation": "<p>Safety first.</p>",
        "choices": inline_formset(
            [{"text": "Safety", "is_correct": "on"}, {"text": "Paperwork"}], min=2
        ),
    }
    data = {
        "title": "De-escalation check",
        "pass_mark": "80",
        "max_attempts": "3",
        "cooldown_minutes": "0",
        "time_limit_minutes": "",
        "questions_per_attempt": "",
        "shuffle": "on",
        "review_policy": "after_pass_or_last",
        "questions": inline_formset([question], min=1),
    }
    data.update(overrides)
    return nested_form_data(data)


def test_trainer_creates_a_quiz_and_submits_it_for_review(trainer_client, trainer, module):
    data = quiz_create_data(module.lessons[0])
    data["action-submit"] = "1"
    response = trainer_client.post(quiz_url("add"), data)

    assert response.status_code == 302
    quiz = Quiz.objects.get(title="De-escalation check")
    assert quiz.live is False
    assert quiz.workflow_in_progress
    assert quiz.current_workflow_state.requested_by == trainer
    assert quiz.questions.get().choices.filter(is_correct=True).count() == 1


def test_creating_a_rule_breaking_quiz_is_refused(trainer_client, module):
    data = quiz_create_data(module.lessons[0])
    data["questions-0-choices-1-is_correct"] = "on"
    response = trainer_client.post(quiz_url("add"), data)
    assert response.status_code == 200
    assert any("Question 1: A single choice" in e for e in form_errors(response))
    assert not Quiz.objects.filter(title="De-escalation check").exists()


# --- Publishing: coordinators only, through the workflow ---------------------------------------


def test_trainer_posting_publish_only_saves_a_draft(trainer_client, quiz):
    live_revision = quiz.live_revision_id
    before = live_prompts(quiz)
    data = quiz_form(trainer_client, quiz)
    data["questions-0-prompt"] = "<p>Rewritten by the trainer</p>"

    response = edit(trainer_client, quiz, data, action="publish")

    assert response.status_code == 302
    quiz.refresh_from_db()
    assert quiz.live_revision_id == live_revision
    assert quiz.has_unpublished_changes
    assert live_prompts(quiz) == before


def test_trainer_cannot_approve_a_submission(trainer_client, quiz):
    data = quiz_form(trainer_client, quiz)
    data["title"] = "Renamed"
    edit(trainer_client, quiz, data, action="submit")
    quiz.refresh_from_db()
    assert quiz.workflow_in_progress

    response = trainer_client.post(quiz_workflow_action_url(quiz, "approve"))

    assert response.status_code == 302
    quiz.refresh_from_db()
    assert quiz.workflow_in_progress
    assert quiz.title != "Renamed"


def test_submitted_quiz_is_locked_to_its_trainer_while_in_review(trainer_client, quiz):
    data = quiz_form(trainer_client, quiz)
    edit(trainer_client, quiz, data, action="submit")
    revisions = quiz.revisions.count()

    data["title"] = "Changed during review"
    response = edit(trainer_client, quiz, data)

    assert response.status_code == 200
    assert "could not be saved as it is locked" in response.content.decode()
    assert quiz.revisions.count() == revisions


def test_coordinator_can_publish_directly(coordinator_client, quiz):
    response = coordinator_client.get(quiz_url("edit", quiz.pk))
    assert 'name="action-publish"' in response.content.decode()
    data = quiz_form(coordinator_client, quiz)
    data["title"] = "Published by the coordinator"
    response = edit(coordinator_client, quiz, data, action="publish")
    assert response.status_code == 302
    quiz.refresh_from_db()
    assert quiz.title == "Published by the coordinator"
    assert not quiz.has_unpublished_changes


# --- Learners get the published quiz; history stays as it was ----------------------------------


def served_prompts(attempt) -> dict[int, str]:
    return {q["id"]: q["prompt"] for q in attempt.questions}


def test_trainer_draft_reaches_learners_only_after_coordinator_approval(
    trainer_client, coordinator_client, trainer, coordinator, quiz, module, learner
):
    old_revision = quiz.live_revision_id
    first_question = quiz.questions.order_by("sort_order").first()
    data = quiz_form(trainer_client, quiz)
    data["questions-0-prompt"] = "<p>Which step comes first?</p>"
    data.pop("shuffle")  # and serve the questions in authoring order from now on
    assert edit(trainer_client, quiz, data, action="submit").status_code == 302
    quiz.refresh_from_db()
    assert quiz.workflow_in_progress
    assert quiz.shuffle is True

    complete_lessons(learner, module)
    first = start_quiz(learner, module)
    assert first.quiz_revision_id == old_revision
    assert served_prompts(first)[first_question.pk] == first_question.prompt
    submit(learner, module, first, {})  # fails: the learner tries again later

    response = coordinator_client.post(quiz_workflow_action_url(quiz, "approve"))
    assert response.status_code == 302
    quiz.refresh_from_db()
    assert not quiz.workflow_in_progress
    assert quiz.live_revision_id != old_revision
    assert quiz.live_revision.user == trainer  # the trainer's submitted revision ...
    published = log_registry.get_logs_for_instance(quiz).filter(action="wagtail.publish")
    assert published.first().user == coordinator  # ... published by the coordinator
    event = AuditEvent.objects.filter(action=Action.CONTENT_PUBLISHED).latest("id")
    assert (event.object_type, event.object_id) == ("assessments.quiz", str(quiz.pk))
    assert event.actor_id == coordinator.pk
    assert quiz.shuffle is False

    second = start_quiz(learner, module)
    assert second.quiz_revision_id == quiz.live_revision_id
    assert second.questions[0]["id"] == first_question.pk
    assert second.questions[0]["prompt"] == "<p>Which step comes first?</p>"
    first.refresh_from_db()
    assert served_prompts(first)[first_question.pk] == first_question.prompt


def test_published_change_leaves_past_attempts_and_completions_as_they_were(
    coordinator_client, quiz, module, learner
):
    attempt = pass_module(learner, module)
    served_revision = quiz.live_revision_id
    assert attempt.quiz_revision_id == served_revision
    review_before = attempt_review(attempt, standing=PASSED, policy=quiz.review_policy)
    snapshot_before = attempt.questions

    # Every right answer made wrong, the first prompt and a choice reworded, a question removed.
    data = quiz_form(coordinator_client, quiz)
    for key in ("0-choices-0", "1-choices-0", "1-choices-1", "2-choices-0"):
        data.pop(f"questions-{key}-is_correct")
    for key in ("0-choices-1", "1-choices-2", "2-choices-1"):
        data[f"questions-{key}-is_correct"] = "on"
    data["questions-0-prompt"] = "<p>Reworded</p>"
    data["questions-0-choices-0-text"] = "Reworded choice"
    data["questions-3-DELETE"] = "1"
    response = edit(coordinator_client, quiz, data, action="publish")
    assert response.status_code == 302, form_errors(response)
    quiz.refresh_from_db()
    assert quiz.live_revision_id != served_revision
    assert live_prompts(quiz)[0] == "<p>Reworded</p>"

    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.questions == snapshot_before
    assert (stored.score, stored.passed, stored.correct_count) == (100, True, 4)
    assert stored.quiz_revision_id == served_revision
    assert attempt_review(stored, standing=PASSED, policy=quiz.review_policy) == review_before
    assert ModuleCompletion.objects.get(person=learner, module=module.page).attempt_id == attempt.pk
    assert correct_answers(stored.questions) != stored.answers  # the live pool has changed

    learner_client = client_signed_in_as(learner.user)
    page = learner_client.get(reverse("attempt-result", args=[attempt.pk])).content.decode()
    assert "Reworded" not in page
    assert "which option applies?" in page


# --- Each question names a lesson of the quiz's module ----------------------------------------


def test_a_question_without_a_lesson_is_refused(trainer_client, quiz):
    data = quiz_form(trainer_client, quiz)
    data["questions-0-lesson"] = ""
    before = quiz.latest_revision_id

    response = edit(trainer_client, quiz, data)

    assert response.status_code == 200
    assert any("Question 1: choose the lesson that teaches it" in e for e in form_errors(response))
    assert Quiz.objects.get(pk=quiz.pk).latest_revision_id == before


def test_a_lesson_of_another_module_is_refused(trainer_client, quiz, curriculum):
    other_lesson = curriculum.modules[1].lessons[0]
    data = quiz_form(trainer_client, quiz)
    data["questions-1-lesson"] = str(other_lesson.pk)
    before = quiz.latest_revision_id

    response = edit(trainer_client, quiz, data)

    assert response.status_code == 200
    message = f"Question 2: “{other_lesson.title}” is not a lesson of this quiz's module"
    assert any(message in e for e in form_errors(response))
    assert Quiz.objects.get(pk=quiz.pk).latest_revision_id == before


def test_the_editor_saves_lesson_level_feedback_and_review_policy(trainer_client, quiz, module):
    data = quiz_form(trainer_client, quiz)
    data["questions-0-lesson"] = str(module.lessons[1].pk)
    data["questions-0-level"] = "application"
    data["questions-0-choices-1-feedback"] = "Paperwork waits until the scene is safe."
    data["review_policy"] = "never"

    response = edit(trainer_client, quiz, data)

    assert response.status_code == 302, form_errors(response)
    draft = Quiz.objects.get(pk=quiz.pk).get_latest_revision_as_object()
    assert draft.review_policy == "never"
    first = min(draft.questions.all(), key=lambda q: q.sort_order)
    assert (first.lesson_id, first.level) == (module.lessons[1].pk, "application")
    feedback = [c.feedback for c in first.choices.all()]
    assert "Paperwork waits until the scene is safe." in feedback
