"""A branching scenario in the browser, by keyboard alone: each decision a form post, the
consequence shown, the ending's outcome, starting again; axe at each state. The module's sources
and its job aid, printed on one page; a trainer reading the scenario choices report."""

import re

import pytest
from playwright.sync_api import expect

from courses.models import CurriculumPage, LessonPage, ModulePage, ScenarioPath
from courses.scenarios import services
from lms import roles
from lms.models import Person
from tests.browser.steps import focused, follow, named, press, review_page, sign_in, tab_to
from tests.browser.test_admin_accessibility import WAGTAIL_OWN
from tests.browser.test_authoring import admin_sign_in
from tests.factories import add_branching_scenario

pytestmark = pytest.mark.browser


def _first_lesson() -> LessonPage:
    module = ModulePage.objects.child_of(CurriculumPage.objects.get()).get(number=1)
    return LessonPage.objects.child_of(module).order_by("path").first()


def choose_by_keyboard(page, block_id: str, step: str, index: int) -> None:
    """Tab into the decision's radio group, arrow to the choice, Space, then Enter on Decide."""
    first = tab_to(page, lambda e: e["name"] == "choice" and e["type"] == "radio", limit=120)
    assert first["value"] == "0", "Tab enters the choices on the first one"
    for _ in range(index):
        press(page, "ArrowDown")
    chosen = press(page, "Space")
    assert chosen["checked"] and chosen["value"] == str(index)
    tab_to(page, named("Decide"), limit=4)
    follow(page)
    assert page.url.endswith(f"#scenario-{block_id}")


def test_officer_walks_a_branching_scenario_by_keyboard(new_page, review):
    lesson = _first_lesson()
    block_id = add_branching_scenario(lesson)
    page = new_page()
    sign_in(page, "officer")
    page.goto(lesson.url + f"#scenario-{block_id}")
    scenario = page.locator(f"#scenario-{block_id}")
    expect(scenario.get_by_role("heading", level=4)).to_have_text("Decision 1")
    expect(scenario.get_by_role("group", name="What do you do?")).to_be_visible()
    review(page, "scenario-decision-1")

    choose_by_keyboard(page, block_id, "arrival", 1)
    expect(scenario.get_by_text("You chose: Go to wait from arrival")).to_be_visible()
    expect(scenario.get_by_text("What happened: So it comes to wait.")).to_be_visible()
    expect(scenario.get_by_role("heading", name="Decision 2")).to_be_visible()
    review(page, "scenario-decision-2")

    choose_by_keyboard(page, block_id, "wait", 1)
    expect(scenario.get_by_role("heading", name="How it ended: it went badly")).to_be_visible()
    expect(scenario.get_by_text("Went well at tense.")).to_be_visible()
    expect(scenario.get_by_text("To improve at tense.")).to_be_visible()
    review(page, "scenario-ending")

    tab_to(page, named("Start again"), limit=120)
    follow(page)
    expect(scenario.get_by_role("heading", name="Decision 1")).to_be_visible()
    assert focused(page)["tag"] in {"body", "section", "a", "main", "input", "button"}
    officer = Person.objects.get(user__username="officer")
    paths = ScenarioPath.objects.filter(person=officer, block_id=block_id).order_by("run")
    assert [(p.run, p.at_step, p.completed_at is not None) for p in paths] == [
        (1, "tense", True),
        (2, "arrival", False),
    ]


def test_the_job_aid_prints_on_one_page(new_page, review):
    lesson = _first_lesson()
    module = ModulePage.objects.get(pk=lesson.get_parent().pk)
    module.job_aid_title = "Contact checklist"
    module.job_aid_intro = "Use it before and after any contact."
    module.job_aid_sections = [
        {"type": "section", "value": {"heading": f"Part {n}", "items": ["Greet.", "Explain."] * 4}}
        for n in range(1, 5)
    ]
    module.sources = [
        {
            "type": "source",
            "value": {"citation": "A body. A report. 2015.", "url": "https://a.org/"},
        }
    ]
    module.save()
    page = new_page()
    sign_in(page, "officer")
    page.goto(module.url)
    expect(page.get_by_role("heading", name="Sources and further reading")).to_be_visible()
    review(page, "module-sources")
    page.get_by_role("link", name="Job aid: Contact checklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact checklist")
    review(page, "job-aid")
    page.emulate_media(media="print")
    pdf = page.pdf(format="Letter", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1


def test_a_trainer_reads_the_scenario_choices_report(new_page, axe_findings):
    lesson = _first_lesson()
    block_id = add_branching_scenario(lesson)
    officers = Person.objects.filter(user__groups__name=roles.LEARNER).distinct()[:6]
    for person in officers:
        for step, choice in (("arrival", 0), ("talk", 0)):
            services.scenario_choose(
                person=person, lesson=lesson, block_id=block_id, run=1, step=step, choice=choice
            )
    page = new_page()
    admin_sign_in(page, "trainer")
    page.goto("/admin/reports/scenario-choices/")
    # Other browser tests may have added scenarios of the same title to this lesson.
    expect(page.locator(f"#scenario-{block_id}")).to_have_text("The box cutter on Alder Court")
    page.wait_for_load_state("networkidle")
    review_page(
        page, "admin-scenario-report", findings=axe_findings, allowed=WAGTAIL_OWN, sideways=False
    )
