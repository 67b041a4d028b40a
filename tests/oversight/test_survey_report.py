"""The command-staff report of the perception survey's shift: scoped to one agency (or the
viewer's units), hidden for small groups, a fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import SurveyPhase
from tests.factories import PersonFactory
from tests.helpers import answer_survey as answer

HIDDEN = "Results are hidden"


REPORT = "/oversight/surveys/"


def respondents(agency, survey, *, pre: int, post: int, pre_value: int, post_value: int):
    for _ in range(pre):
        answer(PersonFactory(agency=agency), survey, SurveyPhase.PRE, pre_value)
    for _ in range(post):
        answer(PersonFactory(agency=agency), survey, SurveyPhase.POST, post_value)


def test_learners_are_refused_the_survey_report(signed_in, survey):
    assert signed_in.get(REPORT).status_code == 403


def test_the_report_needs_a_signed_in_user(client):
    assert client.get(REPORT).status_code == 302


def test_command_staff_of_a_see_only_agency_a_figures(
    client, command_a, agency_a, agency_b, assignment_b, survey
):
    respondents(agency_a, survey, pre=5, post=5, pre_value=2, post_value=4)
    respondents(agency_b, survey, pre=6, post=6, pre_value=5, post_value=1)
    client.force_login(command_a.user)

    response = client.get(REPORT)

    assert response.status_code == 200
    html = response.content.decode()
    assert HIDDEN not in html
    assert '<svg class="chart chart--shift"' in html
    assert 'role="img"' in html
    assert '<title id="shift-title">' in html and '<desc id="shift-desc">' in html
    assert html.count("<td>5 / 2.00</td>") == 3
    assert html.count("<td>5 / 4.00</td>") == 3
    assert html.count("<td>+2.00</td>") == 3
    assert "<td>6 / " not in html and "5.00" not in html and "-4.00" not in html
    assert "Surveys" in html and 'aria-current="page">Surveys' in html


def test_command_staff_of_b_see_only_agency_b_figures(
    client, command_b, agency_a, agency_b, survey
):
    respondents(agency_a, survey, pre=5, post=5, pre_value=2, post_value=4)
    respondents(agency_b, survey, pre=6, post=6, pre_value=5, post_value=1)
    client.force_login(command_b.user)
    html = client.get(REPORT).content.decode()
    assert html.count("<td>6 / 5.00</td>") == 3
    assert html.count("<td>-4.00</td>") == 3
    assert "2.00" not in html


def test_four_respondents_hide_the_figures_and_five_show_them(client, command_a, agency_a, survey):
    respondents(agency_a, survey, pre=4, post=5, pre_value=3, post_value=4)
    client.force_login(command_a.user)

    hidden = client.get(REPORT).content.decode()
    assert HIDDEN in hidden
    assert "fewer than 5 people have answered the before-training survey" in hidden
    assert '<svg class="chart chart--shift"' not in hidden
    assert "3.00" not in hidden and "4.00" not in hidden
    assert "&lt;&nbsp;5" in hidden  # the small group's size is not given exactly

    respondents(agency_a, survey, pre=1, post=0, pre_value=3, post_value=4)
    shown = client.get(REPORT).content.decode()
    assert HIDDEN not in shown
    assert "<td>5 / 3.00</td>" in shown
    assert "<td>+1.00</td>" in shown


def test_the_report_says_so_when_no_curriculum_has_a_survey(client, command_a):
    client.force_login(command_a.user)
    response = client.get(REPORT)
    assert response.status_code == 200
    assert "has a perception survey yet" in response.content.decode()


def test_a_curriculum_outside_the_agency_is_404(client, command_a, survey):
    client.force_login(command_a.user)
    assert client.get(REPORT, {"curriculum": "999999"}).status_code == 404


def test_the_report_takes_the_same_number_of_queries_for_5_and_15_respondents(
    client, command_a, agency_a, survey
):
    client.force_login(command_a.user)

    def measure(count: int) -> int:
        respondents(agency_a, survey, pre=count, post=count, pre_value=2, post_value=3)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(REPORT).status_code == 200
        return len(queries)

    assert measure(5) == measure(10)


def test_a_reverse_worded_statement_is_scored_six_minus_the_answer_and_says_so(
    client, command_a, agency_a, survey
):
    reversed_item = survey.items.order_by("sort_order", "pk")[2]
    reversed_item.reversed = True
    reversed_item.save()
    respondents(agency_a, survey, pre=5, post=5, pre_value=2, post_value=4)
    client.force_login(command_a.user)

    html = client.get(REPORT).content.decode()

    # Two plain statements: 2 -> 4 (+2). The reversed one, answered the same, scores 4 -> 2.
    assert html.count("<td>5 / 2.00</td>") == 3 and html.count("<td>5 / 4.00</td>") == 3
    assert html.count("<td>+2.00</td>") == 2
    assert html.count("<td>-2.00</td>") == 1
    assert "reverse-worded: scored 6 − answer" in html
    assert html.count("reverse-worded: scored 6 − answer") == 1
    assert "scored 6 minus the answer" in html


def test_scoring_table_for_plain_and_reverse_worded_statements():
    from assessments.surveys import Distribution, scored

    for value, plain, flipped in [(1, 1, 5), (2, 2, 4), (3, 3, 3), (4, 4, 2), (5, 5, 1)]:
        assert scored(value, reversed=False) == plain
        assert scored(value, reversed=True) == flipped
    assert Distribution((0, 0, 0, 2, 2), reversed=True).mean == 1.5
    assert Distribution((0, 0, 0, 2, 2)).mean == 4.5
