"""An officer in the browser: reads a module, fails and then passes its quiz by keyboard alone;
finishes the curriculum, downloads the certificate and checks it on the public page."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from assessments.models import Attempt
from courses.models import Certificate, CurriculumPage
from lms.models import Person
from tests.browser.steps import focused, follow, named, pdf_text, press, sign_in, tab_to
from tests.factories import load_curriculum_bundle
from tests.helpers import complete_lessons, correct_answers, pass_module, wrong_answers

pytestmark = pytest.mark.browser

_QUESTIONS = """() => [...document.querySelectorAll(".question fieldset")].map((fieldset) => {
  const inputs = [...fieldset.querySelectorAll("input")];
  return {name: inputs[0].name, type: inputs[0].type, values: inputs.map((i) => i.value)};
})"""


def served_attempt(page: Page) -> Attempt:
    """The attempt whose questions the page shows (its id is in the address)."""
    attempt_id = re.search(r"/training/attempts/(\d+)/", page.url).group(1)
    return Attempt.objects.get(pk=attempt_id)


def answer_by_keyboard(page: Page, answers: dict[str, list[int]]) -> None:
    """Answer every question with the keyboard, from wherever the focus is, and submit.

    A radio group is one Tab stop: Tab enters it on its first option, the arrow keys move to
    (and select) another, Space selects the focused one. Each checkbox is a Tab stop of its
    own, toggled with Space. Enter on "Submit answers" submits."""
    for index, question in enumerate(page.evaluate(_QUESTIONS)):
        wanted = {str(choice) for choice in answers[question["name"].removeprefix("q")]}
        first = tab_to(
            page,
            lambda element, q=question: element["name"] == q["name"],
            limit=80 if index == 0 else 6,  # past the header first; then straight on
        )
        assert first["value"] == question["values"][0], "Tab enters a question on its first choice"
        if question["type"] == "radio":
            [target] = wanted
            for _ in range(question["values"].index(target)):
                press(page, "ArrowDown")
            chosen = press(page, "Space")
            assert chosen["value"] == target and chosen["checked"]
            continue
        for position, value in enumerate(question["values"]):
            element = focused(page) if position == 0 else press(page, "Tab")
            assert (element["name"], element["value"]) == (question["name"], value)
            if value in wanted:
                assert press(page, "Space")["checked"]
    tab_to(page, named("Submit answers"), limit=6)
    follow(page)


def test_officer_reads_a_module_then_fails_and_passes_its_quiz_by_keyboard(new_page, review):
    page = new_page()
    page.goto("/")
    review(page, "home")
    page.get_by_role("link", name="Sign in to start").click()
    review(page, "login")
    sign_in(page, "officer", navigate=False)
    review(page, "my-training")

    title = CurriculumPage.objects.get().title
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    review(page, "curriculum")
    page.get_by_role("link", name="Module 1: Understanding Community Policing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Understanding Community Policing")
    expect(
        page.get_by_text("The quiz unlocks when you have completed all 4 lessons")
    ).to_be_visible()
    review(page, "module")

    # Read every lesson in order.
    page.get_by_role("link", name=re.compile(r"^Start: ")).click()
    review(page, "lesson")
    titles = []
    for _ in range(3):
        titles.append(page.get_by_role("heading", level=1).inner_text())
        page.get_by_role("button", name="Mark complete and continue").click()
        expect(page.get_by_role("heading", level=1)).not_to_have_text(titles[-1])
    page.get_by_role("button", name="Mark complete", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Understanding Community Policing")
    expect(page.get_by_text("Completed", exact=True)).to_have_count(4)

    # From here on, the keyboard only: start the quiz, answer wrongly, submit.
    tab_to(page, named("Start the quiz"))
    follow(page)
    expect(page.get_by_text("attempt 1 of 3")).to_be_visible()
    review(page, "quiz-attempt")
    attempt = served_attempt(page)
    answer_by_keyboard(page, wrong_answers(attempt.questions))
    expect(page.get_by_role("heading", level=2, name="Not passed: 0%")).to_be_visible()
    expect(page.get_by_text("You have 2 attempts left.")).to_be_visible()
    review(page, "quiz-result-not-passed")

    # Back to the module, retake, answer rightly.
    tab_to(page, named("Back to the module"))
    follow(page)
    tab_to(page, named("Retake the quiz"))
    follow(page)
    expect(page.get_by_text("attempt 2 of 3")).to_be_visible()
    attempt = served_attempt(page)
    answer_by_keyboard(page, correct_answers(attempt.questions))
    expect(page.get_by_role("heading", level=2, name="Passed: 100%")).to_be_visible()
    review(page, "quiz-result-passed")

    tab_to(page, named("Back to my training"))
    follow(page)
    module_row = page.locator(".module-row").filter(has_text="Module 1:")
    expect(module_row).to_contain_text("quiz passed (100%)")
    expect(module_row).to_contain_text("completed")
    expect(page.get_by_text("1 of 7 modules complete")).to_be_visible()
    module_row.get_by_role("link").click()
    expect(page.get_by_text("Module completed on")).to_contain_text("best score of 100%")


def test_officer_passes_the_last_module_and_verifies_the_certificate(new_page, review):
    """All but the last module already passed (through the services); the officer reads and
    passes the last one in the browser, downloads the PDF and opens the QR code's address."""
    officer = Person.objects.get(user__username="officer")
    curriculum = load_curriculum_bundle(CurriculumPage.objects.get().pk)
    *earlier, last = curriculum.modules
    for module in earlier:
        pass_module(officer, module)
    complete_lessons(officer, last)

    page = new_page()
    sign_in(page, "officer")
    expect(page.get_by_text("6 of 7 modules complete")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Continue")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(last.page.title)
    page.get_by_role("button", name="Start the quiz").click()
    attempt = served_attempt(page)
    for question_id, choice_ids in correct_answers(attempt.questions).items():
        for choice_id in choice_ids:
            page.locator(f"label[for='q{question_id}c{choice_id}']").click()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", level=2, name="Passed: 100%")).to_be_visible()

    page.get_by_role("link", name="My certificates").click()
    expect(page.get_by_role("heading", level=1, name="My certificates")).to_be_visible()
    review(page, "my-certificates")
    certificate = Certificate.objects.get(person=officer)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Download PDF")).click()
    download = download_info.value
    assert download.suggested_filename == f"certificate-{certificate.serial}.pdf"
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    verify_url = re.search(r"Verify at (\S+/verify/\S+?/)", pdf_text(pdf)).group(1)
    assert verify_url.endswith(f"/verify/{certificate.code}/")

    # Anyone holding the certificate can scan its QR code: no account needed.
    public = new_page(width=390)
    public.goto(verify_url)
    expect(public.locator("#verify-status")).to_have_text("Valid certificate")
    expect(public.locator(".facts").first).to_contain_text("Dana Reyes")
    expect(public.locator("#credential-heading")).to_have_text("Open Badges credential")
    review(public, "verify-result")
    public.get_by_role("link", name="Check a certificate").click()
    review(public, "verify-lookup")
    public.get_by_label("Verification code").press_sequentially(certificate.code.lower())
    public.keyboard.press("Enter")
    expect(public.locator("#verify-status")).to_have_text("Valid certificate")
