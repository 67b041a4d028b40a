"""Answers posted from the learner's forms (`assessments.form_answers`): one digit rule, and one
table of posted fields for the quiz page and one for the survey page. The parsers only read;
whatever is not an id is passed on as it came, for the service to refuse with its message."""

import pytest
from django.http import QueryDict

from assessments.form_answers import int_or_text, quiz_answers_from_form, survey_answers_from_form


def _post(pairs: list[tuple[str, str]]) -> QueryDict:
    post = QueryDict(mutable=True)
    for key, value in pairs:
        post.appendlist(key, value)
    return post


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("7", 7),
        ("007", 7),
        ("", ""),
        ("²", "²"),  # a digit to str.isdigit, but int("²") raises
        ("\u0663", "\u0663"),  # Arabic-Indic three: not ASCII
        ("-1", "-1"),
        ("1.0", "1.0"),
        (" 3", " 3"),
    ],
)
def test_only_ascii_digits_become_ints(raw, parsed):
    assert int_or_text(raw) == parsed


QUESTIONS = [{"id": 11, "choices": []}, {"id": 12, "choices": []}]


@pytest.mark.parametrize(
    ("fields", "answers"),
    [
        ([], {}),
        ([("q11", "5")], {"11": [5]}),
        ([("q11", "5"), ("q12", "7"), ("q12", "8")], {"11": [5], "12": [7, 8]}),
        ([("q11", "x")], {"11": ["x"]}),  # passed on: the service says what is wrong
        ([("q11", "5"), ("q11", "5")], {"11": [5, 5]}),  # the service refuses a repeat
        ([("q99", "5"), ("csrfmiddlewaretoken", "t")], {}),  # only served questions are read
        ([("q11", "")], {"11": [""]}),
    ],
)
def test_quiz_answers_from_the_quiz_page(fields, answers):
    assert quiz_answers_from_form(_post(fields), questions=QUESTIONS) == answers


ITEMS = [{"id": 21, "allow_comment": True}, {"id": 22, "allow_comment": False}]


@pytest.mark.parametrize(
    ("fields", "answers", "comments"),
    [
        ([], {}, {}),
        ([("item-21", "4"), ("item-22", "1")], {"21": 4, "22": 1}, {}),
        ([("item-21", "")], {}, {}),  # unanswered: the service names the statement
        ([("item-21", "six")], {"21": "six"}, {}),
        ([("item-21", "4"), ("comment-21", "Fair.")], {"21": 4}, {"21": "Fair."}),
        ([("comment-21", "   ")], {}, {}),  # a blank comment is no comment
        ([("comment-22", "Not asked for")], {}, {}),  # only where a comment is allowed
        ([("item-99", "3"), ("comment-99", "x")], {}, {}),  # only this survey's statements
    ],
)
def test_survey_answers_from_the_survey_page(fields, answers, comments):
    assert survey_answers_from_form(_post(fields), items=ITEMS) == (answers, comments)
