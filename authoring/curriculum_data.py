"""Load the curriculum data files (courses/curriculum/*.yaml) into Wagtail pages, quizzes and
the perception survey.

The files are validated completely before anything is written; loading is idempotent
(pages, quizzes and the survey that already exist are left as trainers may have edited them).
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from wagtail.signal_handlers import disable_reference_index_auto_update
from wagtail.tasks import update_reference_index_task

from assessments.models import (
    MIN_SURVEY_ITEMS,
    Choice,
    Question,
    QuestionKind,
    QuestionLevel,
    Quiz,
    Survey,
    SurveyItem,
    validate_question_choices,
)
from authoring.content_check import ACTIVITY_BLOCKS
from courses.branching import scenario_problems
from courses.models import CurriculumPage, HomePage, LessonPage, ModulePage
from lms.sanitize import ALLOWED_TAGS, clean_html, clean_text

DATA_DIR = Path(__file__).resolve().parent.parent / "courses" / "curriculum"
MIN_LESSONS = 3
MIN_WORDS = 1200
MIN_QUESTIONS = 10
REQUIRED_BLOCKS = {"scenario", "reflection_prompt", "key_takeaways"}
SCENARIO_BLOCKS = {"scenario", "branching_scenario"}  # either meets the need for a scenario
RICH_TEXT_PATHS = {"rich_text": [()], "callout": [("text",)], "scenario": [("situation",)]}


class CurriculumDataError(ValueError):
    """A data file breaks the format; the message names the file and the place."""


def _words(text: str) -> int:
    return len(re.sub(r"<[^>]+>", " ", text or "").split())


def _block_words(block: dict) -> int:
    value = block["value"]
    if isinstance(value, str):
        return _words(value)
    total = 0
    for item in value.values():
        if isinstance(item, str):
            total += _words(item)
        elif isinstance(item, list):
            total += sum(
                _words(x) if isinstance(x, str) else sum(_words(str(v)) for v in x.values())
                for x in item
            )
    return total


def _check_html(html: str, where: str) -> None:
    tags = set(re.findall(r"</?\s*([a-zA-Z0-9]+)", html or ""))
    if tags - ALLOWED_TAGS or "h1" in tags:
        raise CurriculumDataError(f"{where}: tags not allowed: {sorted(tags - ALLOWED_TAGS)}")


def _check_branching(value: dict, where: str) -> None:
    """A branching scenario: its HTML allowed, its tree sound (courses.branching)."""
    title = value.get("title") or "?"
    _check_html(value.get("setting") or "", f"{where}: scenario '{title}'")
    steps = value.get("steps") or []
    for step in steps if isinstance(steps, list) else []:
        if isinstance(step, dict):
            _check_html(step.get("situation") or "", f"{where}: scenario '{title}'")
    if problems := scenario_problems(steps):
        raise CurriculumDataError(f"{where}: scenario '{title}': {problems[0]}")


def _module_blocks(data: dict) -> dict:
    """The module's `sources` and `job_aid` as raw StreamField data and fields."""
    aid = data.get("job_aid") or {}
    return {
        "sources": [{"type": "source", "value": s} for s in data.get("sources") or []],
        "job_aid_title": aid.get("title") or "",
        "job_aid_intro": aid.get("intro") or "",
        "job_aid_sections": [{"type": "section", "value": s} for s in aid.get("sections") or []],
    }


def _check_module_blocks(data: dict, where: str) -> None:
    """`sources` and `job_aid`, each checked by the module field's own blocks."""
    if data.get("job_aid") and not (data["job_aid"].get("title") or "").strip():
        raise CurriculumDataError(f"{where}: the job aid needs a title")
    fields = _module_blocks(data)
    for name in ("sources", "job_aid_sections"):
        stream_block = ModulePage._meta.get_field(name).stream_block
        try:
            stream_block.clean(stream_block.to_python(fields[name]))
        except (ValidationError, TypeError, AttributeError) as error:
            detail = error.messages[0] if isinstance(error, ValidationError) else str(error)
            raise CurriculumDataError(f"{where}: {name}: {detail}") from None


