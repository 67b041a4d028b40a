"""The content check: the figures a standards reviewer measures over each module's data, and the
rules they must meet (courses/curriculum/FORMAT.md, "Content rules").

Pure data in, figures out: it reads the YAML files without Django so that trainers and the
`check_content` command see the same numbers, and `seed_demo` refuses content that breaks a rule.

Seat time is derived, never typed: lesson text at READING_WORDS_PER_MINUTE, plus a stated
allowance for each activity; the quiz at QUIZ_MINUTES_PER_QUESTION for each question served plus
QUIZ_REVIEW_MINUTES. Credit hours are the module's minutes in quarter hours.
"""

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

from courses.branching import longest_path, scenario_problems

READING_WORDS_PER_MINUTE = 180
SCENARIO_MINUTES = 3  # a single-decision scenario: read, choose, read the outcomes
BRANCHING_MINUTES_PER_DECISION = 2  # a branching scenario: each decision on its longest path
REFLECTION_MINUTES = 4  # think and write a private answer
QUIZ_MINUTES_PER_QUESTION = Decimal("1.5")
QUIZ_REVIEW_MINUTES = 5
STATED_TOLERANCE = Decimal("0.20")  # a stated figure may differ from the derived one by 20%

MIN_POOL = 30
MIN_APPLICATION_SHARE = Decimal("0.60")
MAX_LONGEST_CORRECT_SHARE = Decimal("0.30")
MULTIPLE_CORRECT = range(1, 5)
MAX_SAME_MULTIPLE_SHARE = Decimal("0.60")
MIN_SOURCES, MAX_SOURCES = 5, 10
MIN_CITED_SOURCES = 3
MIN_BRANCHING = 2
JOB_AID_MAX_WORDS = 450
BANNED_PROMPT_PHRASES = ("according to the module", "according to the lesson")
ACTIVITY_BLOCKS = {"scenario", "branching_scenario", "reflection_prompt"}


def words(text: str) -> int:
    return len(re.sub(r"<[^>]+>", " ", text or "").split())


def _value_words(value) -> int:
    return words(_value_text(value))


def _value_text(value) -> str:
    """Every text in a block value (strings of nested dicts and lists), space-separated."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(_value_text(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(_value_text(v) for v in value)
    return ""


def lesson_reading_words(lesson: dict) -> int:
    """Words a learner reads in a lesson; activities are timed by their allowances instead."""
    return sum(
        _value_words(block["value"])
        for block in lesson.get("body", [])
        if block["type"] not in ACTIVITY_BLOCKS
    )


def lesson_minutes(lesson: dict) -> int:
    """The derived seat time of one lesson, in whole minutes (rounded up)."""
    minutes = Decimal(lesson_reading_words(lesson)) / READING_WORDS_PER_MINUTE
    for block in lesson.get("body", []):
        if block["type"] == "scenario":
            minutes += SCENARIO_MINUTES
        elif block["type"] == "branching_scenario":
            steps = block["value"].get("steps") or []
            minutes += BRANCHING_MINUTES_PER_DECISION * longest_path(steps)
        elif block["type"] == "reflection_prompt":
            minutes += REFLECTION_MINUTES
    return math.ceil(minutes)


def quiz_minutes(quiz: dict) -> int:
    served = quiz.get("questions_per_attempt") or len(quiz.get("questions", []))
    return math.ceil(QUIZ_MINUTES_PER_QUESTION * served + QUIZ_REVIEW_MINUTES)


def credit_hours(minutes: int) -> Decimal:
    """Minutes in hours, rounded to the nearest quarter hour (at least a quarter)."""
    quarters = max(1, round(Decimal(minutes) / 15))  # whole minutes never fall on a half
    return Decimal(quarters) / 4


def _differs(stated, derived) -> bool:
    """True when `stated` is missing or further than STATED_TOLERANCE from `derived`."""
    if not isinstance(stated, int | float | Decimal) or isinstance(stated, bool):
        return True
    derived = Decimal(str(derived))
    return abs(Decimal(str(stated)) - derived) > STATED_TOLERANCE * derived


def _share(part: int, whole: int) -> Decimal:
    return Decimal(part) / whole if whole else Decimal(0)


@dataclass
class ModuleReport:
    """One module's figures and the rules it breaks."""

    name: str
    figures: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _check_questions(module: dict, report: ModuleReport) -> None:
    questions = module.get("quiz", {}).get("questions", [])
    lessons = {lesson["slug"] for lesson in module.get("lessons", [])}
    one_correct = [q for q in questions if q.get("kind") in ("single", "scenario")]
    multiple = [q for q in questions if q.get("kind") == "multiple"]
    longest = 0
    for q in one_correct:
        correct = max((len(c["text"]) for c in q["choices"] if c.get("correct")), default=-1)
        if all(correct >= len(c["text"]) for c in q["choices"]):
            longest += 1
    spread: dict[int, int] = {}
    for q in multiple:
        count = sum(1 for c in q["choices"] if c.get("correct"))
        spread[count] = spread.get(count, 0) + 1
    application = sum(1 for q in questions if q.get("level") == "application")
    explained = 0
    for number, q in enumerate(questions, start=1):
        place = f"question {number}"
        if q.get("lesson") not in lessons:
            report.problems.append(f"{place}: names no lesson of this module ({q.get('lesson')})")
        if q.get("level") not in ("application", "recall"):
            report.problems.append(f"{place}: level must be 'application' or 'recall'")
        prompt = (q.get("prompt") or "").lower()
        if phrase := next((p for p in BANNED_PROMPT_PHRASES if p in prompt), None):
            report.problems.append(f"{place}: the prompt says '{phrase}'")
        wrong = [c for c in q["choices"] if not c.get("correct")]
        if all((c.get("feedback") or "").strip() for c in wrong):
            explained += 1
        else:
            report.problems.append(f"{place}: a wrong choice has no feedback saying why")
        if q.get("kind") == "multiple":
            count = sum(1 for c in q["choices"] if c.get("correct"))
            if count not in MULTIPLE_CORRECT or count == len(q["choices"]):
                report.problems.append(f"{place}: a multiple-select item needs 1-4 correct choices")
    pool = len(questions)
    report.figures.update(
        pool=pool,
        application_share=_share(application, pool),
        longest_correct_share=_share(longest, len(one_correct)),
        multiple_spread=dict(sorted(spread.items())),
        wrong_choices_explained=f"{explained}/{pool}",
    )
    if pool < MIN_POOL:
        report.problems.append(f"the pool has {pool} questions; at least {MIN_POOL}")
    if report.figures["application_share"] < MIN_APPLICATION_SHARE:
        report.problems.append("fewer than 60% of the questions are application items")
    if report.figures["longest_correct_share"] > MAX_LONGEST_CORRECT_SHARE:
        report.problems.append("the correct choice is the longest in more than 30% of items")
    if len(multiple) >= 3 and max(spread.values()) > MAX_SAME_MULTIPLE_SHARE * len(multiple):
        report.problems.append("over 60% of multiple-select items have the same number correct")


