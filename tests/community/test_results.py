"""The results rule: suppression of small groups (with secondary suppression of roles),
reverse-worded scoring, and a fixed number of queries."""

from collections import Counter

import pytest

from community.models import Phase
from community.results import event_results, roles_shown
from tests.community.conftest import respond


def sizes(**roles):
    return {
        role: Counter({Phase.PRE: pre, Phase.POST: post}) for role, (pre, post) in roles.items()
    }


@pytest.mark.parametrize(
    ("groups", "shown"),
    [
        # Every role large enough, nothing else: all shown.
        ({"youth": (12, 11), "officer": (5, 5)}, ["youth", "officer"]),
        # One role below the minimum alone: the rest could give it away (total - youth), so
        # the smallest shown role is hidden with it, and then nothing can be read off.
        ({"youth": (12, 11), "officer": (4, 5)}, []),
        # Two roles below, together at the minimum: the others stay shown.
        (
            {"youth": (12, 11), "officer": (2, 3), "court": (3, 2), "resident": (9, 9)},
            ["resident", "youth"],
        ),
        # Respondents who gave no role count in the pool too.
        ({"youth": (12, 11), "resident": (9, 9), "": (1, 1)}, ["youth"]),
        ({"youth": (12, 11), "resident": (9, 9), "": (5, 6)}, ["resident", "youth"]),
        # A role missing from one phase is hidden; an empty pool gives nothing away.
        ({"youth": (12, 0), "resident": (9, 9)}, ["resident"]),
        ({"youth": (12, 2), "resident": (9, 9)}, []),
        ({}, []),
    ],
)
def test_roles_shown_never_leave_a_small_group_to_be_worked_out(groups, shown):
    assert roles_shown(sizes(**groups), 5) == shown


@pytest.mark.django_db
def test_reverse_worded_statements_are_scored_six_minus_the_answer(event, statement_ids):
    respond(event, "pre", 5, statement_ids, (3, 3, 5))
    respond(event, "post", 5, statement_ids, (3, 3, 1))
    [everyone] = [event_results([event], min_group=5)[event.pk].everyone]
    reversed_one = everyone.statements[2]
    assert reversed_one.reversed
    assert reversed_one.pre.counts == (0, 0, 0, 0, 5)  # as answered
    assert (reversed_one.pre_mean, reversed_one.post_mean, reversed_one.shift) == (1, 5, 4)
    assert everyone.statements[0].shift == 0


@pytest.mark.django_db
def test_roles_are_reported_when_each_reaches_the_minimum(event, statement_ids):
    respond(event, "pre", 5, statement_ids, (2, 2, 2), role="youth")
    respond(event, "post", 5, statement_ids, (4, 4, 4), role="youth")
    respond(event, "pre", 5, statement_ids, (3, 3, 3), role="officer")
    respond(event, "post", 5, statement_ids, (3, 3, 3), role="officer")
    results = event_results([event], min_group=5)[event.pk]
    assert [g.key for g in results.roles] == ["youth", "officer"]
    youth, officer = results.roles
    assert youth.statements[0].shift == 2 and officer.statements[0].shift == 0
    assert results.everyone.statements[0].shift == 1


@pytest.mark.django_db
def test_results_of_many_events_take_two_queries(
    make_event, page_on, statement_ids, django_assert_num_queries
):
    events = [make_event(status="open", pre_open=True, post_open=True) for _ in range(4)]
    for event in events:
        respond(event, "pre", 6, statement_ids)
        respond(event, "post", 6, statement_ids, (5, 5, 5))
    with django_assert_num_queries(2):
        results = event_results(events, min_group=5)
    assert all(not r.suppressed for r in results.values())
