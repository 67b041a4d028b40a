"""The curriculum data files and the `seed_demo` command that loads them."""

import copy
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from wagtail.models import Page, ReferenceIndex, Site

from assessments.models import Quiz
from authoring.curriculum_data import (
    DATA_DIR,
    CurriculumDataError,
    load_curriculum,
    read_curriculum,
    read_survey,
    validate_module,
)
from courses.models import Assignment, CurriculumPage, HomePage, LessonPage, ModulePage
from lms import roles
from lms.models import Agency, Person

PASSWORD = "seed-password-for-tests"
CURRICULUM_SLUG = "building-relationships"
MODULE_FILE = sorted(DATA_DIR.glob("module-*.yaml"))[0]


# --- Data files (no database) ----------------------------------------------------------------


def test_shipped_curriculum_has_seven_valid_modules_in_order():
    curriculum, modules = read_curriculum()
    assert curriculum["slug"] == CURRICULUM_SLUG
    assert [m.number for m in modules] == [1, 2, 3, 4, 5, 6, 7]
    for module in modules:
        quiz = module.data["quiz"]
        assert len(module.data["lessons"]) >= 3
        assert quiz["pass_mark"] == 80
        assert len(quiz["questions"]) >= (quiz["questions_per_attempt"] or 0)


@pytest.fixture
def module_data():
    return yaml.safe_load(MODULE_FILE.read_text())


def break_missing_key(data):
    del data["summary"]


def break_too_few_lessons(data):
    data["lessons"] = data["lessons"][:2]


def break_script_tag(data):
    data["lessons"][0]["body"].insert(0, {"type": "rich_text", "value": "<script>x()</script>"})


def break_h1_in_callout(data):
    data["lessons"][0]["body"].insert(
        0, {"type": "callout", "value": {"tone": "note", "title": "T", "text": "<h1>Big</h1>"}}
    )


def break_no_scenario(data):  # neither kind: a branching scenario counts as one
    for lesson in data["lessons"]:
        lesson["body"] = [
            b for b in lesson["body"] if b["type"] not in ("scenario", "branching_scenario")
        ]


def break_too_few_words(data):
    for lesson in data["lessons"]:
        for block in lesson["body"]:
            if block["type"] == "rich_text":
                block["value"] = "<p>Short.</p>"


def break_too_few_questions(data):
    data["quiz"]["questions"] = data["quiz"]["questions"][:9]


def break_two_right_answers_on_single(data):
    question = next(q for q in data["quiz"]["questions"] if q["kind"] == "single")
    for choice in question["choices"]:
        choice["correct"] = True


def break_true_false_texts(data):
    data["quiz"]["questions"][0] = {
        "kind": "true_false",
        "prompt": "Is it?",
        "explanation": "Because.",
        "choices": [{"text": "Yes", "correct": True}, {"text": "No", "correct": False}],
    }


def break_missing_explanation(data):
    data["quiz"]["questions"][0]["explanation"] = ""


def break_unknown_kind(data):
    data["quiz"]["questions"][0]["kind"] = "essay"


def break_lesson_of_no_such_slug(data):
    data["quiz"]["questions"][0]["lesson"] = "a-lesson-of-another-module"


def break_unknown_level(data):
    data["quiz"]["questions"][0]["level"] = "expert"


def break_html_feedback(data):
    data["quiz"]["questions"][0]["choices"][0]["feedback"] = "<b>Because</b>"


@pytest.mark.parametrize(
    "breaker",
    [
        break_missing_key,
        break_too_few_lessons,
        break_script_tag,
        break_h1_in_callout,
        break_no_scenario,
        break_too_few_words,
        break_too_few_questions,
        break_two_right_answers_on_single,
        break_true_false_texts,
        break_missing_explanation,
        break_unknown_kind,
        break_lesson_of_no_such_slug,
        break_unknown_level,
        break_html_feedback,
    ],
)
def test_module_file_that_breaks_the_format_is_rejected_naming_the_file(module_data, breaker):
    broken = copy.deepcopy(module_data)
    breaker(broken)
    with pytest.raises(CurriculumDataError, match=MODULE_FILE.name):
        validate_module(MODULE_FILE, broken)


def test_valid_module_file_is_accepted(module_data):
    assert validate_module(MODULE_FILE, module_data).number == module_data["number"]


def write_curriculum(directory: Path, modules: list[dict]) -> None:
    (directory / "curriculum.yaml").write_text((DATA_DIR / "curriculum.yaml").read_text())
    for i, data in enumerate(modules):
        (directory / f"module-{i:02d}.yaml").write_text(yaml.safe_dump(data))


def test_repeated_module_numbers_are_rejected(tmp_path, module_data):
    write_curriculum(tmp_path, [module_data, module_data])
    with pytest.raises(CurriculumDataError, match="repeat"):
        read_curriculum(tmp_path)


def test_unreadable_yaml_is_reported(tmp_path):
    (tmp_path / "curriculum.yaml").write_text("title: [unclosed")
    with pytest.raises(CurriculumDataError, match="Cannot read"):
        read_curriculum(tmp_path)


