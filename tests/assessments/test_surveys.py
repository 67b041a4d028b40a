"""The survey engine: answering once, validation, the before/after shift and its suppression."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from assessments.forms import SurveyForm
from assessments.models import SurveyAnswer, SurveyItem, SurveyResponse
from assessments.surveys import Distribution, survey_shift, survey_submit
from lms.errors import DomainError, ErrorCode
from tests.factories import SurveyItemFactory, UserFactory, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    """Three statements; the second takes a comment."""
    return make_survey(items=3, comment_on=(1,))


def items_of(survey) -> list[SurveyItem]:
    return list(survey.items.order_by("sort_order", "pk"))


def answers(survey, *values: int) -> dict[str, int]:
    return {str(item.pk): value for item, value in zip(items_of(survey), values, strict=True)}


def submit(survey, user, phase, *values, comments=None):
    return survey_submit(
        survey=survey,
        user=user,
        phase=phase,
        answers=answers(survey, *values),
        comments=comments or {},
    )


# --- Answering ------------------------------------------------------------------------------


def test_a_complete_submission_stores_one_answer_per_statement(survey):
    user = UserFactory()
    response = submit(survey, user, "pre", 1, 3, 5)
    assert response.phase == "pre"
    assert response.submitted_at is not None
    stored = dict(response.answers.values_list("item_id", "value"))
    assert stored == {item.pk: v for item, v in zip(items_of(survey), (1, 3, 5), strict=True)}


def test_a_missing_answer_is_rejected_naming_the_statement_and_nothing_is_stored(survey):
    second = items_of(survey)[1]
    partial = answers(survey, 4, 4, 4)
    del partial[str(second.pk)]
    with pytest.raises(DomainError) as error:
        survey_submit(survey=survey, user=UserFactory(), phase="pre", answers=partial, comments={})
    assert error.value.code == ErrorCode.INVALID
    assert error.value.field == str(second.pk)
    assert "Statement 2" in error.value.message
    assert second.statement in error.value.message
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize("bad", [0, 6, -1, 2.5, True, "x", None, "3x"])
def test_values_off_the_five_point_scale_are_rejected(survey, bad):
    given = answers(survey, 3, 3, 3)
    given[str(items_of(survey)[0].pk)] = bad
    with pytest.raises(DomainError) as error:
        survey_submit(survey=survey, user=UserFactory(), phase="pre", answers=given, comments={})
    assert error.value.code == ErrorCode.INVALID


def test_a_statement_of_another_survey_is_rejected(survey):
    other = make_survey(items=3)
    given = answers(survey, 3, 3, 3) | {str(items_of(other)[0].pk): 3}
    with pytest.raises(DomainError) as error:
        survey_submit(survey=survey, user=UserFactory(), phase="pre", answers=given, comments={})
    assert error.value.code == ErrorCode.INVALID


def test_an_unknown_phase_is_rejected(survey):
    with pytest.raises(DomainError) as error:
        submit(survey, UserFactory(), "during", 3, 3, 3)
    assert error.value.code == ErrorCode.INVALID


def test_a_draft_survey_cannot_be_answered(survey):
    survey.live = False
    survey.save()
    with pytest.raises(DomainError) as error:
        submit(survey, UserFactory(), "pre", 3, 3, 3)
    assert error.value.code == ErrorCode.CONFLICT


def test_comments_are_kept_as_plain_text_where_allowed(survey):
    commented = items_of(survey)[1]
    response = submit(
        survey,
        UserFactory(),
        "post",
        2,
        4,
        3,
        comments={str(commented.pk): "<b>Much</b> better <script>x()</script>now"},
    )
    comment = response.answers.get(item=commented).comment
    assert "<" not in comment
    assert comment.startswith("Much better")


def test_a_comment_on_a_statement_without_a_comment_box_is_rejected(survey):
    first = items_of(survey)[0]
    with pytest.raises(DomainError) as error:
        submit(survey, UserFactory(), "pre", 3, 3, 3, comments={str(first.pk): "Hello"})
    assert error.value.code == ErrorCode.INVALID
    assert error.value.field == str(first.pk)


def test_a_blank_comment_anywhere_is_ignored(survey):
    first = items_of(survey)[0]
    response = submit(survey, UserFactory(), "pre", 3, 3, 3, comments={str(first.pk): "  "})
    assert not response.answers.exclude(comment="").exists()


def test_a_comment_over_1000_characters_is_rejected(survey):
    commented = items_of(survey)[1]
    with pytest.raises(DomainError) as error:
        submit(survey, UserFactory(), "pre", 3, 3, 3, comments={str(commented.pk): "a" * 1001})
    assert error.value.code == ErrorCode.INVALID
    response = submit(
        survey, UserFactory(), "pre", 3, 3, 3, comments={str(commented.pk): "a" * 1000}
    )
    assert len(response.answers.get(item=commented).comment) == 1000


def test_second_submission_for_a_phase_is_rejected_and_keeps_the_first(survey):
    user = UserFactory()
    first = submit(survey, user, "pre", 1, 1, 1)
    with pytest.raises(DomainError) as error:
        submit(survey, user, "pre", 5, 5, 5)
    assert error.value.code == ErrorCode.CONFLICT
    assert SurveyResponse.objects.filter(user=user).count() == 1
    assert set(first.answers.values_list("value", flat=True)) == {1}


def test_before_and_after_are_answered_once_each(survey):
    user = UserFactory()
    submit(survey, user, "pre", 2, 2, 2)
    submit(survey, user, "post", 4, 4, 4)
    assert SurveyResponse.objects.filter(user=user).count() == 2


def test_the_database_refuses_a_second_response_and_values_off_the_scale(survey):
    user = UserFactory()
    response = submit(survey, user, "pre", 3, 3, 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(
            survey=survey, user=user, phase="pre", submitted_at=response.submitted_at
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyAnswer.objects.filter(response=response).update(value=6)


# --- The shift report -----------------------------------------------------------------------


def respondents(survey, phase: str, rows: list[tuple[int, ...]]) -> list:
    users = []
    for values in rows:
        user = UserFactory()
        submit(survey, user, phase, *values)
        users.append(user)
    return users


def all_users():
    return get_user_model().objects.all()


def test_distribution_mean_of_the_five_points():
    assert Distribution((1, 0, 0, 0, 1)).mean == 3
    assert Distribution((0, 0, 0, 0, 0)).mean is None
    assert Distribution((0, 2, 0, 2, 1)).n == 5


def test_shift_reports_distributions_means_and_the_change_per_statement(survey):
    respondents(survey, "pre", [(1, 2, 3), (2, 2, 3), (2, 3, 3), (3, 3, 3), (2, 2, 3)])
    respondents(survey, "post", [(4, 2, 3), (5, 3, 3), (4, 4, 3), (3, 2, 3), (4, 3, 3)])

    report = survey_shift(survey=survey, users=all_users(), min_group=5)

    assert not report.suppressed
    assert report.message == ""
    assert (report.pre_respondents, report.post_respondents) == (5, 5)
    first, second, third = report.items
    assert first.pre.counts == (1, 3, 1, 0, 0)
    assert first.post.counts == (0, 0, 1, 3, 1)
    assert first.pre.mean == pytest.approx(2.0)
    assert first.post.mean == pytest.approx(4.0)
    assert first.shift == pytest.approx(2.0)
    assert second.pre.mean == pytest.approx(12 / 5)
    assert second.post.mean == pytest.approx(14 / 5)
    assert second.shift == pytest.approx(0.4)
    assert third.shift == pytest.approx(0)
    assert [i.number for i in report.items] == [1, 2, 3]


def test_report_is_suppressed_when_either_group_is_below_the_minimum(survey):
    respondents(survey, "pre", [(3, 3, 3)] * 4)
    respondents(survey, "post", [(4, 4, 4)] * 5)

    report = survey_shift(survey=survey, users=all_users(), min_group=5)

    assert report.suppressed
    assert report.items == []
    assert report.pre_below and not report.post_below
    assert report.pre_respondents is None  # below the minimum: not even the exact count
    assert report.post_respondents == 5
    assert "fewer than 5" in report.message
    assert "before" in report.message


def test_report_appears_once_both_groups_reach_the_minimum(survey):
    respondents(survey, "pre", [(3, 3, 3)] * 5)
    respondents(survey, "post", [(4, 4, 4)] * 4)
    assert survey_shift(survey=survey, users=all_users(), min_group=5).post_below
    respondents(survey, "post", [(4, 4, 4)])
    report = survey_shift(survey=survey, users=all_users(), min_group=5)
    assert not report.suppressed
    assert report.items[0].shift == pytest.approx(1.0)


def test_only_the_given_users_are_counted(survey):
    inside = respondents(survey, "pre", [(1, 1, 1)] * 5)
    inside += respondents(survey, "post", [(2, 2, 2)] * 5)
    respondents(survey, "pre", [(5, 5, 5)] * 3)  # outsiders
    respondents(survey, "post", [(5, 5, 5)] * 3)

    users = get_user_model().objects.filter(pk__in=[u.pk for u in inside])
    report = survey_shift(survey=survey, users=users, min_group=5)

    assert (report.pre_respondents, report.post_respondents) == (5, 5)
    assert report.items[0].pre.counts == (5, 0, 0, 0, 0)
    assert report.items[0].post.counts == (0, 5, 0, 0, 0)


def test_a_statement_added_after_people_answered_is_hidden_until_it_has_enough_answers(survey):
    respondents(survey, "pre", [(3, 3, 3)] * 5)
    late = SurveyItemFactory(survey=survey, sort_order=9)
    respondents(survey, "post", [(4, 4, 4, 4)] * 5)

    report = survey_shift(survey=survey, users=all_users(), min_group=5)

    assert not report.suppressed
    last = report.items[-1]
    assert last.item_id == late.pk
    assert last.suppressed
    assert last.pre is None and last.post is None
    assert last.shift is None


@pytest.mark.parametrize("suppressed", [False, True])
def test_shift_takes_the_same_number_of_queries_whatever_the_group_size(survey, suppressed):
    def measure(size: int) -> int:
        respondents(survey, "pre", [(2, 3, 4)] * size)
        respondents(survey, "post", [(3, 4, 5)] * size)
        min_group = 1000 if suppressed else 5
        with CaptureQueriesContext(connection) as queries:
            report = survey_shift(survey=survey, users=all_users(), min_group=min_group)
            _ = [(i.pre and i.pre.mean, i.post and i.post.mean, i.shift) for i in report.items]
        return len(queries)

    small = measure(5)
    large = measure(15)
    assert small == large
    assert small <= 3


# --- Admin validation -----------------------------------------------------------------------


def _admin_form(statements: list[str], instance=None):
    from assessments.wagtail_hooks import SurveyViewSet

    form_class = SurveyViewSet(name="surveys_test").get_edit_handler().get_form_class()
    assert issubclass(form_class, SurveyForm)
    data = {
        "title": "Perception survey",
        "intro": "",
        "items-TOTAL_FORMS": str(len(statements)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for i, statement in enumerate(statements):
        data[f"items-{i}-statement"] = statement
        data[f"items-{i}-ORDER"] = str(i + 1)
        data[f"items-{i}-id"] = ""
    return form_class(data, instance=instance)


def test_admin_rejects_a_survey_with_fewer_than_three_statements():
    form = _admin_form(["One.", "Two."])
    assert not form.is_valid()
    assert any("at least 3" in e for e in form.non_field_errors())


def test_admin_accepts_a_survey_with_three_statements():
    form = _admin_form(["One.", "Two.", "Three."])
    assert form.is_valid(), (form.errors, form.formsets["items"].errors)
