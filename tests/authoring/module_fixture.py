"""A small module in the curriculum files' shape (courses/curriculum/FORMAT.md) that the loader
accepts and the content check passes: three lessons with two branching scenarios, a pool of 30,
five sources, a job aid, minutes as derived. The shipped module files are being rewritten; the
tests of the loader's new parts and of `check_content` use this instead."""

from pathlib import Path

import yaml

from authoring import content_check as cc
from authoring.curriculum_data import DATA_DIR
from tests.factories import branching_scenario_value

PARAGRAPH = "<p>" + " ".join(["Officers listen before they act on the street."] * 50) + "</p>"


def _question(number: int, kind: str = "single", correct: int = 1) -> dict:
    if kind == "multiple":
        choices = [
            {"text": f"Step {i}", "correct": i < correct, "feedback": "" if i < correct else "No."}
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
        "lesson": "listening",
        "level": "application" if number % 3 else "recall",
        "prompt": f"<p>On a call, question {number}: what do you do?</p>",
        "explanation": "<p>Asking first keeps the contact calm.</p>",
        "choices": choices,
    }


def module_data(number: int = 1) -> dict:
    lessons = [
        {
            "slug": "listening",
            "title": "Listening",
            "summary": "Why listening comes first.",
            "body": [
                {"type": "rich_text", "value": PARAGRAPH + "<p>(Tyler, 1990)</p>"},
                {"type": "branching_scenario", "value": branching_scenario_value()},
                {"type": "reflection_prompt", "value": {"prompt": "When did you listen?"}},
            ],
        },
        {
            "slug": "explaining",
            "title": "Explaining",
            "summary": "Saying why.",
            "body": [
                {"type": "rich_text", "value": PARAGRAPH + "<p>(Goldstein, 1990)</p>"},
                {
                    "type": "branching_scenario",
                    "value": branching_scenario_value(title="The parked car on Birch Lane"),
                },
            ],
        },
        {
            "slug": "following-up",
            "title": "Following Up",
            "summary": "Coming back.",
            "body": [
                {"type": "rich_text", "value": PARAGRAPH + "<p>(Task Force, 2015)</p>"},
                {"type": "key_takeaways", "value": {"items": ["Listen.", "Explain.", "Return."]}},
            ],
        },
    ]
    for lesson in lessons:
        lesson["minutes"] = cc.lesson_minutes(lesson)
    questions = [_question(n) for n in range(27)]
    questions += [_question(27 + n, "multiple", correct=n + 1) for n in range(3)]
    quiz = {
        "title": f"Module {number} quiz",
        "pass_mark": 80,
        "max_attempts": 3,
        "questions_per_attempt": 10,
        "questions": questions,
    }
    minutes = sum(lesson["minutes"] for lesson in lessons) + cc.quiz_minutes(quiz)
    return {
        "number": number,
        "slug": f"fixture-module-{number}",
        "title": f"Fixture Module {number}",
        "summary": "A module for tests.",
        "objectives": ["Listen first.", "Explain why.", "Follow up."],
        "minutes": minutes,
        "credit_hours": float(cc.credit_hours(minutes)),
        "lessons": lessons,
        "quiz": quiz,
        "sources": [
            {
                "citation": "President's Task Force on 21st Century Policing. Final Report of "
                "the President's Task Force on 21st Century Policing. Washington, DC: Office of "
                "Community Oriented Policing Services, 2015.",
                "url": "https://cops.usdoj.gov/pdf/taskforce/taskforce_finalreport.pdf",
                "cited_as": "Task Force, 2015",
            },
            {
                "citation": "Tyler, Tom R. Why People Obey the Law. New Haven: Yale University "
                "Press, 1990.",
                "cited_as": "Tyler, 1990",
            },
            {
                "citation": "Goldstein, Herman. Problem-Oriented Policing. New York: McGraw-Hill, "
                "1990.",
                "cited_as": "Goldstein, 1990",
            },
            {"citation": "A fourth reference for tests only, with its year, 2014."},
            {"citation": "A fifth reference for tests only, with its year, 2020."},
        ],
        "job_aid": {
            "title": "Contact checklist",
            "intro": "Use it before and after any contact.",
            "sections": [
                {"heading": "Before", "items": ["Greet first.", "Say why you are there."]},
                {"heading": "After", "items": ["Thank them.", "Write it up."]},
            ],
        },
    }


def write_curriculum(directory: Path, modules: list[dict]) -> Path:
    """A curriculum folder: the shipped curriculum.yaml and these module files."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "curriculum.yaml").write_text((DATA_DIR / "curriculum.yaml").read_text())
    for data in modules:
        path = directory / f"module-{data['number']:02d}-fixture.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return directory