def test_invalid_data_writes_nothing(tmp_path, module_data, home):
    broken = copy.deepcopy(module_data)
    break_too_few_questions(broken)
    write_curriculum(tmp_path, [module_data | {"number": 2}, broken])
    pages, quizzes = Page.objects.count(), Quiz.objects.count()
    with pytest.raises(CurriculumDataError):
        load_curriculum(home, tmp_path)
    assert Page.objects.count() == pages
    assert Quiz.objects.count() == quizzes


def test_load_keeps_trainers_edits_and_adds_only_what_is_missing(tmp_path, module_data, home):
    write_curriculum(tmp_path, [module_data])
    quizzes = Quiz.objects.count()
    curriculum, created = load_curriculum(home, tmp_path)
    lessons = len(module_data["lessons"])
    assert created == 1 + 1 + lessons
    lesson = LessonPage.objects.child_of(ModulePage.objects.child_of(curriculum).get()).first()
    lesson.title = "Edited by a trainer"
    lesson.save_revision().publish()

    again, created_again = load_curriculum(home, tmp_path)
    assert again.pk == curriculum.pk
    assert created_again == 0
    assert LessonPage.objects.get(pk=lesson.pk).title == "Edited by a trainer"
    assert Quiz.objects.count() == quizzes + 1


def test_load_sanitises_lesson_html(tmp_path, module_data, home):
    module_data["lessons"][0]["body"].insert(
        0, {"type": "rich_text", "value": '<p onclick="x()">Hi <a href="javascript:x()">l</a></p>'}
    )
    write_curriculum(tmp_path, [module_data])
    load_curriculum(home, tmp_path)
    lesson = LessonPage.objects.get(slug=module_data["lessons"][0]["slug"])
    html = str(lesson.body.raw_data[0]["value"])
    assert "onclick" not in html
    assert "javascript:" not in html


def test_load_gives_questions_their_lesson_level_and_feedback(tmp_path, module_data, home):
    """The quiz is created after the lessons, so a question's `lesson:` slug names its page;
    questions without the keys (files from before them) load with no lesson, level recall."""
    questions = module_data["quiz"]["questions"]
    slugs = [lesson["slug"] for lesson in module_data["lessons"]]
    questions[0].update(lesson=slugs[1], level="application")
    questions[0]["choices"][0]["feedback"] = "Why this one: it keeps everyone safe."
    for question in questions[1:]:
        for key in ("lesson", "level"):
            question.pop(key, None)
    write_curriculum(tmp_path, [module_data])
    curriculum, _ = load_curriculum(home, tmp_path)

    module = ModulePage.objects.child_of(curriculum).get()
    first, second = module.quiz.questions.order_by("sort_order")[:2]
    assert first.lesson.slug == slugs[1] and first.lesson.get_parent().pk == module.pk
    assert first.level == "application"
    assert first.choices.order_by("sort_order")[0].feedback == (
        "Why this one: it keeps everyone safe."
    )
    assert (second.lesson, second.level) == (None, "recall")


def test_a_loaded_quiz_is_in_the_reference_index_as_its_saves_would_have_put_it(
    tmp_path, module_data, home
):
    """The quiz is indexed once, after its questions are in (`_index_references`): the index
    holds what indexing it afresh finds, its questions' links to their lessons among it."""
    slugs = [lesson["slug"] for lesson in module_data["lessons"]]
    module_data["quiz"]["questions"][0]["lesson"] = slugs[1]
    write_curriculum(tmp_path, [module_data])
    curriculum, _ = load_curriculum(home, tmp_path)
    quiz = ModulePage.objects.child_of(curriculum).get().quiz

    def indexed() -> set[tuple]:
        rows = ReferenceIndex.get_references_for_object(quiz)
        return set(rows.values_list("to_content_type", "to_object_id", "content_path"))

    loaded = indexed()
    lesson = LessonPage.objects.get(slug=slugs[1])
    assert str(lesson.pk) in {object_id for _, object_id, _ in loaded}
    ReferenceIndex.create_or_update_for_object(quiz)
    assert indexed() == loaded


def test_survey_statements_load_reversed(tmp_path, module_data, home):
    write_curriculum(tmp_path, [module_data])
    (tmp_path / "survey.yaml").write_text((DATA_DIR / "survey.yaml").read_text())
    curriculum, _ = load_curriculum(home, tmp_path)
    shipped = yaml.safe_load((DATA_DIR / "survey.yaml").read_text())["items"]
    expected = {i["statement"] for i in shipped if i.get("reversed")}
    assert len(expected) >= 2
    items = curriculum.survey.items.all()
    assert {i.statement for i in items if i.reversed} == expected


def test_survey_file_with_a_reversed_flag_that_is_not_true_or_false_is_rejected(tmp_path):
    (tmp_path / "survey.yaml").write_text(
        yaml.safe_dump(
            {
                "title": "S",
                "items": [
                    {"statement": "One."},
                    {"statement": "Two."},
                    {"statement": "Three.", "reversed": "yes"},
                ],
            }
        )
    )
    with pytest.raises(CurriculumDataError, match="reversed is true/false"):
        read_survey(tmp_path)


