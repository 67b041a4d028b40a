"""The review policy holds against every way a learner reads an attempt: the result page, the
API (submit and GET), the transcript print-out and PDF, and the records download."""

import base64
import json
import re
import zlib

import pytest
from django.urls import reverse

from assessments.models import ReviewPolicy
from assessments.review import FULL, LIMITED, QuizStanding, review_level
from tests.factories import PersonFactory
from tests.helpers import (
    client_signed_in_as,
    complete_lessons,
    correct_answers,
    fail_quiz,
    pass_module,
    start_quiz,
)

pytestmark = pytest.mark.django_db

S = QuizStanding


@pytest.mark.parametrize(
    ("policy", "standing", "expected"),
    [
        (ReviewPolicy.IMMEDIATELY, S(2, False, False), FULL),
        (ReviewPolicy.IMMEDIATELY, S(1, False, True), FULL),
        (ReviewPolicy.AFTER_PASS_OR_LAST, S(2, False, False), LIMITED),
        (ReviewPolicy.AFTER_PASS_OR_LAST, S(1, True, False), FULL),
        (ReviewPolicy.AFTER_PASS_OR_LAST, S(0, False, False), FULL),
        (ReviewPolicy.AFTER_PASS_OR_LAST, S(0, False, True), LIMITED),  # the last one open
        (ReviewPolicy.NEVER, S(0, True, False), LIMITED),
        (ReviewPolicy.NEVER, S(2, False, False), LIMITED),
    ],
)
def test_review_level_table(policy, standing, expected):
    assert review_level(policy=policy, standing=standing) == expected


def _set_policy(module, policy):
    quiz = module.quiz
    quiz.review_policy = policy
    quiz.save()


def _feedback(module, text="Paperwork can wait; a person in danger cannot."):
    for question in module.quiz.questions.all():
        for choice in question.choices.filter(is_correct=False):
            choice.feedback = text
            choice.save()
    return text


