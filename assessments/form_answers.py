"""Answers posted from the learner's HTML forms, in the shape the services take.

The quiz page posts `q<question id>` (a radio, or checkboxes; choice ids); the survey page
posts `item-<statement id>` (a value from 1 to 5) and `comment-<statement id>`. These
functions only read those fields: ASCII digits become ints and anything else is passed on as
it came, so the service (`grading.normalise_answers`, `surveys.survey_submit`) refuses it with
the message the API gives for the same mistake.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.http import QueryDict


def int_or_text(value: str) -> int | str:
    """ASCII digits as an int; anything else unchanged ("²".isdigit() is true, but int("²")
    raises)."""
    return int(value) if value.isascii() and value.isdigit() else value


def quiz_answers_from_form(
    post: QueryDict, *, questions: Iterable[Mapping[str, Any]]
) -> dict[str, list[int | str]]:
    """The served questions' `q<id>` fields as `{"<question id>": [<choice id>, ...]}`;
    questions left unanswered are left out (they count as wrong)."""
    answers = {}
    for question in questions:
        values = post.getlist(f"q{question['id']}")
        if values:
            answers[str(question["id"])] = [int_or_text(v) for v in values]
    return answers


def survey_answers_from_form(
    post: QueryDict, *, items: Iterable[Mapping[str, Any]]
) -> tuple[dict[str, int | str], dict[str, str]]:
    """The survey's `item-<id>` and `comment-<id>` fields as (answers, comments), keyed by
    statement id. Unanswered statements and blank comments are left out, and so are comments
    on statements that take none (the page offers no box for them)."""
    answers: dict[str, int | str] = {}
    comments: dict[str, str] = {}
    for item in items:
        key = str(item["id"])
        value = post.get(f"item-{key}", "")
        if value:
            answers[key] = int_or_text(value)
        comment = post.get(f"comment-{key}", "")
        if item["allow_comment"] and comment.strip():
            comments[key] = comment
    return answers, comments