# --- seed_demo -------------------------------------------------------------------------------


@pytest.fixture
def seeded(db):
    call_command("seed_demo", password=PASSWORD, stdout=StringIO())


def test_curriculum_only_seed_loads_the_curriculum_and_no_agencies_or_people(db):
    """The new site import_records restores into (README: moving or restoring records)."""
    people_before = Person.objects.count()

    call_command("seed_demo", curriculum_only=True, stdout=StringIO())

    assert CurriculumPage.objects.filter(slug=CURRICULUM_SLUG, live=True).exists()
    assert Group.objects.filter(name=roles.COMMAND_STAFF).exists()
    assert not Agency.objects.filter(slug__in=["riverside-pd", "lakeside-pd"]).exists()
    assert Person.objects.count() == people_before
    assert not get_user_model().objects.filter(username="officer").exists()


def test_seed_builds_the_curriculum_under_a_home_page_that_replaces_wagtails_placeholder(db):
    welcome = Page.objects.get(depth=2, slug="home")  # created by Wagtail's migrations
    site = Site.objects.get(is_default_site=True)
    site.root_page = welcome
    site.save()

    call_command("seed_demo", password=PASSWORD, stdout=StringIO())

    home = HomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
    assert not Page.objects.filter(pk=welcome.pk).exists()
    curriculum = CurriculumPage.objects.child_of(home).get(slug=CURRICULUM_SLUG)
    modules = list(ModulePage.objects.child_of(curriculum).order_by("number"))
    assert [m.number for m in modules] == [1, 2, 3, 4, 5, 6, 7]
    for module in modules:
        assert module.live
        assert module.quiz is not None
        assert module.quiz.questions.count() >= 10
        assert LessonPage.objects.child_of(module).live().count() >= 3


DEMO_ACCOUNTS = [
    ("officer", "riverside-pd", roles.LEARNER),
    ("officer2", "lakeside-pd", roles.LEARNER),
    ("trainer", "riverside-pd", roles.TRAINER),
    ("coordinator", "riverside-pd", roles.COORDINATOR),
    ("command", "riverside-pd", roles.COMMAND_STAFF),
    ("command2", "lakeside-pd", roles.COMMAND_STAFF),
]


def test_seed_creates_both_agencies_and_the_demo_accounts(seeded):
    # One test rather than several: each seed takes a couple of seconds.
    curriculum = CurriculumPage.objects.get(slug=CURRICULUM_SLUG)
    for slug, name in [
        ("riverside-pd", "Riverside Police Department"),
        ("lakeside-pd", "Lakeside Police Department"),
    ]:
        agency = Agency.objects.get(slug=slug)
        assert agency.name == name
        assert agency.units.exists()
        assignment = Assignment.objects.get(agency=agency, curriculum=curriculum)
        assert assignment.due_date is not None

    for username, agency, role in DEMO_ACCOUNTS:
        user = authenticate(sign_in_request(), username=username, password=PASSWORD)
        assert user is not None, username
        assert Person.objects.get(user=user).agency.slug == agency, username
        assert user.groups.filter(name=role).exists(), username

    command = get_user_model().objects.get(username="command")
    officer = get_user_model().objects.get(username="officer")
    assert command.has_perm("lms.view_agency_records")
    assert not officer.has_perm("lms.view_agency_records")


def sign_in_request():
    """Sign-in needs a request: the lockout (django-axes) counts failures per address."""
    return RequestFactory().post("/accounts/login/")


def test_seed_without_password_generates_and_prints_one(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue().split("Password for accounts created now: ")[1].split()[0]
    assert authenticate(sign_in_request(), username="officer", password=printed) is not None


def test_seed_rejects_a_weak_password_and_creates_nothing(db):
    with pytest.raises(CommandError, match="Password rejected"):
        call_command("seed_demo", password="short", stdout=StringIO())
    assert not CurriculumPage.objects.filter(slug=CURRICULUM_SLUG).exists()
    assert not get_user_model().objects.filter(username="officer").exists()


@pytest.mark.django_db
def test_seed_demo_refuses_content_that_breaks_a_content_rule_and_writes_nothing(
    tmp_path, monkeypatch
):
    for path in DATA_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    module_path = sorted(tmp_path.glob("module-*.yaml"))[0]
    module = yaml.safe_load(module_path.read_text(encoding="utf-8"))
    module["quiz"]["questions"] = module["quiz"]["questions"][:12]  # a pool of 12 again
    module_path.write_text(yaml.safe_dump(module, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr("authoring.management.commands.seed_demo.DATA_DIR", tmp_path)
    before = (Page.objects.count(), Agency.objects.count(), get_user_model().objects.count())

    with pytest.raises(CommandError) as raised:
        call_command("seed_demo", "--password", "long-enough-password-1", stdout=StringIO())

    assert f"{module_path.name}: the pool has 12 questions; at least 30" in str(raised.value)
    after = (Page.objects.count(), Agency.objects.count(), get_user_model().objects.count())
    assert after == before
