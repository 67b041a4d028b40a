"""Officer pages through the Django test client: sign-in, lessons, the quiz form, certificates."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attempt
from courses.models import Certificate, LessonProgress, ModuleCompletion
from lms import roles
from tests.factories import PASSWORD, PersonFactory
from tests.helpers import (
    complete_lessons,
    correct_answers,
    fail_quiz,
    grow,
    move_clock,
    pass_module,
    start_quiz,
)


def form_fields(answers: dict[str, list[int]]) -> dict[str, list[str]]:
    """API answers to the quiz form's fields: `q<question id>` with the chosen choice ids."""
    return {f"q{q}": [str(c) for c in choices] for q, choices in answers.items()}


# --- Sign-in and My training -----------------------------------------------------------------


def test_login_page_renders_a_sign_in_form(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="username"' in content
    assert 'name="password"' in content


def test_signing_in_leads_to_my_training(client, learner):
    response = client.post(
        reverse("login"), {"username": learner.user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("my-training")


def test_wrong_password_shows_the_form_again(client, learner):
    response = client.post(
        reverse("login"), {"username": learner.user.username, "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_my_training_requires_sign_in(client, db):
    response = client.get(reverse("my-training"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('my-training')}"


def test_my_training_lists_the_assigned_curriculum(signed_in, curriculum):
    response = signed_in.get(reverse("my-training"))
    assert response.status_code == 200
    assert curriculum.page.title in response.content.decode()


def test_my_training_does_not_list_another_agencys_curriculum(client, learner_b, curriculum):
    client.force_login(learner_b.user)
    response = client.get(reverse("my-training"))
    assert response.status_code == 200
    assert curriculum.page.title not in response.content.decode()


def test_home_page_is_public(client, home):
    assert client.get(home.url).status_code == 200


# --- Curriculum, module and lesson pages -----------------------------------------------------


def test_curriculum_and_module_pages_render_for_an_assigned_learner(signed_in, curriculum):
    assert signed_in.get(curriculum.page.url).status_code == 200
    response = signed_in.get(curriculum.modules[0].page.url)
    assert response.status_code == 200
    assert curriculum.modules[0].lessons[0].title in response.content.decode()


def test_lesson_page_renders_for_an_assigned_learner(signed_in, module):
    lesson = module.lessons[0]
    response = signed_in.get(lesson.url)
    assert response.status_code == 200
    content = response.content.decode()
    assert lesson.title in content
    assert "Lesson text." in content
    assert reverse("lesson-complete", args=[lesson.pk]) in content


def test_lesson_page_sends_anonymous_visitors_to_sign_in(client, module):
    response = client.get(module.lessons[0].url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_lesson_page_is_not_found_for_a_learner_of_an_unassigned_agency(client, learner_b, module):
    client.force_login(learner_b.user)
    assert client.get(module.lessons[0].url).status_code == 404
    assert client.get(module.page.url).status_code == 404


def test_lesson_page_is_shown_to_authors(client, module, role_groups, agency_b):
    trainer = PersonFactory(agency=agency_b)
    trainer.user.groups.add(role_groups[roles.TRAINER])
    client.force_login(trainer.user)
    assert client.get(module.lessons[0].url).status_code == 200


def test_marking_a_lesson_complete_records_it_and_goes_on(signed_in, learner, module):
    lesson, following = module.lessons
    response = signed_in.post(reverse("lesson-complete", args=[lesson.pk]), {"next": following.url})
    assert response.status_code == 302
    assert response["Location"] == following.url
    assert LessonProgress.objects.filter(person=learner, lesson=lesson).exists()
    assert "You completed this lesson" in signed_in.get(lesson.url).content.decode()


def test_marking_complete_ignores_an_offsite_next_address(signed_in, module):
    lesson = module.lessons[0]
    response = signed_in.post(
        reverse("lesson-complete", args=[lesson.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == lesson.url


def test_marking_complete_needs_post(signed_in, module):
    response = signed_in.get(reverse("lesson-complete", args=[module.lessons[0].pk]))
    assert response.status_code == 405
    assert not LessonProgress.objects.exists()


def test_marking_complete_a_lesson_of_an_unassigned_curriculum_is_not_found(
    client, learner_b, module
):
    client.force_login(learner_b.user)
    response = client.post(reverse("lesson-complete", args=[module.lessons[0].pk]))
    assert response.status_code == 404
    assert not LessonProgress.objects.exists()


# --- Quiz through the HTML form --------------------------------------------------------------


def test_quiz_taken_and_submitted_through_the_form_completes_the_module(signed_in, learner, module):
    complete_lessons(learner, module)
    started = signed_in.post(reverse("quiz-start", args=[module.quiz.pk]))
    assert started.status_code == 302
    attempt = Attempt.objects.get(user=learner.user)
    assert started["Location"] == reverse("attempt-take", args=[attempt.pk])

    page = signed_in.get(started["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    for question in attempt.questions:
        assert f'name="q{question["id"]}"' in content
    assert "explanation" not in content.lower()
    assert not re.search(r"correct", content, re.IGNORECASE)

    submitted = signed_in.post(
        reverse("attempt-submit", args=[attempt.pk]),
        form_fields(correct_answers(attempt.questions)),
    )
    assert submitted.status_code == 302
    assert submitted["Location"] == reverse("attempt-result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (100, True)
    assert ModuleCompletion.objects.filter(person=learner, module=module.page).exists()


def test_each_question_is_a_group_named_by_its_number_kind_and_prompt(signed_in, learner, module):
    complete_lessons(learner, module)
    attempt = start_quiz(learner, module)
    content = signed_in.get(reverse("attempt-take", args=[attempt.pk])).content.decode()
    for question in attempt.questions:
        q = question["id"]
        assert f'<fieldset aria-labelledby="q{q}-legend q{q}-prompt">' in content
        legend = re.search(rf'<legend id="q{q}-legend">(.*?)</legend>', content, re.S).group(1)
        assert "<p" not in legend and "<div" not in legend  # a legend holds phrasing content
        prompt = re.search(
            rf'<div class="question__prompt" id="q{q}-prompt">(.*?)</div>', content, re.S
        )
        assert prompt.group(1).strip() == question["prompt"]


def test_failed_result_page_shows_score_and_lessons_but_no_explanations(signed_in, learner, module):
    complete_lessons(learner, module)
    attempt = start_quiz(learner, module)
    signed_in.post(reverse("attempt-submit", args=[attempt.pk]), {})
    response = signed_in.get(reverse("attempt-result", args=[attempt.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "0%" in content
    for question in attempt.questions:
        assert question["explanation"] not in content
    for lesson in module.lessons:
        assert lesson.url in content


def test_result_page_after_recertification_counts_only_this_cycles_attempts(
    signed_in, learner, curriculum
):
    for module in curriculum.modules:
        fail_quiz(learner, module)
        pass_module(learner, module)
    Certificate.objects.filter(person=learner).update(expires_at=timezone.now() - timedelta(days=1))
    module = curriculum.modules[0]
    complete_lessons(learner, module)
    signed_in.post(reverse("quiz-start", args=[module.quiz.pk]))
    attempt = Attempt.objects.filter(user=learner.user, quiz=module.quiz).latest("number")
    assert attempt.number == 3  # numbering runs on across cycles; the limit does not
    take = signed_in.get(reverse("attempt-take", args=[attempt.pk])).content.decode()
    assert "attempt 1 of 3" in take
    signed_in.post(reverse("attempt-submit", args=[attempt.pk]), {})
    content = signed_in.get(reverse("attempt-result", args=[attempt.pk])).content.decode()
    assert "You have 2 attempts left." in content
    page = signed_in.get(module.page.url).content.decode()
    assert "2 attempts left" in page


def test_quiz_start_is_refused_while_lessons_are_incomplete(signed_in, module):
    response = signed_in.post(reverse("quiz-start", args=[module.quiz.pk]))
    assert response.status_code == 302
    assert response["Location"] == module.page.url
    assert not Attempt.objects.exists()


def test_invalid_form_answer_keeps_the_attempt_open(signed_in, learner, module):
    complete_lessons(learner, module)
    attempt = start_quiz(learner, module)
    question = attempt.questions[0]["id"]
    response = signed_in.post(reverse("attempt-submit", args=[attempt.pk]), {f"q{question}": "x"})
    assert response["Location"] == reverse("attempt-take", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


@pytest.mark.parametrize("value", ["²", "٣", "-1", "1.0", ""])
def test_odd_form_values_are_refused_without_an_error_page(signed_in, learner, module, value):
    complete_lessons(learner, module)
    attempt = start_quiz(learner, module)
    question = attempt.questions[0]["id"]
    response = signed_in.post(reverse("attempt-submit", args=[attempt.pk]), {f"q{question}": value})
    assert response.status_code == 302
    assert response["Location"] == reverse("attempt-take", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_open_attempt_result_redirects_to_the_form_and_submitted_form_to_the_result(
    signed_in, learner, module
):
    complete_lessons(learner, module)
    attempt = start_quiz(learner, module)
    take, result = (
        reverse("attempt-take", args=[attempt.pk]),
        reverse("attempt-result", args=[attempt.pk]),
    )
    assert signed_in.get(result)["Location"] == take
    signed_in.post(reverse("attempt-submit", args=[attempt.pk]), {})
    assert signed_in.get(take)["Location"] == result


def test_another_learners_attempt_pages_are_not_found(client, learner, learner_a2, module):
    complete_lessons(learner, module)
    attempt = start_quiz(learner, module)
    client.force_login(learner_a2.user)
    assert client.get(reverse("attempt-take", args=[attempt.pk])).status_code == 404
    assert client.post(reverse("attempt-submit", args=[attempt.pk]), {}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


# --- Resuming an open attempt ----------------------------------------------------------------


def _resume_link(attempt) -> str:
    return f'href="{reverse("attempt-take", args=[attempt.pk])}"'


def test_an_open_final_attempt_is_offered_for_resumption_not_reported_as_used_up(
    signed_in, learner, module
):
    fail_quiz(learner, module)
    fail_quiz(learner, module)
    signed_in.post(reverse("quiz-start", args=[module.quiz.pk]))  # the third and last
    attempt = Attempt.objects.get(user=learner.user, submitted_at=None)
    assert attempt.number == module.quiz.max_attempts

    for url in (module.page.url, reverse("my-training")):
        content = signed_in.get(url).content.decode()
        assert _resume_link(attempt) in content, url
        assert "Resume attempt" in content, url
        assert "used all your attempts" not in content, url
    assert signed_in.get(reverse("attempt-take", args=[attempt.pk])).status_code == 200


def test_an_open_first_attempt_is_resumed_rather_than_started(signed_in, learner, module):
    complete_lessons(learner, module)
    attempt = start_quiz(learner, module)
    content = signed_in.get(module.page.url).content.decode()
    assert _resume_link(attempt) in content
    assert "Start the quiz" not in content
    assert "Retake the quiz" not in content
    assert "Resume attempt" in signed_in.get(reverse("my-training")).content.decode()


def test_no_resume_is_offered_without_an_open_attempt(signed_in, learner, module):
    fail_quiz(learner, module)
    for url in (module.page.url, reverse("my-training")):
        assert "Resume attempt" not in signed_in.get(url).content.decode(), url
    assert "Retake the quiz" in signed_in.get(module.page.url).content.decode()


def test_an_attempt_past_its_time_limit_is_not_offered_for_resumption(
    signed_in, learner, module, monkeypatch
):
    module.quiz.time_limit_minutes = 10
    module.quiz.save()
    fail_quiz(learner, module)
    fail_quiz(learner, module)
    complete_lessons(learner, module)
    attempt = start_quiz(learner, module)
    assert attempt.expires_at is not None
    move_clock(monkeypatch, minutes=20)
    content = signed_in.get(module.page.url).content.decode()
    assert _resume_link(attempt) not in content
    assert "Resume attempt" not in content
    assert "used all your attempts" in content
    assert "Resume attempt" not in signed_in.get(reverse("my-training")).content.decode()


# --- Certificates ----------------------------------------------------------------------------


def test_my_certificates_page_lists_the_learners_certificate(signed_in, certificate):
    response = signed_in.get(reverse("my-certificates"))
    assert response.status_code == 200
    assert certificate.code in response.content.decode()


def test_certificate_pdf_page_route_serves_the_owner(signed_in, certificate):
    response = signed_in.get(reverse("certificate-pdf", args=[certificate.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_certificate_pdf_page_route_is_not_found_for_another_learner(
    client, learner_a2, certificate
):
    client.force_login(learner_a2.user)
    assert client.get(reverse("certificate-pdf", args=[certificate.code])).status_code == 404


def test_verify_page_is_public(client, certificate):
    response = client.get(reverse("certificate-verify", args=[certificate.code]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Dana Reyes" in content
    assert "Valid certificate" in content


def test_verify_page_accepts_a_code_typed_in_lower_case(client, certificate):
    response = client.get(reverse("certificate-verify", args=[certificate.code.lower()]))
    assert response.status_code == 200


def test_verify_page_of_an_unknown_code_is_not_found(client, db):
    response = client.get(reverse("certificate-verify", args=["AAAA-BBBB-CCCC-DDDD"]))
    assert response.status_code == 404
    assert "No certificate found" in response.content.decode()


def test_certificate_lookup_form_redirects_to_the_verify_page(client, certificate):
    raw = certificate.code.replace("-", "").lower()
    response = client.get(reverse("certificate-lookup"), {"code": raw})
    assert response.status_code == 302
    assert response["Location"] == reverse("certificate-verify", args=[certificate.code])


# --- Query counts (rendered: the page cache is off in tests, lms/settings/test.py) ----------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_lesson_page_and_my_training_queries_do_not_grow_with_the_curriculum_or_progress(
    signed_in, learner, curriculum
):
    lesson = curriculum.modules[0].lessons[0]
    urls = [lesson.url, reverse("my-training")]
    for url in urls:
        signed_in.get(url)  # warm Wagtail's site root paths and content types
    small = [_queries(signed_in, url) for url in urls]

    grow(curriculum, learner, modules=3, lessons=4)  # lessons, completions, attempts, certificate
    assert len(curriculum.modules) == 5
    assert LessonProgress.objects.filter(person=learner).count() > len(curriculum.modules)
    assert [_queries(signed_in, url) for url in urls] == small