def _pdf_text(data: bytes) -> str:
    """The text drawn in a ReportLab PDF: its content streams (ASCII85, then deflated)."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = stream.strip()
        if raw.endswith(b"~>"):
            raw = base64.a85decode(raw.removeprefix(b"<~").removesuffix(b"~>"))
        try:
            chunks.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            continue
    text = "".join(chunks)
    assert "Training transcript" in text  # the reader itself works
    return text


def reads(client, api, attempt_id: int) -> dict:
    """Every way the learner reads their attempt."""
    return {
        "page": client.get(reverse("attempt-result", args=[attempt_id])).content.decode(),
        "api": api.get(f"/api/v1/attempts/{attempt_id}/").json(),
        "transcript": client.get(reverse("my-transcript")).content.decode(),
        "pdf": _pdf_text(client.get(reverse("my-transcript-pdf")).content),
        "records": json.loads(client.get(reverse("my-records")).content),
    }


def _record_attempt(records: dict, attempt_id: int) -> dict:
    return next(
        a
        for c in records["curricula"]
        for m in c["modules"]
        for a in m["attempts"]
        if a["id"] == attempt_id
    )


def assert_limited(seen: dict, attempt, module, feedback: str):
    explanations = [q["explanation"] for q in attempt.questions]
    plain = [re.sub(r"<[^>]+>", "", e) for e in explanations]
    page = seen["page"]
    assert "Correct answer" not in page and feedback not in page
    assert not any(e in page for e in explanations)
    assert module.lessons[0].url in page  # the lesson that teaches a missed question
    body = seen["api"]
    assert body["review"] == "limited"
    assert all(set(q) == {"id", "correct", "lesson_id"} for q in body["questions"])
    assert {q["lesson_id"] for q in body["questions"]} <= {lsn.pk for lsn in module.lessons}
    for text in (seen["transcript"], seen["pdf"]):
        assert not any(p in text for p in plain) and feedback not in text
        assert "Why:" not in text
    row = _record_attempt(seen["records"], attempt.pk)
    assert row["review"] == "limited"
    assert all(set(q) == {"id", "correct", "lesson_id"} for q in row["questions"])
    assert feedback not in json.dumps(seen["records"])


def assert_full(seen: dict, attempt, feedback: str):
    plain = [re.sub(r"<[^>]+>", "", q["explanation"]) for q in attempt.questions]
    assert "Correct answer" in seen["page"] and feedback in seen["page"]
    assert all(q["explanation"] in seen["page"] for q in attempt.questions)
    body = seen["api"]
    assert body["review"] == "full"
    right = correct_answers(attempt.questions)
    for question in body["questions"]:
        assert question["correct_choice_ids"] == right[str(question["id"])]
        assert question["explanation"]
    for text in (seen["transcript"], seen["pdf"]):
        assert any(p in text for p in plain) and "Why:" in text
    assert feedback in seen["transcript"]
    row = _record_attempt(seen["records"], attempt.pk)
    assert row["review"] == "full" and all("correct_choice_ids" in q for q in row["questions"])


@pytest.fixture
def reader(learner, api_for):
    return client_signed_in_as(learner.user), api_for(learner.user)


def test_default_policy_hides_answers_until_the_last_attempt_then_shows_everything(
    learner, module, reader
):
    feedback = _feedback(module)
    first = fail_quiz(learner, module)
    assert_limited(reads(*reader, first.pk), first, module, feedback)
    fail_quiz(learner, module)
    assert_limited(reads(*reader, first.pk), first, module, feedback)

    fail_quiz(learner, module)  # the last attempt used: every attempt is reviewed in full

    assert_full(reads(*reader, first.pk), first, feedback)


def test_default_policy_shows_everything_after_passing(learner, module, reader):
    feedback = _feedback(module)
    first = fail_quiz(learner, module)
    pass_module(learner, module)
    assert_full(reads(*reader, first.pk), first, feedback)


def test_an_open_last_attempt_keeps_earlier_attempts_limited(learner, module, reader):
    feedback = _feedback(module)
    first = fail_quiz(learner, module)
    fail_quiz(learner, module)
    start_quiz(learner, module)  # the third and last attempt, open: no attempts left
    assert_limited(reads(*reader, first.pk), first, module, feedback)


def test_immediately_policy_reviews_a_failed_first_attempt_in_full(learner, module, reader):
    _set_policy(module, ReviewPolicy.IMMEDIATELY)
    feedback = _feedback(module)
    first = fail_quiz(learner, module)
    assert_full(reads(*reader, first.pk), first, feedback)


def test_never_policy_stays_limited_after_passing(learner, module, reader):
    _set_policy(module, ReviewPolicy.NEVER)
    feedback = _feedback(module)
    first = fail_quiz(learner, module)
    pass_module(learner, module)
    seen = reads(*reader, first.pk)
    assert_limited(seen, first, module, feedback)
    assert "does not show its answers" in seen["page"]


def test_submit_answers_with_the_same_policy(learner, module, learner_api):
    complete_lessons(learner, module)
    served = learner_api.post(f"/api/v1/quizzes/{module.quiz.pk}/attempts/").json()
    body = learner_api.post(
        f"/api/v1/attempts/{served['id']}/submit/", {"answers": {}}, format="json"
    ).json()
    assert body["review"] == "limited"
    assert all(set(q) == {"id", "correct", "lesson_id"} for q in body["questions"])


def test_another_learners_attempt_is_404_and_an_open_one_409(learner, learner_a2, module, api_for):
    mine = fail_quiz(learner, module)
    other = api_for(learner_a2.user)
    assert other.get(f"/api/v1/attempts/{mine.pk}/").status_code == 404
    complete_lessons(learner_a2, module)
    open_attempt = start_quiz(learner_a2, module)
    response = other.get(f"/api/v1/attempts/{open_attempt.pk}/")
    assert response.status_code == 409
    assert "detail" in response.json()


def test_transcript_pages_are_the_learners_own(learner, module, client):
    fail_quiz(learner, module)
    stranger = PersonFactory(agency=learner.agency)
    client.force_login(stranger.user)
    text = client.get(reverse("my-transcript")).content.decode()
    assert learner.display_name not in text
    records = json.loads(client.get(reverse("my-records")).content)
    assert all(not m["attempts"] for c in records["curricula"] for m in c["modules"])
