"""The content check (authoring/content_check.py): the figures and rules, on a small module
built here that meets every rule, then broken one rule at a time. The shipped module files
are being rewritten; these tests never read them."""

import copy
from decimal import Decimal

import pytest

from authoring import content_check as cc
from tests.courses.test_branching import sound

WORDS_180 = " ".join(["word"] * 180)


def _lesson(slug: str, *blocks: dict) -> dict:
    return {"slug": slug, "title": slug.title(), "summary": "S.", "body": list(blocks)}


def _question(number: int, *, level: str, kind: str = "single", correct: int = 1) -> dict:
    if kind == "multiple":
        choices = [
            {
                "text": f"Choice {i}",
                "correct": i < correct,
                "feedback": "" if i < correct else "No.",
            }
            for i in range(5)
        ]
    else:
        choices = [
            {"text": "Ask first", "correct": True},
            {"text": "Wait for the sergeant", "correct": False, "feedback": "Too late."},
            {"text": "Leave and file a report", "correct": False, "feedback": "Not enough."},
        ]
    return {
        "kind": kind,
        "lesson": "one",
        "level": level,
        "prompt": f"<p>Question {number}?</p>",
        "explanation": "<p>Because.</p>",
        "choices": choices,
    }


def good_module() -> dict:
    """A module meeting every rule; its stated minutes are the derived ones."""
    lessons = [
        _lesson(
            "one",
            {"type": "rich_text", "value": f"<p>{WORDS_180} (Task Force, 2015) (Tyler, 1990)</p>"},
            {"type": "branching_scenario", "value": {"title": "A", "steps": sound()}},
        ),
        _lesson(
            "two",
            {"type": "rich_text", "value": f"<p>{WORDS_180} (Goldstein, 1990)</p>"},
            {"type": "branching_scenario", "value": {"title": "B", "steps": sound()}},
            {"type": "reflection_prompt", "value": {"prompt": "Think."}},
        ),
        _lesson(
            "three",
            {"type": "rich_text", "value": f"<p>{WORDS_180}</p>"},
            {"type": "scenario", "value": {"title": "C", "situation": "<p>x</p>", "options": []}},
        ),
    ]
    for lesson in lessons:
        lesson["minutes"] = cc.lesson_minutes(lesson)
    questions = [_question(n, level="application") for n in range(18)]
    questions += [_question(n, level="recall") for n in range(18, 27)]
    questions += [
        _question(27 + n, level="application", kind="multiple", correct=n + 1) for n in range(3)
    ]
    quiz = {"questions_per_attempt": 10, "questions": questions}
    minutes = sum(lesson["minutes"] for lesson in lessons) + cc.quiz_minutes(quiz)
    sources = [
        {
            "citation": "President's Task Force on 21st Century Policing. Final Report. 2015.",
            "url": "https://example.org/report.pdf",
            "cited_as": "Task Force, 2015",
        },
        {
            "citation": "Tyler, Tom R. Why People Obey the Law. Yale University Press, 1990.",
            "cited_as": "Tyler, 1990",
        },
        {
            "citation": "Goldstein, Herman. Problem-Oriented Policing. McGraw-Hill, 1990.",
            "cited_as": "Goldstein, 1990",
        },
        {"citation": "A fourth body of work, its title and its year, 2014."},
        {"citation": "A fifth body of work, its title and its year, 2020."},
    ]
    job_aid = {
        "title": "Checklist",
        "sections": [
            {"heading": "Before", "items": ["Ask dispatch."]},
            {"heading": "After", "items": ["Write it up."]},
        ],
    }
    return {
        "lessons": lessons,
        "quiz": quiz,
        "minutes": minutes,
        "credit_hours": float(cc.credit_hours(minutes)),
        "sources": sources,
        "job_aid": job_aid,
    }


def test_seat_time_is_derived_from_words_and_allowances():
    lesson = _lesson(
        "x",
        {"type": "rich_text", "value": f"<p>{WORDS_180} {WORDS_180}</p>"},  # 2 minutes
        {"type": "scenario", "value": {"title": "Not read", "situation": WORDS_180}},  # 3
        {"type": "branching_scenario", "value": {"title": "T", "steps": sound()}},  # 3 x 2
        {"type": "reflection_prompt", "value": {"prompt": WORDS_180}},  # 4
    )
    assert cc.lesson_reading_words(lesson) == 360
    assert cc.lesson_minutes(lesson) == 2 + 3 + 6 + 4
    assert cc.lesson_minutes(_lesson("y", {"type": "rich_text", "value": "<p>one</p>"})) == 1
    assert cc.quiz_minutes({"questions_per_attempt": 10, "questions": []}) == 20
    assert cc.quiz_minutes({"questions": [{}] * 3}) == 10  # all served: 4.5 + 5, rounded up


@pytest.mark.parametrize(
    ("minutes", "hours"), [(1, "0.25"), (22, "0.25"), (23, "0.5"), (60, "1"), (97, "1.5")]
)
def test_credit_hours_are_minutes_in_quarter_hours(minutes, hours):
    assert cc.credit_hours(minutes) == Decimal(hours)


