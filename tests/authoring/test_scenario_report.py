"""The scenario choices report in the admin: trainers and coordinators see how often each
choice was taken by their agency's learners, in aggregate, with figures of fewer than five
learners withheld; in a fixed number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.scenarios import services
from courses.scenarios.selectors import scenario_choice_report
from tests.factories import PersonFactory, add_branching_scenario

URL = "/admin/reports/scenario-choices/"


@pytest.fixture
def lesson(curriculum):
    return curriculum.modules[0].lessons[0]


@pytest.fixture
def block_id(lesson):
    return add_branching_scenario(lesson)


def walk(person, lesson, block_id, *chosen, run=1):
    for step, choice in chosen:
        services.scenario_choose(
            person=person, lesson=lesson, block_id=block_id, run=run, step=step, choice=choice
        )


def walkers(agency, lesson, block_id, count, *chosen):
    for _ in range(count):
        walk(PersonFactory(agency=agency), lesson, block_id, *chosen)


@pytest.fixture
def walked(agency_a, agency_b, lesson, block_id):
    """Agency A: six learners talk then settle it calmly, two wait; one of the six walks again
    and waits. Agency B: seven learners wait (never counted for agency A)."""
    walkers(agency_a, lesson, block_id, 5, ("arrival", 0), ("talk", 0))
    again = PersonFactory(agency=agency_a)
    walk(again, lesson, block_id, ("arrival", 0), ("talk", 0))
    services.scenario_restart(person=again, lesson=lesson, block_id=block_id, run=1)
    walk(again, lesson, block_id, ("arrival", 1), run=2)
    walkers(agency_a, lesson, block_id, 2, ("arrival", 1), ("wait", 1))
    walkers(agency_b, lesson, block_id, 7, ("arrival", 1), ("wait", 0))


def figures(viewer, block_id):
    return next(s for s in scenario_choice_report(viewer=viewer) if s.block_id == block_id)


def test_the_report_counts_each_choice_of_the_viewers_agency_only(trainer, walked, block_id):
    scenario = figures(trainer, block_id)
    assert (scenario.learners, scenario.walks, scenario.finished, scenario.shown) == (
        8,
        9,
        8,
        True,
    )
    arrival, talk, wait, deeper = scenario.steps
    assert [s.step_id for s in (wait, deeper)] == ["wait", "deeper"]
    talk_choice, wait_choice = arrival.choices
    assert (talk_choice.learners, talk_choice.times, talk_choice.first_walks) == (6, 6, 6)
    assert talk_choice.shown and talk_choice.text == "Go to talk from arrival"
    assert (wait_choice.learners, wait_choice.times, wait_choice.first_walks) == (3, 3, 2)
    assert not wait_choice.shown  # three learners: withheld
    assert talk_choice.share is None  # a choice of the step withheld: no shares at all
    assert [c.learners for c in talk.choices] == [6, 0]
    assert [c.shown for c in talk.choices] == [True, False]
    assert [e.step_id for e in scenario.endings] == ["calm", "tense"]
    assert [(e.learners, e.shown) for e in scenario.endings] == [(6, True), (2, False)]


def test_shares_are_given_when_every_choice_of_a_step_is_shown(trainer, agency_a, lesson, block_id):
    walkers(agency_a, lesson, block_id, 5, ("arrival", 0), ("talk", 0))
    walkers(agency_a, lesson, block_id, 5, ("arrival", 1), ("wait", 0))
    arrival = figures(trainer, block_id).steps[0]
    assert [(c.learners, c.share) for c in arrival.choices] == [(5, 50), (5, 50)]


def test_a_scenario_begun_by_fewer_than_five_shows_nothing(trainer, agency_a, lesson, block_id):
    walkers(agency_a, lesson, block_id, 4, ("arrival", 0))
    scenario = figures(trainer, block_id)
    assert scenario.learners == 4 and not scenario.shown


def test_trainer_reads_the_report_page(client, trainer, walked, block_id):
    client.force_login(trainer)
    response = client.get(URL)
    assert response.status_code == 200
    html = re.sub(r"\s+", " ", response.content.decode())
    assert "The box cutter on Alder Court" in html
    assert "8 learners began it; 9 walks, 8 reached an ending." in html
    assert (
        '<th scope="row">Go to talk from arrival</th> <td>talk</td> <td>6</td><td>6</td>'
        "<td>6</td><td>—</td>" in html
    )
    assert (
        '<th scope="row">Go to wait from arrival</th> <td>wait</td> '
        '<td colspan="4">fewer than 5 learners</td>' in html
    )
    for person_name in ("Dana", "Reyes"):
        assert person_name not in html


def test_the_report_is_offered_in_the_reports_menu_to_coordinators(client, coordinator):
    client.force_login(coordinator)
    assert client.get(URL).status_code == 200
    assert URL in client.get("/admin/").content.decode()


@pytest.mark.parametrize("who", ["learner", "command_a"])
def test_learners_and_command_staff_cannot_open_the_report(client, request, who, walked):
    person = request.getfixturevalue(who)
    client.force_login(person.user)
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] != URL


def test_the_report_takes_the_same_queries_however_many_walks(
    client, trainer, agency_a, lesson, block_id, curriculum, django_assert_max_num_queries
):
    client.force_login(trainer)
    walkers(agency_a, lesson, block_id, 1, ("arrival", 0))
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    few_queries = len(few)
    other = curriculum.modules[1].lessons[0]
    other_block = add_branching_scenario(other, title="A second scenario")
    walkers(agency_a, lesson, block_id, 12, ("arrival", 1), ("wait", 0))
    walkers(agency_a, other, other_block, 6, ("arrival", 0), ("talk", 1), ("deeper", 0))
    with django_assert_max_num_queries(few_queries):
        response = client.get(URL)
    assert "A second scenario" in response.content.decode()
