"""axe over the admin pages our code defines: the home, curriculum, module and lesson editors
(courses/models.py panels, courses/blocks.py blocks, with one block of every kind added), the
quiz and survey editors (assessments/wagtail_hooks.py, assessments/forms.py), and the curriculum
exchange (authoring/views.py, authoring/wagtail_hooks.py).

No serious or critical violation may come from our code. Violations that come from Wagtail's
own admin, which our code cannot change, are listed in WAGTAIL_OWN by rule and node, with the
reason; any other node of the same rule still fails the test.
"""

import pytest
from playwright.sync_api import Page, expect

from assessments.models import Quiz, Survey
from courses.models import CurriculumPage, HomePage, LessonPage, ModulePage
from tests.browser.steps import review_page
from tests.browser.test_authoring import admin_sign_in

pytestmark = pytest.mark.browser

# (axe rule, node target) -> why it is not ours to fix.
WAGTAIL_OWN = {
    ("scrollable-region-focusable", ".w-minimap__list"): (
        "Wagtail's minimap (the outline of an editor's panels, wagtail/admin/static "
        "w-minimap) scrolls its own list without making it focusable; it overflows when a "
        "form has many panels, as a quiz's question pool does."
    ),
    ("scrollable-region-focusable", ".DraftEditor-root"): (
        "Draftail's editor box (overflow: auto) scrolls by a few pixels at 390 px when its "
        "placeholder wraps to two lines; the box holds the contenteditable textbox, which Tab "
        "reaches, but axe does not count a contenteditable as focusable content."
    ),
}

LESSON_BLOCKS = [
    "Rich text",
    "Callout",
    "Scenario",
    "Reflection prompt",
    "Key takeaways",
    "Image",
    "Video",
    "Document",
]


@pytest.fixture
def review_admin(axe_findings):
    """`review_admin(page, name)`: axe at both widths; only WAGTAIL_OWN violations may stay.
    The admin's layout is Wagtail's, so a page wider than a phone is not checked here."""

    def run(page: Page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        review_page(
            page, f"admin-{name}", findings=axe_findings, allowed=WAGTAIL_OWN, sideways=False
        )

    return run


@pytest.fixture
def admin_as(new_page):
    def open_as(username: str) -> Page:
        page = new_page()
        admin_sign_in(page, username)
        return page

    return open_as


def add_block(page: Page, field: str, kind: str | None = None) -> None:
    """Add a block at the end of StreamField `field`, choosing `kind` when it offers several."""
    page.locator(f"[data-contentpath='{field}'] button.c-sf-add-button").last.click()
    if kind:
        page.get_by_role("option", name=kind, exact=True).click()


def test_module_editor_names_every_objective_input(admin_as, review_admin):
    module = ModulePage.objects.live().order_by("path").first()
    page = admin_as("trainer")
    page.goto(f"/admin/pages/{module.pk}/edit/")
    add_block(page, "objectives")
    expect(page.get_by_role("textbox", name="Objective", exact=True)).to_have_count(
        len(module.objectives) + 1
    )
    review_admin(page, "module-edit")

    page.goto(f"/admin/pages/add/courses/modulepage/{module.get_parent().pk}/")
    add_block(page, "objectives")
    expect(page.get_by_role("textbox", name="Objective", exact=True)).to_have_count(1)
    review_admin(page, "module-add")


def test_lesson_editor_names_every_block_input(admin_as, review_admin):
    lesson = LessonPage.objects.live().order_by("path").first()
    page = admin_as("trainer")
    page.goto(f"/admin/pages/{lesson.pk}/edit/")
    rich_text_blocks = sum(block.block_type == "rich_text" for block in lesson.body)
    assert rich_text_blocks, "the seeded lesson should start with rich text"
    expect(page.get_by_role("textbox", name="Rich text", exact=True)).to_have_count(
        rich_text_blocks
    )
    review_admin(page, "lesson-edit")

    page.goto(f"/admin/pages/add/courses/lessonpage/{lesson.get_parent().pk}/")
    for kind in LESSON_BLOCKS:
        add_block(page, "body", kind)
    # Every rich-text editor is named by its block's label: the block itself, a callout's
    # text, a scenario's situation, a video's transcript; a takeaway's line by its label.
    for name in ["Rich text", "Text", "Situation", "Transcript", "Takeaway"]:
        expect(page.get_by_role("textbox", name=name, exact=True)).to_have_count(1)
    review_admin(page, "lesson-add")


def test_home_and_curriculum_editors_name_their_rich_text(admin_as, review_admin):
    home = HomePage.objects.get()
    curriculum = CurriculumPage.objects.live().order_by("path").first()
    page = admin_as("coordinator")
    page.goto(f"/admin/pages/{curriculum.pk}/edit/")
    expect(page.get_by_role("textbox", name="Intro", exact=True)).to_have_count(1)
    review_admin(page, "curriculum-edit")
    page.goto(f"/admin/pages/add/courses/curriculumpage/{home.pk}/")
    review_admin(page, "curriculum-add")
    page.goto(f"/admin/pages/{home.pk}/edit/")
    expect(page.get_by_role("textbox", name="Intro", exact=True)).to_have_count(1)
    review_admin(page, "home-edit")


def test_quiz_and_survey_editors(admin_as, review_admin):
    quiz = Quiz.objects.order_by("pk").first()
    survey = Survey.objects.order_by("pk").first()
    page = admin_as("trainer")
    page.goto(f"/admin/snippets/assessments/quiz/edit/{quiz.pk}/")
    review_admin(page, "quiz-edit")
    page.goto("/admin/snippets/assessments/quiz/add/")
    page.get_by_role("button", name="Add question").first.click()
    review_admin(page, "quiz-add")
    page.goto(f"/admin/snippets/assessments/survey/edit/{survey.pk}/")
    review_admin(page, "survey-edit")
    page.goto("/admin/snippets/assessments/survey/add/")
    review_admin(page, "survey-add")


def test_curriculum_export_and_import_pages(admin_as, review_admin, tmp_path):
    home = HomePage.objects.get()
    page = admin_as("coordinator")
    page.goto(f"/admin/pages/{home.pk}/")
    curriculum = CurriculumPage.objects.live().order_by("path").first()
    row = page.get_by_role("row").filter(has_text=curriculum.title)
    row.get_by_role("button", name="More options").click()
    expect(row.get_by_role("link", name="Export curriculum")).to_be_visible()
    review_admin(page, "explorer-export")

    page.goto("/admin/curricula/import/")
    review_admin(page, "import")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "not a curriculum"}')
    page.get_by_label("Curriculum file (JSON)").set_input_files(broken)
    page.get_by_role("button", name="Import curriculum").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was imported.")
    review_admin(page, "import-error")