def test_a_module_meeting_every_rule_passes_with_its_figures():
    report = cc.check_module("module-01.yaml", good_module())
    assert report.problems == []
    figures = report.figures
    assert figures["pool"] == 30
    assert figures["application_share"] == Decimal(21) / 30
    assert figures["longest_correct_share"] == 0
    assert figures["multiple_spread"] == {1: 1, 2: 1, 3: 1}
    assert figures["wrong_choices_explained"] == "30/30"
    assert (figures["sources"], figures["sources_cited"]) == (5, 3)
    assert figures["branching_scenarios"] == 2
    assert figures["minutes_derived"] == figures["minutes_stated"]


def _set(path: str, value):
    def change(module):
        *parents, last = path.split(".")
        target = module
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value

    return change


def _drop_questions(count: int):
    return lambda module: module["quiz"]["questions"].__delitem__(slice(0, count))


def _longest_correct(module):
    for question in module["quiz"]["questions"][:10]:
        question["choices"][0]["text"] = "Ask first, explain why, and listen to the answer given"


def _recall(module):
    for question in module["quiz"]["questions"][:4]:
        question["level"] = "recall"


def _same_multiple(module):
    for question in module["quiz"]["questions"][27:]:
        for index, choice in enumerate(question["choices"]):
            choice["correct"] = index < 2
            choice["feedback"] = "" if index < 2 else "No."


BROKEN = {
    "a pool under 30": (_drop_questions(1), "the pool has 29 questions; at least 30"),
    "under 60% application": (_recall, "fewer than 60% of the questions are application items"),
    "the correct choice too often longest": (
        _longest_correct,
        "the correct choice is the longest in more than 30% of items",
    ),
    "multiple-select all with two correct": (
        _same_multiple,
        "over 60% of multiple-select items have the same number correct",
    ),
    "a multiple-select item with every choice correct": (
        lambda m: [c.update(correct=True) for c in m["quiz"]["questions"][29]["choices"]],
        "question 30: a multiple-select item needs 1-4 correct choices",
    ),
    "a wrong choice without feedback": (
        _set("quiz.questions.3.choices.1.feedback", ""),
        "question 4: a wrong choice has no feedback saying why",
    ),
    "a prompt that says according to the module": (
        _set("quiz.questions.0.prompt", "<p>According to the module, what?</p>"),
        "question 1: the prompt says 'according to the module'",
    ),
    "a question naming another module's lesson": (
        _set("quiz.questions.2.lesson", "elsewhere"),
        "question 3: names no lesson of this module (elsewhere)",
    ),
    "a question without a level": (
        _set("quiz.questions.2.level", None),
        "question 3: level must be 'application' or 'recall'",
    ),
    "four sources": (lambda m: m["sources"].pop(), "4 sources; 5-10 expected"),
    "a short citation": (_set("sources.3.citation", "Tyler."), "source 4: needs a full citation"),
    "an address that is not a web address": (
        _set("sources.0.url", "ftp://x"),
        "source 1: the address is not a web address",
    ),
    "a cited_as found nowhere": (
        _set("sources.2.cited_as", "Goldstein, 1979"),
        "source 3: 'Goldstein, 1979' is cited nowhere in the text",
    ),
    "one branching scenario": (
        lambda m: m["lessons"][1]["body"].pop(1),
        "1 branching scenarios; at least 2",
    ),
    "an unsound branching scenario": (
        _set("lessons.0.body.1.value.steps", sound()[:4]),
        "one: scenario 'A': Step 'talk', choice 1: leads to 'calm', which is not a step.",
    ),
    "no job aid": (lambda m: m.pop("job_aid"), "no job aid (a title and at least two sections)"),
    "a long job aid": (
        _set("job_aid.sections.0.items", ["word " * 451]),
        "the job aid has 457 words; at most 450",
    ),
    "a lesson's minutes overstated": (
        lambda m: m["lessons"][2].update(minutes=m["lessons"][2]["minutes"] * 2),
        "three: states",
    ),
    "the module's minutes overstated": (
        lambda m: m.update(minutes=m["minutes"] * 2),
        "the module states",
    ),
    "minutes missing": (lambda m: m.update(minutes=None), "the module states None minutes"),
    "credit hours overstated": (lambda m: m.update(credit_hours=10.75), "states 10.75 credit"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_each_broken_rule_is_reported(name):
    change, expected = BROKEN[name]
    module = copy.deepcopy(good_module())
    change(module)
    problems = cc.check_module("module-01.yaml", module).problems
    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_cited_as_with_an_apostrophe_is_found_in_a_block_value():
    """The text of structured blocks is read as text, not as Python's repr of a dict."""
    module = good_module()
    module["sources"][0]["cited_as"] = "President's Task Force"
    module["lessons"][2]["body"].append(
        {
            "type": "callout",
            "value": {
                "tone": "note",
                "title": "It's",
                "text": '<p>The "President\'s Task Force" found</p>',
            },
        }
    )
    assert cc.check_module("m", module).problems == []


def test_the_report_prints_figures_and_failures():
    module = good_module()
    module["sources"].pop()
    text = cc.format_report([cc.check_module("module-01.yaml", module)])
    assert "module-01.yaml" in text
    assert "  pool: 30" in text
    assert "  application share: 70%" in text
    assert "  FAIL 4 sources; 5-10 expected" in text