def _check_question_keys(question: dict, slugs: set[str], where: str) -> None:
    """`lesson` (a lesson slug of this module), `level` and each choice's plain-text
    `feedback`. Files from before these keys load with no lesson and level recall;
    `check_content` is what requires them."""
    lesson = question.get("lesson")
    if lesson is not None and lesson not in slugs:
        raise CurriculumDataError(f"{where}: lesson '{lesson}' is not a lesson of this module")
    if question.get("level", QuestionLevel.RECALL) not in QuestionLevel.values:
        raise CurriculumDataError(f"{where}: level must be 'application' or 'recall'")
    for index, choice in enumerate(question.get("choices") or [], start=1):
        feedback = choice.get("feedback", "")
        if not isinstance(feedback, str) or re.search(r"<[^>]+>", feedback):
            raise CurriculumDataError(f"{where}: choice {index}: feedback is plain text")


@dataclass
class ModuleData:
    path: Path
    data: dict

    @property
    def number(self) -> int:
        return self.data["number"]


def validate_module(path: Path, data: dict) -> ModuleData:
    where = path.name
    for key in (
        "number",
        "slug",
        "title",
        "summary",
        "objectives",
        "minutes",
        "credit_hours",
        "lessons",
        "quiz",
    ):
        if key not in data:
            raise CurriculumDataError(f"{where}: missing '{key}'")
    if len(data["lessons"]) < MIN_LESSONS:
        raise CurriculumDataError(f"{where}: needs at least {MIN_LESSONS} lessons")
    kinds, words = set(), 0
    for lesson in data["lessons"]:
        for key in ("slug", "title", "summary", "body"):
            if key not in lesson:
                raise CurriculumDataError(f"{where}: lesson {lesson.get('slug')} missing '{key}'")
        for block in lesson["body"]:
            kinds.add("scenario" if block["type"] in SCENARIO_BLOCKS else block["type"])
            if block["type"] not in ACTIVITY_BLOCKS:  # activities are timed, not read
                words += _block_words(block)
            for field_path in RICH_TEXT_PATHS.get(block["type"], []):
                html = block["value"]
                for key in field_path:
                    html = html[key]
                _check_html(html, f"{where}: {lesson['slug']}")
            if block["type"] == "branching_scenario":
                _check_branching(block["value"], f"{where}: {lesson['slug']}")
    if missing := REQUIRED_BLOCKS - kinds:
        raise CurriculumDataError(f"{where}: no {', '.join(sorted(missing))} block")
    if words < MIN_WORDS:
        raise CurriculumDataError(f"{where}: {words} words of lessons, fewer than {MIN_WORDS}")
    _check_module_blocks(data, where)
    questions = data["quiz"]["questions"]
    if len(questions) < MIN_QUESTIONS:
        raise CurriculumDataError(f"{where}: quiz pool has fewer than {MIN_QUESTIONS} questions")
    slugs = {lesson["slug"] for lesson in data["lessons"]}
    for number, question in enumerate(questions, start=1):
        if question["kind"] not in QuestionKind.values or not question.get("explanation"):
            raise CurriculumDataError(f"{where}: question {number} needs a kind and explanation")
        _check_question_keys(question, slugs, f"{where}: question {number}")
        try:
            validate_question_choices(
                question["kind"],
                [bool(c["correct"]) for c in question["choices"]],
                [c["text"] for c in question["choices"]],
            )
        except ValidationError as error:
            raise CurriculumDataError(f"{where}: question {number}: {error.messages[0]}") from None
    return ModuleData(path=path, data=data)


SURVEY_FILE = "survey.yaml"
STATEMENT_MAX_LENGTH = 300


