"""Authoring in the browser: a trainer edits a lesson in the Wagtail admin and submits it to the
"Coordinator review" workflow; learners keep seeing the published text until a coordinator
approves and publishes the change."""

import pytest
from playwright.sync_api import Page, expect
from wagtail.models import WorkflowState

from courses.models import LessonPage
from tests.browser.steps import PASSWORD, sign_in

pytestmark = pytest.mark.browser

NEW_SUMMARY = "Revised by the training academy: what community policing asks of every officer."


def admin_sign_in(page: Page, username: str) -> None:
    page.goto("/admin/login/")
    page.get_by_label("Username").press_sequentially(username)
    page.get_by_label("Password").press_sequentially(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_trainer_edits_a_lesson_and_a_coordinator_approves_and_publishes_it(new_page):
    lesson = LessonPage.objects.live().order_by("path").first()
    old_summary = lesson.summary
    learner = new_page()
    sign_in(learner, "officer")
    learner.goto(lesson.url)
    expect(learner.locator(".lead")).to_have_text(old_summary)

    # The trainer edits the summary and submits the draft for review.
    trainer = new_page()
    admin_sign_in(trainer, "trainer")
    trainer.goto(f"/admin/pages/{lesson.pk}/edit/")
    summary = trainer.get_by_role("textbox", name="Summary")
    summary.fill("")
    summary.press_sequentially(NEW_SUMMARY, delay=0)
    trainer.get_by_role("button", name="More actions").click()
    expect(trainer.get_by_role("button", name="Publish", exact=True)).to_have_count(0)
    trainer.get_by_role("button", name="Submit to Coordinator review").click()
    expect(trainer.get_by_role("status")).to_contain_text(
        f"Page '{lesson.title}' has been submitted for moderation."
    )

    # Until it is approved, learners read the published text.
    learner.reload()
    expect(learner.locator(".lead")).to_have_text(old_summary)

    # The coordinator finds the submission, approves and publishes it.
    coordinator = new_page()
    admin_sign_in(coordinator, "coordinator")
    review = coordinator.get_by_role("region", name="Awaiting your review")
    review.get_by_role("link", name=lesson.title).click()
    expect(coordinator.get_by_role("textbox", name="Summary")).to_have_value(NEW_SUMMARY)
    coordinator.get_by_role("button", name="More actions").click()
    coordinator.get_by_role("button", name="Approve and Publish", exact=True).click()
    expect(coordinator.get_by_role("status")).to_contain_text(
        f"Page '{lesson.title}' has been updated."
    )
    expect(coordinator.get_by_role("row", name=lesson.title)).to_contain_text(
        "Current page status: live"
    )
    expect(coordinator.get_by_role("row", name=lesson.title)).not_to_contain_text("moderation")

    learner.reload()
    expect(learner.locator(".lead")).to_have_text(NEW_SUMMARY)
    state = WorkflowState.objects.for_instance(lesson).get()
    assert state.status == WorkflowState.STATUS_APPROVED
    assert state.requested_by.username == "trainer"
    assert state.current_task_state.finished_by.username == "coordinator"
