"""Item analysis: the figures (facility, corrected point-biserial, pick rates, flags), the
agency scope, the filters' validation, the CSV, and a constant number of queries."""

import csv
import io
import math
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.item_analysis import item_analysis, point_biserial
from assessments.models import AttemptItem
from tests.factories import PersonFactory
from tests.helpers import complete_lessons, start_quiz, submit

pytestmark = pytest.mark.django_db

URL = "/admin/reports/item-analysis/"
CSV_URL = "/admin/reports/item-analysis.csv"


def _pearson(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    return sxy / (sx * sy)


@pytest.mark.parametrize("seed", range(10))
def test_point_biserial_from_sums_equals_the_correlation_with_the_rest_score(seed):
    rng = random.Random(seed)
    rows = [(rng.random() < 0.6, rng.randint(0, 9)) for _ in range(40)]  # (item right, others)
    c = [int(right) for right, _ in rows]
    t = [int(right) + rest for right, rest in rows]
    expected = _pearson(c, [ti - ci for ti, ci in zip(t, c, strict=True)])
    got = point_biserial(
        n=len(rows),
        n1=sum(c),
        sum_t=sum(t),
        sum_t2=sum(x * x for x in t),
        sum_tc=sum(ti * ci for ti, ci in zip(t, c, strict=True)),
    )
    assert got == pytest.approx(expected)


def test_point_biserial_is_undefined_when_everyone_or_no_one_is_right():
    assert point_biserial(n=5, n1=5, sum_t=20, sum_t2=80, sum_tc=20) is None
    assert point_biserial(n=5, n1=0, sum_t=10, sum_t2=20, sum_tc=0) is None


def take(person, module, choose):
    """One attempt, answering each served question with `choose(question)` (choice ids)."""
    complete_lessons(person, module)
    attempt = start_quiz(person, module)
    return submit(person, module, attempt, {str(q["id"]): choose(q) for q in attempt.questions})


def right(q):
    return [c["id"] for c in q["choices"] if c["correct"]]


def first_wrong(q):
    return [next(c["id"] for c in q["choices"] if not c["correct"])]


@pytest.fixture
def answered(module, agency_a, agency_b, assignment_b):
    """Agency A: 3 learners all right, 2 all wrong (the first wrong choice). Agency B: 2 all
    wrong."""
    for _ in range(3):
        take(PersonFactory(agency=agency_a), module, right)
    for _ in range(2):
        take(PersonFactory(agency=agency_a), module, first_wrong)
    for _ in range(2):
        take(PersonFactory(agency=agency_b), module, first_wrong)
    return module


def test_figures_per_question_for_one_agency(answered, agency_a):
    stats = item_analysis(agency_ids=[agency_a.pk])
    assert len(stats) == 4  # four questions, one revision
    for stat in stats:
        assert (stat.served, stat.correct) == (5, 3)
        assert stat.facility == pytest.approx(0.6)
        assert stat.discrimination == pytest.approx(1.0)  # the rest score splits them exactly
        by_correct = {c.correct: c for c in stat.choices if c.picks}
        assert by_correct[True].rate == pytest.approx(0.6)
        assert stat.flags == []  # fewer than 10 answers: no flags


def test_flags_need_ten_answers_and_name_the_problem(module, agency_a):
    for _ in range(10):
        take(PersonFactory(agency=agency_a), module, right)
    stat = next(s for s in item_analysis(agency_ids=[agency_a.pk]) if s.served == 10)
    assert "too_easy" in stat.flags  # facility 1.0
    assert "rare_distractor" in stat.flags  # no one picked a wrong choice
    assert stat.discrimination is None  # no spread: undefined, not flagged


def test_trainer_reads_their_agencys_report_and_csv_only(answered, trainer, agency_b, client):
    client.force_login(trainer)
    html = client.get(URL).content.decode()
    assert "Served 5" in html and "Served 7" not in html and "Served 2" not in html
    response = client.get(CSV_URL)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows and {r["served"] for r in rows} == {"5"}
    assert {"facility", "discrimination", "flags", "pick_rate"} <= set(rows[0])
    # Another agency is not a choice: 400 naming the field.
    refused = client.get(URL, {"agency": agency_b.pk})
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()


def test_superuser_without_an_agency_reads_every_agency_and_filters(answered, agency_b, client):
    from tests.factories import UserFactory

    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert "Served 7" in client.get(URL).content.decode()
    only_b = client.get(URL, {"agency": agency_b.pk}).content.decode()
    assert "Served 2" in only_b and "Served 7" not in only_b


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-13-01"}, "since"),
        ({"since": "2026-03-02", "until": "2026-03-01"}, "until"),
        ({"quiz": "abc"}, "quiz"),
        ({"agency": "99999999999999999999999"}, "agency"),
    ],
)
def test_bad_filters_answer_400(trainer, client, params, field):
    client.force_login(trainer)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response.context["form"].errors.get(field)
    assert client.get(CSV_URL, params).status_code == 400


def test_dates_filter_the_attempts(answered, agency_a):
    from datetime import timedelta

    from django.utils import timezone

    tomorrow = timezone.localdate() + timedelta(days=1)
    assert item_analysis(agency_ids=[agency_a.pk], since=tomorrow) == []
    assert item_analysis(agency_ids=[agency_a.pk], until=tomorrow)


def test_learners_and_command_staff_cannot_open_it(answered, learner, command_a, client):
    for user in (learner.user, command_a.user):
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code in (302, 403)
        assert "Served" not in response.content.decode()


def test_the_report_takes_the_same_queries_for_few_and_many_attempts(module, agency_a):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            item_analysis(agency_ids=[agency_a.pk])
        return len(captured)

    module.quiz.save_revision().publish()  # attempts name a revision: its date is read too
    module.quiz.refresh_from_db()
    take(PersonFactory(agency=agency_a), module, right)
    few = queries()
    for _ in range(6):
        take(PersonFactory(agency=agency_a), module, first_wrong)
    assert queries() == few == 5
    assert AttemptItem.objects.count() == 7 * 4