def validate_survey(path: Path, data: dict) -> dict:
    """The survey file: a title, optional plain intro, at least three plain-text statements."""
    where = path.name
    for key in ("title", "items"):
        if key not in data:
            raise CurriculumDataError(f"{where}: missing '{key}'")
    items = data["items"]
    if len(items) < MIN_SURVEY_ITEMS:
        raise CurriculumDataError(f"{where}: needs at least {MIN_SURVEY_ITEMS} statements")
    seen = set()
    for number, item in enumerate(items, start=1):
        statement = item.get("statement")
        if not isinstance(statement, str) or not statement.strip():
            raise CurriculumDataError(f"{where}: statement {number} is empty")
        if len(statement) > STATEMENT_MAX_LENGTH or re.search(r"<[^>]+>", statement):
            raise CurriculumDataError(
                f"{where}: statement {number} must be plain text of at most "
                f"{STATEMENT_MAX_LENGTH} characters"
            )
        if not isinstance(item.get("allow_comment", False), bool):
            raise CurriculumDataError(f"{where}: statement {number}: allow_comment is true/false")
        if not isinstance(item.get("reversed", False), bool):
            raise CurriculumDataError(f"{where}: statement {number}: reversed is true/false")
        if statement in seen:
            raise CurriculumDataError(f"{where}: statement {number} repeats an earlier one")
        seen.add(statement)
    return data


def read_survey(directory: Path = DATA_DIR) -> dict | None:
    """The validated survey file, or None when the folder has none."""
    path = directory / SURVEY_FILE
    if not path.exists():
        return None
    return validate_survey(path, yaml.safe_load(path.read_text()))


def read_curriculum(directory: Path = DATA_DIR) -> tuple[dict, list[ModuleData]]:
    """Read and validate every file; raise CurriculumDataError on the first problem.

    The survey file, when present, is returned in the curriculum data under "survey".
    """
    try:
        curriculum = yaml.safe_load((directory / "curriculum.yaml").read_text())
        if (survey := read_survey(directory)) is not None:
            curriculum["survey"] = survey
        modules = [
            validate_module(path, yaml.safe_load(path.read_text()))
            for path in sorted(directory.glob("module-*.yaml"))
        ]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise CurriculumDataError(f"Cannot read curriculum data: {error}") from error
    numbers = [m.number for m in modules]
    if len(set(numbers)) != len(numbers):
        raise CurriculumDataError(f"Module numbers repeat: {numbers}")
    return curriculum, sorted(modules, key=lambda m: m.number)


def _lesson_body(body: list[dict]) -> list[dict]:
    """YAML blocks to StreamField raw data, HTML passed through the one allow-list."""
    raw = []
    for block in body:
        value = block["value"]
        if block["type"] == "rich_text":
            value = clean_html(value)
        elif block["type"] == "callout":
            value = {**value, "text": clean_html(value["text"])}
        elif block["type"] == "scenario":
            value = {**value, "situation": clean_html(value["situation"])}
        elif block["type"] == "branching_scenario":
            value = {
                **value,
                "setting": clean_html(value.get("setting") or ""),
                "steps": [
                    {**step, "situation": clean_html(step.get("situation") or "")}
                    for step in value["steps"]
                ],
            }
        raw.append({"type": block["type"], "value": value})
    return raw


def _index_references(instance) -> None:
    """Wagtail's reference index for `instance`, updated once, as its last save would update
    it. Callers build the object with the automatic updates off: a child row's save
    re-indexes its whole parent, so a quiz was indexed again for every question and choice
    (a third of seeding's time)."""
    meta = instance._meta
    update_reference_index_task.enqueue(meta.app_label, meta.model_name, str(instance.pk))


def _create_quiz(data: dict, lessons: dict[str, LessonPage]) -> Quiz:
    """The quiz and its pool; `lessons` maps the module's lesson slugs to their pages."""
    with disable_reference_index_auto_update():
        quiz = _build_quiz(data, lessons)
    _index_references(quiz)
    return quiz


