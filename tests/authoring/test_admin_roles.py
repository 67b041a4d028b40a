"""The admin as each role: trainers draft and submit, coordinators review and publish through
the "Coordinator review" workflow, command staff and learners stay out of /admin/."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import (
    GroupApprovalTask,
    Workflow,
    WorkflowContentType,
    WorkflowPage,
    WorkflowState,
)
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from assessments.models import Quiz
from authoring.workflow import TASK_NAME, WORKFLOW_NAME, ensure_review_workflow
from courses.models import LessonPage
from lms import roles
from lms.audit import Action
from lms.models import AuditEvent
from tests.admin_forms import page_form, page_workflow_action_url
from tests.factories import PersonFactory
from tests.helpers import client_signed_in_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def command_staff(agency_a, make_command_staff):
    return make_command_staff(agency_a).user


@pytest.fixture
def learner_user(learner, role_groups):
    learner.user.groups.add(role_groups[roles.LEARNER])
    return learner.user


@pytest.fixture
def lesson(curriculum):
    return curriculum.modules[0].lessons[0]


def edit_url(page) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def lesson_edit(client, lesson, text: str, action: str | None = None):
    """Post the lesson editor as a browser would, with `text` as the whole body."""
    data = page_form(client, lesson)
    data.update(
        nested_form_data({"body": streamfield([("rich_text", rich_text(f"<p>{text}</p>"))])})
    )
    if action:
        data[f"action-{action}"] = "1"
    return client.post(edit_url(lesson), data)


def learner_sees(client, lesson) -> str:
    response = client.get(lesson.url)
    assert response.status_code == 200
    return response.content.decode()


# --- The roles' permissions ------------------------------------------------------------------


def test_trainers_author_but_cannot_publish_quizzes(trainer):
    assert trainer.has_perms(
        ["wagtailadmin.access_admin", "assessments.add_quiz", "assessments.change_quiz"]
    )
    assert not trainer.has_perm("assessments.publish_quiz")
    assert not trainer.has_perm("assessments.delete_quiz")


def test_coordinators_publish_quizzes(coordinator):
    assert coordinator.has_perms(["wagtailadmin.access_admin", "assessments.publish_quiz"])


def test_surveys_are_authored_by_trainers_and_published_by_coordinators(trainer, coordinator):
    assert trainer.has_perms(["assessments.add_survey", "assessments.change_survey"])
    assert not trainer.has_perm("assessments.publish_survey")
    assert coordinator.has_perms(["assessments.change_survey", "assessments.publish_survey"])


def test_command_staff_and_learners_have_no_admin_access(command_staff, learner_user):
    for user in (command_staff, learner_user):
        assert not user.has_perm("wagtailadmin.access_admin")


def test_roles_refuse_to_run_with_a_required_permission_missing(role_groups):
    Permission.objects.filter(codename="publish_quiz").delete()
    with pytest.raises(Permission.DoesNotExist):
        roles.ensure_roles()


# --- The workflow ----------------------------------------------------------------------------


def test_review_workflow_is_created_once_and_covers_pages_and_quizzes(home, lesson, role_groups):
    first = ensure_review_workflow(home)
    again = ensure_review_workflow(home)

    assert first.pk == again.pk
    assert Workflow.objects.filter(name=WORKFLOW_NAME).count() == 1
    task = GroupApprovalTask.objects.get(name=TASK_NAME)
    assert list(task.groups.all()) == [Group.objects.get(name=roles.COORDINATOR)]
    assert [t.pk for t in first.tasks] == [task.pk]
    assert WorkflowPage.objects.get(page=home).workflow == first
    assert LessonPage.objects.get(pk=lesson.pk).get_workflow() == first
    assert Quiz.get_default_workflow() == first
    quiz_type = ContentType.objects.get_for_model(Quiz)
    assert WorkflowContentType.objects.get(content_type=quiz_type).workflow == first


def test_review_workflow_is_reactivated_and_keeps_groups_an_administrator_added(home, role_groups):
    workflow = ensure_review_workflow(home)
    workflow.deactivate()
    task = GroupApprovalTask.objects.get(name=TASK_NAME)
    task.groups.add(role_groups[roles.AGENCY_ADMIN])

    ensure_review_workflow(home)

    workflow.refresh_from_db()
    assert workflow.active
    assert WorkflowPage.objects.get(page=home).workflow == workflow
    assert set(task.groups.values_list("name", flat=True)) == {
        roles.COORDINATOR,
        roles.AGENCY_ADMIN,
    }


def test_seeded_site_sends_curriculum_pages_and_quizzes_through_review(db):
    call_command("seed_demo", password="seed-password-for-tests", stdout=StringIO())
    lesson = LessonPage.objects.first()
    trainer = Group.objects.get(name=roles.TRAINER).user_set.get()
    coordinator = Group.objects.get(name=roles.COORDINATOR).user_set.get()

    assert lesson.get_workflow().name == WORKFLOW_NAME
    assert Quiz.get_default_workflow().name == WORKFLOW_NAME
    assert lesson.permissions_for_user(trainer).can_edit()
    assert not lesson.permissions_for_user(trainer).can_publish()
    assert lesson.permissions_for_user(coordinator).can_publish()


# --- Who gets into the admin -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["trainer", "coordinator"])
def test_authors_open_the_admin(request, review_workflow, role):
    client = client_signed_in_as(request.getfixturevalue(role))
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", ["command_staff", "learner_user"])
def test_command_staff_and_learners_are_sent_away_from_the_admin(
    request, review_workflow, lesson, role
):
    client = client_signed_in_as(request.getfixturevalue(role))
    for url in ("/admin/", edit_url(lesson), reverse("wagtailsnippets_assessments_quiz:list")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("wagtailadmin_login")), url


def test_agency_staff_without_a_role_are_sent_away_too(review_workflow, agency_a):
    client = client_signed_in_as(PersonFactory(agency=agency_a).user)
    assert client.get("/admin/").status_code == 302


# --- Pages: trainer drafts and submits, coordinator approves ---------------------------------


def test_trainer_opens_the_lesson_editor_with_submit_and_no_publish(
    trainer, review_workflow, lesson
):
    response = client_signed_in_as(trainer).get(edit_url(lesson))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="action-submit"' in html
    assert "Submit to Coordinator review" in html
    assert 'name="action-publish"' not in html


def test_coordinator_opens_the_lesson_editor_with_publish(coordinator, review_workflow, lesson):
    response = client_signed_in_as(coordinator).get(edit_url(lesson))
    assert response.status_code == 200
    assert 'name="action-publish"' in response.content.decode()


def test_trainer_posting_publish_saves_a_draft_only(trainer, review_workflow, lesson, learner_user):
    response = lesson_edit(
        client_signed_in_as(trainer), lesson, "Rewritten by the trainer", "publish"
    )

    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.has_unpublished_changes
    assert "Rewritten by the trainer" in str(lesson.get_latest_revision_as_object().body)
    assert "Rewritten by the trainer" not in learner_sees(client_signed_in_as(learner_user), lesson)


def test_lesson_edit_reaches_learners_only_after_coordinator_approval(
    trainer, coordinator, review_workflow, lesson, learner_user
):
    trainer_client = client_signed_in_as(trainer)
    learner_client = client_signed_in_as(learner_user)
    assert "Lesson text." in learner_sees(learner_client, lesson)

    response = lesson_edit(trainer_client, lesson, "Slow down and listen first.", "submit")
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.workflow_in_progress
    page = learner_sees(learner_client, lesson)
    assert "Lesson text." in page
    assert "Slow down and listen first." not in page

    # The trainer cannot approve their own submission.
    trainer_client.post(page_workflow_action_url(lesson, "approve"))
    lesson.refresh_from_db()
    assert lesson.workflow_in_progress
    assert "Slow down and listen first." not in learner_sees(learner_client, lesson)

    response = client_signed_in_as(coordinator).post(page_workflow_action_url(lesson, "approve"))
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert not lesson.workflow_in_progress
    assert not lesson.has_unpublished_changes
    page = learner_sees(learner_client, lesson)
    assert "Slow down and listen first." in page
    assert "Lesson text." not in page
    event = AuditEvent.objects.filter(action=Action.CONTENT_PUBLISHED).latest("id")
    assert (event.object_id, event.actor_id) == (str(lesson.pk), coordinator.pk)


def test_changes_requested_by_the_coordinator_leave_the_lesson_as_it_was(
    trainer, coordinator, review_workflow, lesson, learner_user
):
    lesson_edit(client_signed_in_as(trainer), lesson, "A hasty rewrite.", "submit")
    lesson.refresh_from_db()

    response = client_signed_in_as(coordinator).post(
        page_workflow_action_url(lesson, "reject"), {"comment": "Cite the policy."}
    )

    assert response.status_code == 302
    state = WorkflowState.objects.get(object_id=str(lesson.pk))
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert "A hasty rewrite." not in learner_sees(client_signed_in_as(learner_user), lesson)
