"""The Content-Security-Policy blocks nothing the site itself needs: Chromium reports no
violation on learner, public and oversight pages, nor in the Wagtail page editor."""

import pytest
from playwright.sync_api import Page, expect

from courses.models import LessonPage
from lms.models import Person
from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser


def watch_violations(page: Page) -> list[str]:
    """Console messages in which Chromium reports a refused script, style or image."""
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


def test_site_pages_run_under_the_strict_policy(site, new_page):
    page = new_page()
    violations = watch_violations(page)
    sign_in(page, "command")
    officer = Person.objects.get(user__username="officer")
    for path in ("/training/", "/oversight/", f"/oversight/people/{officer.pk}/", "/verify/"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()

    assert violations == []


def test_wagtail_page_editor_runs_under_the_admin_policy(site, new_page):
    page = new_page()
    violations = watch_violations(page)
    sign_in(page, "trainer")
    lesson = LessonPage.objects.live().first()

    page.goto(f"/admin/pages/{lesson.pk}/edit/")

    expect(page.locator(".Draftail-Editor").first).to_be_visible()
    assert violations == []