def _build_quiz(data: dict, lessons: dict[str, LessonPage]) -> Quiz:
    quiz = Quiz.objects.create(
        title=data["title"],
        pass_mark=data["pass_mark"],
        max_attempts=data["max_attempts"],
        cooldown_minutes=data.get("cooldown_minutes") or 0,
        time_limit_minutes=data.get("time_limit_minutes"),
        questions_per_attempt=data.get("questions_per_attempt"),
        shuffle=data.get("shuffle", True),
    )
    for order, item in enumerate(data["questions"]):
        question = Question.objects.create(
            quiz=quiz,
            sort_order=order,
            kind=item["kind"],
            lesson=lessons.get(item.get("lesson")),
            level=item.get("level", QuestionLevel.RECALL),
            prompt=item["prompt"],
            explanation=item["explanation"],
        )
        Choice.objects.bulk_create(
            Choice(
                question=question,
                sort_order=i,
                text=clean_text(c["text"]),
                is_correct=bool(c["correct"]),
                feedback=clean_text(c.get("feedback") or "").strip(),
            )
            for i, c in enumerate(item["choices"])
        )
    quiz.save_revision().publish()  # so attempts can name the revision they were served from
    return quiz


def _create_survey(data: dict) -> Survey:
    with disable_reference_index_auto_update():
        survey = _build_survey(data)
    _index_references(survey)
    return survey


def _build_survey(data: dict) -> Survey:
    survey = Survey.objects.create(title=data["title"], intro=data.get("intro") or "")
    SurveyItem.objects.bulk_create(
        SurveyItem(
            survey=survey,
            sort_order=order,
            statement=clean_text(item["statement"]).strip(),
            allow_comment=bool(item.get("allow_comment", False)),
            reversed=bool(item.get("reversed", False)),
        )
        for order, item in enumerate(data["items"])
    )
    survey.save_revision().publish()
    return survey


def _attach_survey(curriculum: CurriculumPage, data: dict | None) -> None:
    """Give the curriculum the seeded survey when it has none (created once, found by title).

    A curriculum with a draft in progress is left alone: publishing over it would bury the
    trainer's draft; a coordinator attaches the survey in the admin instead.
    """
    if data is None or curriculum.survey_id or curriculum.has_unpublished_changes:
        return
    survey = Survey.objects.filter(title=data["title"]).first() or _create_survey(data)
    curriculum.survey = survey
    curriculum.save_revision().publish()


def _child(parent, model, slug: str):
    return model.objects.child_of(parent).filter(slug=slug).first()


@transaction.atomic
def load_curriculum(home: HomePage, directory: Path = DATA_DIR) -> tuple[CurriculumPage, int]:
    """Create whatever of the curriculum is missing below `home`. Returns (page, pages created)."""
    data, modules = read_curriculum(directory)
    created = 0
    curriculum = _child(home, CurriculumPage, data["slug"])
    if curriculum is None:
        curriculum = home.add_child(
            instance=CurriculumPage(
                title=data["title"],
                slug=data["slug"],
                summary=data["summary"],
                intro=clean_html(data["intro"]),
            )
        )
        created += 1
    for module in modules:
        m = module.data
        page = _child(curriculum, ModulePage, m["slug"])
        new_module = page is None
        if new_module:
            page = curriculum.add_child(
                instance=ModulePage(
                    title=m["title"],
                    slug=m["slug"],
                    number=m["number"],
                    summary=m["summary"],
                    objectives=[{"type": "objective", "value": o} for o in m["objectives"]],
                    minutes=m["minutes"],
                    credit_hours=Decimal(str(m["credit_hours"])),
                    **_module_blocks(m),
                )
            )
            created += 1
        lessons = {}
        for lesson in m["lessons"]:
            lessons[lesson["slug"]] = _child(page, LessonPage, lesson["slug"])
            if lessons[lesson["slug"]] is None:
                lessons[lesson["slug"]] = page.add_child(
                    instance=LessonPage(
                        title=lesson["title"],
                        slug=lesson["slug"],
                        summary=lesson["summary"],
                        minutes=lesson.get("minutes", 10),
                        body=_lesson_body(lesson["body"]),
                    )
                )
                created += 1
        if new_module:  # the quiz after the lessons, so its questions can name them
            page.quiz = _create_quiz(m["quiz"], lessons)
            page.save(update_fields=["quiz"])
    _attach_survey(curriculum, data.get("survey"))
    return curriculum, created
