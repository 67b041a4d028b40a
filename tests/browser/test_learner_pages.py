"""The learner's other pages in the browser: the pre-training survey, lesson search, and the
public verification page for a code that does not exist."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser


def test_officer_answers_the_survey_and_searches_the_lessons(new_page, review):
    page = new_page()
    sign_in(page, "officer")
    prompt = page.locator(".survey-prompt")
    expect(prompt).to_contain_text("Before you start: a two-minute survey")
    prompt.get_by_role("link", name=re.compile(r"^Take the survey")).click()
    expect(page.locator(".eyebrow")).to_contain_text("Before the training")
    review(page, "survey-form")

    statements = page.locator(".survey-item fieldset")
    count = statements.count()
    assert count >= 3
    for index in range(count):
        statements.nth(index).get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", level=1, name="My training")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(
        "your before-training survey answers have been recorded"
    )
    expect(page.locator(".survey-prompt")).to_have_count(0)

    search = page.get_by_role("search")
    search.get_by_label("Search your training").press_sequentially("procedural justice")
    search.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1, name="Search your training")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("for “procedural justice”")
    review(page, "search-results")
    first = page.locator(".search-result__title a").first
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    page.goto("/search/?q=zzzqqq")
    expect(page.get_by_role("status")).to_contain_text("No lessons or modules match")
    review(page, "search-no-results")


def test_anyone_checks_a_code_that_matches_no_certificate(new_page, review):
    page = new_page()
    page.goto("/verify/")
    page.get_by_label("Verification code").press_sequentially("ABCD-EFGH-JKLM-NPQR")
    page.get_by_role("button", name=re.compile("Check|Verify")).click()
    expect(page.get_by_role("heading", level=2)).to_have_text("No certificate found")
    review(page, "verify-not-found")
