"""Perception surveys around the curriculum: offered, optional, answered once. The
command-staff report of the shift is tested in tests/oversight/test_survey_report.py."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from assessments.models import SurveyPhase, SurveyResponse
from authoring.curriculum_data import CurriculumDataError, read_curriculum, validate_survey
from courses.models import CurriculumPage
from tests.helpers import answer_survey as answer
from tests.helpers import complete_lessons, pass_module
from tests.helpers import survey_items as items

PRE_PROMPT = "Before you start: a two-minute survey"
HIDDEN = "Results are hidden"


def url(curriculum, phase: str) -> str:
    return f"/training/surveys/{curriculum.page.pk}/{phase}/"


def form_data(survey, value: int = 4, **extra) -> dict:
    return {f"item-{item.pk}": str(value) for item in items(survey)} | extra


# --- The learner's side -----------------------------------------------------------------------


def test_my_training_offers_the_before_survey_to_a_learner_who_has_not_started(
    signed_in, curriculum, survey
):
    html = signed_in.get("/training/").content.decode()
    assert PRE_PROMPT in html
    assert url(curriculum, "pre") in html
    assert url(curriculum, "post") not in html


def test_the_first_module_page_carries_the_prompt_and_the_second_does_not(
    signed_in, curriculum, survey
):
    first = signed_in.get(curriculum.modules[0].page.url).content.decode()
    second = signed_in.get(curriculum.modules[1].page.url).content.decode()
    assert PRE_PROMPT in first
    assert PRE_PROMPT not in second


def test_without_a_survey_nothing_is_offered_and_the_form_is_404(signed_in, curriculum):
    assert PRE_PROMPT not in signed_in.get("/training/").content.decode()
    assert signed_in.get(url(curriculum, "pre")).status_code == 404


def test_the_form_groups_each_statement_in_a_fieldset_with_five_labelled_choices(
    signed_in, curriculum, survey
):
    response = signed_in.get(url(curriculum, "pre"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<fieldset") == 3
    assert html.count("<legend>") == 3
    for item in items(survey):
        radios = re.findall(
            rf'<input type="radio" name="item-{item.pk}" value="(\d)" id="([^"]+)"', html
        )
        assert [value for value, _ in radios] == ["1", "2", "3", "4", "5"]
        for _, radio_id in radios:
            assert f'<label for="{radio_id}">' in html
        assert item.statement in html
    assert "Strongly disagree" in html and "Strongly agree" in html
    commented = items(survey)[1]
    assert html.count("<textarea") == 1
    assert f'<label for="comment-{commented.pk}">' in html


def test_submitting_the_before_survey_records_it_and_returns_to_my_training(
    signed_in, learner, curriculum, survey
):
    commented = items(survey)[1]
    response = signed_in.post(
        url(curriculum, "pre"), form_data(survey, 2, **{f"comment-{commented.pk}": "Not sure yet"})
    )
    assert response.status_code == 302
    assert response.url == "/training/"
    saved = SurveyResponse.objects.get(user=learner.user, phase=SurveyPhase.PRE)
    assert set(saved.answers.values_list("value", flat=True)) == {2}
    assert saved.answers.get(item=commented).comment == "Not sure yet"
    page = signed_in.get("/training/").content.decode()
    assert "have been recorded" in page
    assert PRE_PROMPT not in page


def test_an_incomplete_form_is_shown_again_with_the_error_and_the_choices_kept(
    signed_in, learner, curriculum, survey
):
    data = form_data(survey, 5)
    missing = items(survey)[2]
    del data[f"item-{missing.pk}"]
    response = signed_in.post(url(curriculum, "pre"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "needs an answer" in html
    assert f'href="#item-{missing.pk}"' in html
    first = items(survey)[0]
    assert f'id="item-{first.pk}-5" required checked' in html
    assert not SurveyResponse.objects.filter(user=learner.user).exists()


def test_answering_again_is_refused_with_a_message(signed_in, learner, curriculum, survey):
    answer(learner, survey, SurveyPhase.PRE, 3)
    response = signed_in.get(url(curriculum, "pre"), follow=True)
    assert response.redirect_chain[-1][0] == "/training/"
    assert "already answered" in response.content.decode()
    again = signed_in.post(url(curriculum, "pre"), form_data(survey, 1))
    assert again.status_code == 302
    assert SurveyResponse.objects.filter(user=learner.user).count() == 1


def test_the_survey_never_blocks_the_training(signed_in, learner, curriculum, survey):
    module = curriculum.modules[0]
    lesson = module.lessons[0]
    done = signed_in.post(f"/training/lessons/{lesson.pk}/complete/")
    assert done.status_code == 302
    complete_lessons(learner, module)
    start = signed_in.post(f"/training/quizzes/{module.quiz.pk}/start/")
    assert start.status_code == 302
    assert "/training/attempts/" in start.url
    assert not SurveyResponse.objects.filter(user=learner.user).exists()


def test_the_before_survey_closes_once_the_learner_has_started_module_one(
    signed_in, learner, curriculum, survey
):
    complete_lessons(learner, curriculum.modules[0])
    assert PRE_PROMPT not in signed_in.get("/training/").content.decode()
    response = signed_in.get(url(curriculum, "pre"), follow=True)
    assert "closed when you started module 1" in response.content.decode()
    assert signed_in.post(url(curriculum, "pre"), form_data(survey)).status_code == 302
    assert not SurveyResponse.objects.filter(user=learner.user).exists()


def test_the_after_survey_waits_until_the_last_module_is_completed(
    signed_in, learner, curriculum, survey
):
    pass_module(learner, curriculum.modules[0])
    html = signed_in.get("/training/").content.decode()
    assert url(curriculum, "post") not in html
    response = signed_in.get(url(curriculum, "post"), follow=True)
    assert "opens once you have completed module 2" in response.content.decode()
    assert signed_in.post(url(curriculum, "post"), form_data(survey)).status_code == 302
    assert not SurveyResponse.objects.filter(user=learner.user).exists()


def test_the_after_survey_is_offered_and_taken_once_the_last_module_is_done(
    signed_in, learner, curriculum, survey
):
    for module in curriculum.modules:
        pass_module(learner, module)
    html = signed_in.get("/training/").content.decode()
    assert "You finished module 2: a two-minute survey" in html
    assert url(curriculum, "post") in html
    assert PRE_PROMPT not in html
    assert url(curriculum, "post") in signed_in.get(curriculum.modules[1].page.url).content.decode()
    assert signed_in.post(url(curriculum, "post"), form_data(survey, 5)).status_code == 302
    assert SurveyResponse.objects.filter(user=learner.user, phase=SurveyPhase.POST).exists()
    assert url(curriculum, "post") not in signed_in.get("/training/").content.decode()


def test_a_curriculum_shorter_than_the_after_module_offers_it_after_its_last_module(
    signed_in, learner, curriculum, survey
):
    page = CurriculumPage.objects.get(pk=curriculum.page.pk)
    page.post_survey_after_module = 7  # the default, on a two-module curriculum
    page.save()
    for module in curriculum.modules:
        pass_module(learner, module)
    assert url(curriculum, "post") in signed_in.get("/training/").content.decode()


def test_a_learner_without_the_curriculum_gets_404(client, learner_b, curriculum, survey):
    client.force_login(learner_b.user)
    assert client.get(url(curriculum, "pre")).status_code == 404


def test_an_unknown_phase_is_404(signed_in, curriculum, survey):
    assert signed_in.get(url(curriculum, "during")).status_code == 404


def test_the_form_needs_a_signed_in_learner(client, curriculum, survey):
    response = client.get(url(curriculum, "pre"))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


# --- The data file and the demo seed ------------------------------------------------------------


def test_the_shipped_survey_has_twelve_plain_statements_two_with_comments_two_reversed():
    curriculum, _ = read_curriculum()
    survey = curriculum["survey"]
    assert len(survey["items"]) == 12
    assert sum(1 for item in survey["items"] if item.get("allow_comment")) == 2
    assert sum(1 for item in survey["items"] if item.get("reversed")) == 2
    assert all("<" not in item["statement"] for item in survey["items"])


@pytest.mark.parametrize(
    "data",
    [
        {"title": "S", "items": [{"statement": "One."}, {"statement": "Two."}]},
        {"items": [{"statement": f"{n}."} for n in range(3)]},
        {
            "title": "S",
            "items": [{"statement": "<b>One</b>"}, {"statement": "2"}, {"statement": "3"}],
        },
        {"title": "S", "items": [{"statement": "Same."}] * 3},
        {"title": "S", "items": [{"statement": "x" * 301}, {"statement": "2"}, {"statement": "3"}]},
    ],
)
def test_a_survey_file_that_breaks_the_format_is_rejected(tmp_path, data):
    with pytest.raises(CurriculumDataError):
        validate_survey(tmp_path / "survey.yaml", data)


def test_seed_attaches_the_survey_and_answers_it_for_demo_learners_once(client, db):
    call_command("seed_demo", password="seed-password-for-tests", stdout=StringIO())
    curriculum = CurriculumPage.objects.get(slug="building-relationships")
    survey = curriculum.survey
    assert survey is not None and survey.live
    assert survey.items.count() == 12
    assert survey.items.filter(reversed=True).count() == 2
    assert survey.live_revision_id is not None
    pre = SurveyResponse.objects.filter(survey=survey, phase=SurveyPhase.PRE)
    post = SurveyResponse.objects.filter(survey=survey, phase=SurveyPhase.POST)
    assert pre.count() == 11
    assert post.count() == 6
    assert not pre.filter(user__username="officer").exists()  # the demo learner can try it

    out = StringIO()
    call_command("seed_demo", password="seed-password-for-tests", stdout=out)
    assert "0 demo survey responses" in out.getvalue()
    assert SurveyResponse.objects.count() == 17

    client.force_login(get_user_model().objects.get(username="command"))  # Riverside
    html = client.get("/oversight/surveys/").content.decode()
    assert "Shift: +" in html
    assert "fewer than 5 people" not in html
    client.force_login(get_user_model().objects.get(username="command2"))  # Lakeside: nobody
    html = client.get("/oversight/surveys/").content.decode()
    assert "Shift:" not in html
    assert "fewer than 5 people have answered" in html