def _module_text(module: dict) -> str:
    """The lesson text, tags removed (where a source's `cited_as` must appear)."""
    return " ".join(
        re.sub(r"<[^>]+>", " ", _value_text(block["value"]))
        for lesson in module.get("lessons", [])
        for block in lesson.get("body", [])
    )


def _check_sources(module: dict, report: ModuleReport) -> None:
    sources = module.get("sources") or []
    text = _module_text(module)
    cited = 0
    for number, source in enumerate(sources, start=1):
        if len((source.get("citation") or "").strip()) < 20:
            report.problems.append(f"source {number}: needs a full citation")
        if (url := source.get("url")) and not re.match(r"^https?://\S+$", url):
            report.problems.append(f"source {number}: the address is not a web address")
        if marker := source.get("cited_as"):
            if marker in text:
                cited += 1
            else:
                report.problems.append(f"source {number}: '{marker}' is cited nowhere in the text")
    report.figures.update(sources=len(sources), sources_cited=cited)
    if not MIN_SOURCES <= len(sources) <= MAX_SOURCES:
        report.problems.append(f"{len(sources)} sources; {MIN_SOURCES}-{MAX_SOURCES} expected")
    if cited < MIN_CITED_SOURCES:
        report.problems.append(f"{cited} sources cited in the text; at least {MIN_CITED_SOURCES}")


def _check_activities(module: dict, report: ModuleReport) -> None:
    branching = 0
    for lesson in module.get("lessons", []):
        for block in lesson.get("body", []):
            if block["type"] != "branching_scenario":
                continue
            branching += 1
            title = block["value"].get("title", "?")
            for problem in scenario_problems(block["value"].get("steps") or []):
                report.problems.append(f"{lesson['slug']}: scenario '{title}': {problem}")
    report.figures["branching_scenarios"] = branching
    if branching < MIN_BRANCHING:
        report.problems.append(f"{branching} branching scenarios; at least {MIN_BRANCHING}")
    aid = module.get("job_aid") or {}
    aid_words = _value_words(aid)
    report.figures["job_aid_words"] = aid_words
    if not aid.get("title") or len(aid.get("sections") or []) < 2:
        report.problems.append("no job aid (a title and at least two sections)")
    elif aid_words > JOB_AID_MAX_WORDS:
        report.problems.append(f"the job aid has {aid_words} words; at most {JOB_AID_MAX_WORDS}")


def _check_seat_time(module: dict, report: ModuleReport) -> None:
    derived_lessons = 0
    for lesson in module.get("lessons", []):
        derived = lesson_minutes(lesson)
        derived_lessons += derived
        if _differs(lesson.get("minutes", 0), derived):
            report.problems.append(
                f"{lesson['slug']}: states {lesson.get('minutes')} minutes, derived {derived}"
            )
    derived_module = derived_lessons + quiz_minutes(module.get("quiz", {}))
    hours = credit_hours(derived_module)
    report.figures.update(
        minutes_stated=module.get("minutes"),
        minutes_derived=derived_module,
        credit_hours_stated=module.get("credit_hours"),
        credit_hours_derived=hours,
    )
    if _differs(module.get("minutes", 0), derived_module):
        report.problems.append(
            f"the module states {module.get('minutes')} minutes, derived {derived_module}"
        )
    if _differs(module.get("credit_hours", 0), hours):
        report.problems.append(f"states {module.get('credit_hours')} credit hours, derived {hours}")


def check_module(name: str, module: dict) -> ModuleReport:
    report = ModuleReport(name=name)
    _check_questions(module, report)
    _check_sources(module, report)
    _check_activities(module, report)
    _check_seat_time(module, report)
    return report


def check_directory(directory: Path) -> list[ModuleReport]:
    return [
        check_module(path.name, yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(directory.glob("module-*.yaml"))
    ]


def format_report(reports: list[ModuleReport]) -> str:
    lines = []
    for report in reports:
        lines.append(report.name)
        for key, value in report.figures.items():
            shown = f"{value:.0%}" if key.endswith("_share") else value
            lines.append(f"  {key.replace('_', ' ')}: {shown}")
        lines.extend(f"  FAIL {problem}" for problem in report.problems)
    return "\n".join(lines)


if __name__ == "__main__":  # python -m authoring.content_check [directory]
    import sys

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("courses/curriculum")
    results = check_directory(folder)
    print(format_report(results))
    sys.exit(1 if any(r.problems for r in results) else 0)
