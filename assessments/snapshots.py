"""The shape of an attempt's question snapshot and answers, checked where they come from
outside the quiz engine (a records file): the result page, the review and grading read them
without checks, so a snapshot missing its choices would answer 500 there.

The snapshot (`services.quiz_snapshot` writes it) is a list of questions:

    [{"id": <question id>, "kind": "single" | "multiple" | "true_false" | "scenario",
      "level": "application" | "recall", "lesson_id": <page id> | null,
      "prompt": "<html>", "explanation": "<html>",
      "choices": [{"id": <choice id>, "text": "...", "correct": true | false,
                   "feedback": "..."}, ...]}, ...]

`level`, `lesson_id` and `feedback` are absent from snapshots taken before questions had them.

The answers (`attempt_submit` stores them) map a question id, as text, to the chosen choice
ids of that question: {"12": [40, 41]}; null while the attempt is open.
"""

from typing import Any

from wagtail.models import Page

from assessments.models import Choice, Question, QuestionKind, QuestionLevel
from lms.json_input import integer_limits, integer_problem, is_integer

QUESTION_IDS = integer_limits(Question._meta.pk)
CHOICE_IDS = integer_limits(Choice._meta.pk)
PAGE_IDS = integer_limits(Page._meta.pk)
ANSWERS_SHAPE = "must map question ids to lists of choice ids of that question"


def snapshot_problems(questions: Any, where: str) -> list[str]:
    """Every way `questions` is not a snapshot, as "place: problem" (empty when it is one)."""
    if not isinstance(questions, list):
        return [f"{where}: must be a list of questions"]
    problems: list[str] = []
    seen: set[int] = set()
    for index, question in enumerate(questions):
        here = f"{where}[{index}]"
        if not isinstance(question, dict):
            problems.append(f"{here}: must be an object")
            continue
        problems += _id_problems(question, here, QUESTION_IDS, seen)
        kind = question.get("kind")
        if "kind" not in question:
            problems.append(f"{here}.kind: is missing")
        elif kind not in QuestionKind.values:
            problems.append(f"{here}.kind: must be one of {', '.join(QuestionKind.values)}")
        for name in ("prompt", "explanation"):
            if name not in question:
                problems.append(f"{here}.{name}: is missing")
            elif not isinstance(question[name], str):
                problems.append(f"{here}.{name}: must be text")
        if "level" in question and question["level"] not in QuestionLevel.values:
            problems.append(f"{here}.level: must be one of {', '.join(QuestionLevel.values)}")
        lesson_id = question.get("lesson_id")
        if lesson_id is not None and (problem := integer_problem(lesson_id, PAGE_IDS)):
            problems.append(f"{here}.lesson_id: {problem}")
        problems += _choices_problems(question, here)
    return problems


def _id_problems(item: dict, here: str, limits: tuple[int, int], seen: set[int]) -> list[str]:
    if "id" not in item:
        return [f"{here}.id: is missing"]
    problem = integer_problem(item["id"], limits)
    if problem:
        return [f"{here}.id: {problem}"]
    if item["id"] in seen:
        return [f"{here}.id: repeats id {item['id']}"]
    seen.add(item["id"])
    return []


def _choices_problems(question: dict, here: str) -> list[str]:
    if "choices" not in question:
        return [f"{here}.choices: is missing"]
    choices = question["choices"]
    if not isinstance(choices, list):
        return [f"{here}.choices: must be a list"]
    problems: list[str] = []
    seen: set[int] = set()
    for index, choice in enumerate(choices):
        there = f"{here}.choices[{index}]"
        if not isinstance(choice, dict):
            problems.append(f"{there}: must be an object")
            continue
        problems += _id_problems(choice, there, CHOICE_IDS, seen)
        if "text" not in choice:
            problems.append(f"{there}.text: is missing")
        elif not isinstance(choice["text"], str):
            problems.append(f"{there}.text: must be text")
        if "correct" not in choice:
            problems.append(f"{there}.correct: is missing")
        elif not isinstance(choice["correct"], bool):
            problems.append(f"{there}.correct: must be true or false")
        if "feedback" in choice and not isinstance(choice["feedback"], str):
            problems.append(f"{there}.feedback: must be text")
    return problems


def answers_problems(answers: Any, questions: Any, where: str) -> list[str]:
    """Why `answers` do not fit the (valid) snapshot `questions`, as "place: problem"."""
    if answers is None:
        return []
    choices_of = {
        str(q["id"]): {c["id"] for c in q["choices"]} for q in questions if isinstance(q, dict)
    }
    fits = isinstance(answers, dict) and all(
        key in choices_of
        and isinstance(chosen, list)
        and all(is_integer(c) and c in choices_of[key] for c in chosen)
        for key, chosen in answers.items()
    )
    return [] if fits else [f"{where}: {ANSWERS_SHAPE}"]
