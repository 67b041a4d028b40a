"""The compliance rule, table by table, straight from the rule-set files (compliance/rulesets/)
and through `compliance.cycles` (pure: no database)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from compliance import cycles
from compliance.cycles import Adjustment, Credit, OfficerDates, Status
from compliance.rules import RuleSetError, parse_definition
from compliance.services import read_rule_set_files

FILES = {doc["code"]: doc for doc in read_rule_set_files()}


def rules(code: str):
    return parse_definition(FILES[code])


def credit(day: str, hours, *categories: str, approved: bool = True) -> Credit:
    return Credit(date.fromisoformat(day), Decimal(str(hours)), frozenset(categories), approved)


def standing(code, dates, credits, as_of, adjustments=(), definition=None, within=None):
    """The standing on `as_of` in the cycle containing `within` (default: `as_of`)."""
    definition = definition or rules(code)
    as_of = date.fromisoformat(as_of)
    cycle = cycles.cycle_at(definition.cycle, date.fromisoformat(within or str(as_of)), dates)
    return cycles.evaluate(
        definition, cycle, credits, as_of=as_of, dates=dates, adjustments=adjustments
    )


def line(result, code):
    return next(x for x in [*result.categories, *result.pools] if x.code == code)


# --- Cycles -----------------------------------------------------------------------------------

CYCLE_CASES = [
    # code, dates, day, start, end
    ("wa-cjtc", OfficerDates(), "2026-12-06", "2026-01-01", "2026-12-31"),
    ("ca-post", OfficerDates(), "2026-12-06", "2025-01-01", "2026-12-31"),
    ("ca-post", OfficerDates(), "2027-01-01", "2027-01-01", "2028-12-31"),
    ("tx-tcole", OfficerDates(), "2026-12-06", "2025-09-01", "2027-08-31"),
    ("tx-tcole", OfficerDates(), "2025-08-31", "2023-09-01", "2025-08-31"),
    ("tx-tcole", OfficerDates(), "2020-01-01", "2019-09-01", "2021-08-31"),
    ("il-lestb", OfficerDates(), "2026-12-06", "2026-01-01", "2028-12-31"),
    # Florida: due June 30 of the fourth year after certification, then every four years.
    (
        "fl-cjstc",
        OfficerDates(certified_on=date(2021, 3, 15)),
        "2024-01-01",
        "2021-03-15",
        "2025-06-30",
    ),
    (
        "fl-cjstc",
        OfficerDates(certified_on=date(2021, 7, 1)),
        "2021-07-01",
        "2021-07-01",
        "2025-06-30",
    ),
    (
        "fl-cjstc",
        OfficerDates(certified_on=date(2021, 12, 31)),
        "2025-06-30",
        "2021-12-31",
        "2025-06-30",
    ),
    (
        "fl-cjstc",
        OfficerDates(certified_on=date(2021, 3, 15)),
        "2025-07-01",
        "2025-07-01",
        "2029-06-30",
    ),
    (
        "fl-cjstc",
        OfficerDates(certified_on=date(2016, 2, 29)),
        "2026-12-06",
        "2024-07-01",
        "2028-06-30",
    ),
    # Minnesota: the officer's three-year licence period, ending on the licence's expiry.
    (
        "mn-post",
        OfficerDates(licence_expires_on=date(2027, 6, 30)),
        "2026-12-06",
        "2024-07-01",
        "2027-06-30",
    ),
    (
        "mn-post",
        OfficerDates(licence_expires_on=date(2027, 6, 30)),
        "2027-07-01",
        "2027-07-01",
        "2030-06-30",
    ),
    (
        "mn-post",
        OfficerDates(licence_expires_on=date(2027, 6, 30)),
        "2021-06-30",
        "2018-07-01",
        "2021-06-30",
    ),
]


@pytest.mark.parametrize(("code", "dates", "day", "start", "end"), CYCLE_CASES)
def test_the_cycle_that_contains_a_day(code, dates, day, start, end):
    cycle = cycles.cycle_at(rules(code).cycle, date.fromisoformat(day), dates)
    assert (cycle.start, cycle.end) == (date.fromisoformat(start), date.fromisoformat(end))


@pytest.mark.parametrize("code", ["fl-cjstc", "mn-post"])
def test_a_cycle_that_hangs_on_a_missing_date_is_none(code):
    assert cycles.cycle_at(rules(code).cycle, date(2026, 1, 1), OfficerDates()) is None


def test_the_cycle_before_a_florida_officers_first_is_none():
    dates = OfficerDates(certified_on=date(2021, 3, 15))
    first = cycles.cycle_at(rules("fl-cjstc").cycle, date(2022, 1, 1), dates)
    second = cycles.cycle_at(rules("fl-cjstc").cycle, date(2026, 1, 1), dates)
    assert cycles.previous_cycle(rules("fl-cjstc").cycle, second, dates) == first
    assert cycles.previous_cycle(rules("fl-cjstc").cycle, first, dates) is None


# --- Minnesota: 48 hours, 16 of them in mandated topics, use of force every year ---------------

MN_MANDATED = {
    "crisis_intervention",
    "autism",
    "conflict_management",
    "implicit_bias",
    "mandated_topics",
}
MN = OfficerDates(licence_expires_on=date(2027, 6, 30))  # licence period 2024-07-01 – 2027-06-30
USE_OF_FORCE_EACH_YEAR = [
    credit("2024-09-01", 2, "use_of_force"),
    credit("2025-09-01", 2, "use_of_force"),
    credit("2026-09-01", 2, "use_of_force"),
]
MN_FULL = [
    credit("2024-10-01", 6, "crisis_intervention"),
    credit("2025-01-10", 4, "autism"),
    credit("2025-02-10", 1, "conflict_management"),
    credit("2025-03-10", 1, "implicit_bias"),
    credit("2025-04-10", 4, "crisis_intervention"),
    credit("2025-05-10", 26, "ce_other"),
    *USE_OF_FORCE_EACH_YEAR,
]


@dataclass
class Case:
    name: str
    credits: list
    as_of: str
    status: str
    unmet: set


MN_CASES = [
    Case("everything", MN_FULL, "2027-06-30", Status.COMPLIANT, set()),
    Case(
        "two autism hours short, after the deadline",
        [c for c in MN_FULL if "autism" not in c.categories]
        + [credit("2025-01-10", 2, "autism"), credit("2025-06-01", 2, "ce_other")],
        "2027-07-01",
        Status.DEFICIENT,
        {"autism", "mandated_topics"},
    ),
    Case(
        "two autism hours short, 60 days before the deadline",
        [c for c in MN_FULL if "autism" not in c.categories]
        + [credit("2025-01-10", 2, "autism"), credit("2025-06-01", 2, "ce_other")],
        "2027-05-01",
        Status.AT_RISK,
        {"autism", "mandated_topics"},
    ),
    Case(
        "the 4 extra mandated hours elsewhere: pool short",
        [c for c in MN_FULL if c.hours != 4 or "autism" in c.categories]
        + [credit("2025-04-10", 4, "ce_other")],
        "2027-07-01",
        Status.DEFICIENT,
        {"mandated_topics"},
    ),
    Case(
        "no use of force in the second licence year",
        [c for c in MN_FULL if c.completed_on != date(2025, 9, 1)],
        "2026-08-01",
        Status.DEFICIENT,
        set(),
    ),
    Case(
        "a pending entry does not count",
        [c for c in MN_FULL if "autism" not in c.categories]
        + [credit("2025-01-10", 4, "autism", approved=False)],
        "2027-07-01",
        Status.DEFICIENT,
        {"autism", "mandated_topics"},
    ),
    Case(
        "a reversal cancels the entry it corrects",
        [*MN_FULL, credit("2025-01-10", -4, "autism")],
        "2027-07-01",
        Status.DEFICIENT,
        {"autism", "mandated_topics"},
    ),
    Case(
        "early in the period, little done",
        [credit("2024-09-01", 2, "use_of_force")],
        "2024-12-01",
        Status.ON_TRACK,
        {
            "crisis_intervention",
            "autism",
            "conflict_management",
            "implicit_bias",
            "mandated_topics",
        },
    ),
    Case(
        "past half the period with under half the hours",
        [credit("2024-09-01", 2, "use_of_force"), credit("2025-09-01", 2, "use_of_force")],
        "2026-02-01",
        Status.AT_RISK,
        {
            "crisis_intervention",
            "autism",
            "conflict_management",
            "implicit_bias",
            "mandated_topics",
        },
    ),
]


@pytest.mark.parametrize("case", MN_CASES, ids=lambda c: c.name)
def test_minnesota(case):
    result = standing("mn-post", MN, case.credits, case.as_of, within="2026-12-06")
    assert result.status == case.status
    unmet = {x.code for x in [*result.categories, *result.pools] if not x.met}
    assert unmet == case.unmet


def test_a_minnesota_officer_is_deficient_in_autism_hours_on_the_day_after_the_deadline():
    credits = MN_CASES[1].credits
    result = standing("mn-post", MN, credits, "2027-07-01", within="2027-06-30")
    autism = line(result, "autism")
    assert (result.status, autism.earned_hours, autism.missing_hours) == (
        Status.DEFICIENT,
        Decimal(2),
        Decimal(2),
    )
    assert result.deadline == date(2027, 6, 30)
    assert result.earned_hours == Decimal(48)  # the total alone is met


# --- Florida, Washington, Texas, Illinois, California -------------------------------------------


def test_a_florida_officer_owes_40_hours_by_june_30_of_the_fourth_year():
    dates = OfficerDates(certified_on=date(2022, 8, 1))
    short = standing("fl-cjstc", dates, [credit("2024-01-01", 39.5, "retraining")], "2026-06-30")
    assert (short.deadline, short.required_hours, short.status) == (
        date(2026, 6, 30),
        Decimal(40),
        Status.AT_RISK,
    )
    late = standing("fl-cjstc", dates, [], "2026-07-01")
    assert late.cycle.start == date(2026, 7, 1)  # a new cycle: the old one is judged by itself
    old = cycles.evaluate(
        rules("fl-cjstc"),
        short.cycle,
        [credit("2024-01-01", 39.5, "retraining")],
        as_of=date(2026, 7, 1),
        dates=dates,
    )
    assert old.status == Status.DEFICIENT


WA = OfficerDates()


@pytest.mark.parametrize(
    ("credits", "as_of", "adjustments", "status", "deadline"),
    [
        (
            [
                credit("2026-03-01", 22, "in_service_other"),
                credit("2026-04-01", 2, "crisis_intervention"),
            ],
            "2026-05-01",
            [],
            Status.COMPLIANT,
            "2026-12-31",
        ),
        (
            [credit("2026-03-01", 24, "in_service_other")],
            "2026-05-01",
            [],
            Status.ON_TRACK,
            "2026-12-31",
        ),
        (
            [credit("2026-03-01", 20, "in_service_other")],
            "2026-12-31",
            [],
            Status.AT_RISK,
            "2026-12-31",
        ),
        ([], "2026-06-01", [], Status.ON_TRACK, "2026-12-31"),
        ([], "2026-07-15", [], Status.AT_RISK, "2026-12-31"),  # half the year gone, nothing
        (
            [credit("2026-03-01", 20, "in_service_other")],
            "2027-01-01",
            [],
            Status.DEFICIENT,
            "2026-12-31",
        ),
        # The chief's (here: a coordinator's) three-month extension.
        (
            [credit("2026-03-01", 20, "in_service_other")],
            "2026-12-31",
            [Adjustment("extension", deadline=date(2027, 3, 31))],
            Status.AT_RISK,
            "2027-03-31",
        ),
    ],
)
def test_washington(credits, as_of, adjustments, status, deadline):
    result = standing("wa-cjtc", WA, credits, as_of, adjustments, within="2026-06-01")
    assert (result.status, result.deadline) == (status, date.fromisoformat(deadline))


def test_an_extension_keeps_the_cycle_open_past_its_end():
    definition = rules("wa-cjtc")
    cycle = cycles.Cycle(date(2026, 1, 1), date(2026, 12, 31))
    extension = [Adjustment("extension", deadline=date(2027, 3, 31))]
    hours = [
        credit("2026-03-01", 22, "in_service_other"),
        credit("2026-04-01", 2, "crisis_intervention"),
    ]
    for as_of, adjustments, status in [
        (date(2027, 1, 15), extension, Status.AT_RISK),
        (date(2027, 1, 15), [], Status.DEFICIENT),
        (date(2027, 4, 1), extension, Status.DEFICIENT),
    ]:
        result = cycles.evaluate(definition, cycle, hours[:1], as_of=as_of, adjustments=adjustments)
        assert result.status == status
    done = cycles.evaluate(definition, cycle, hours, as_of=date(2027, 1, 15), adjustments=extension)
    assert done.status == Status.COMPLIANT


@pytest.mark.parametrize(
    ("adjustments", "status", "required"),
    [
        ([], Status.DEFICIENT, Decimal(40)),
        ([Adjustment("waiver", category="legislative_update")], Status.COMPLIANT, Decimal(40)),
        ([Adjustment("waiver", hours=Decimal(10))], Status.DEFICIENT, Decimal(30)),
        ([Adjustment("waiver", hours=Decimal(50))], Status.DEFICIENT, Decimal(0)),
        (
            [Adjustment("waiver", hours=Decimal(10)), Adjustment("waiver", "legislative_update")],
            Status.COMPLIANT,
            Decimal(30),
        ),
    ],
)
def test_a_texas_waiver(adjustments, status, required):
    credits = [credit("2026-01-10", 40, "ce_other")]  # but no legislative update
    cycle = cycles.cycle_at(rules("tx-tcole").cycle, date(2027, 8, 31), OfficerDates())
    result = cycles.evaluate(
        rules("tx-tcole"), cycle, credits, as_of=date(2027, 9, 1), adjustments=adjustments
    )
    assert (result.status, result.required_hours) == (status, required)


def test_illinois_yearly_topics_and_the_three_year_pool():
    full = [
        *(
            credit(f"{y}-03-01", 1, t)
            for y in (2026, 2027, 2028)
            for t in ("crisis_intervention", "law_updates", "officer_wellness")
        ),
        credit("2026-05-01", 12, "use_of_force_scenario"),
        credit("2027-05-01", 18, "procedural_justice", "civil_rights"),
    ]
    assert standing("il-lestb", OfficerDates(), full, "2028-12-31").status == Status.COMPLIANT
    no_wellness_2027 = [
        c
        for c in full
        if c.completed_on != date(2027, 3, 1) or "officer_wellness" not in c.categories
    ]
    assert standing("il-lestb", OfficerDates(), no_wellness_2027, "2028-01-02").status == (
        Status.DEFICIENT
    )
    scenario_short = [c for c in full if "use_of_force_scenario" not in c.categories]
    scenario_short.append(credit("2026-05-01", 12, "use_of_force"))
    result = standing("il-lestb", OfficerDates(), scenario_short, "2028-12-31")
    assert result.status == Status.AT_RISK
    assert {x.code for x in result.categories if not x.met} == {"use_of_force_scenario"}


def test_california_requires_every_perishable_skill_topic_with_no_invented_minimum():
    topics = [
        "psp_firearms",
        "psp_driving",
        "psp_arrest_control",
        "psp_communications",
        "use_of_force",
    ]
    credits = [credit("2025-02-01", 4, t) for t in topics] + [credit("2025-03-01", 4, "cpt_other")]
    assert standing("ca-post", OfficerDates(), credits, "2026-06-01").status == Status.COMPLIANT
    result = standing("ca-post", OfficerDates(), credits[1:], "2026-06-01")
    assert {x.code for x in result.categories if not x.met} == {"psp_firearms"}
    assert line(result, "psp_firearms").required_hours == 0


# --- New hires: proration ------------------------------------------------------------------------

PRORATED = parse_definition(
    {
        "cycle": {"kind": "calendar_year"},
        "total_hours": 24,
        "categories": [
            {"code": "firearms", "name": "Firearms", "min_hours": 4},
            {"code": "other", "name": "Other"},
        ],
        "proration": "monthly",
    }
)


@pytest.mark.parametrize(
    ("hired_on", "total", "firearms"),
    [
        (None, Decimal(24), Decimal(4)),
        (date(2025, 6, 1), Decimal(24), Decimal(4)),  # hired before the cycle began
        (date(2026, 1, 1), Decimal(24), Decimal(4)),
        (date(2026, 7, 1), Decimal(12), Decimal(2)),  # 6 of 12 months left
        (date(2026, 10, 15), Decimal(4), Decimal("1")),  # 2 whole months: 4 h; 0.67 → 1
        (date(2026, 12, 20), Decimal(0), Decimal(0)),  # no whole month left
    ],
)
def test_a_new_hire_owes_the_share_of_the_cycle_left(hired_on, total, firearms):
    dates = OfficerDates(hired_on=hired_on)
    result = standing(None, dates, [], "2026-12-31", definition=PRORATED)
    assert (result.required_hours, line(result, "firearms").required_hours) == (total, firearms)


def test_a_state_without_proration_asks_a_new_hire_for_everything():
    dates = OfficerDates(hired_on=date(2026, 10, 1))
    assert standing("wa-cjtc", dates, [], "2026-12-31").required_hours == Decimal(24)


# --- The definitions themselves ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"cycle": {"kind": "weekly"}}, "cycle.kind"),
        ({"cycle": {"kind": "fixed_units", "years": 2}}, "cycle.anchor"),
        ({"cycle": {"kind": "anchored", "years": 0}}, "cycle.years"),
        (
            {"cycle": {"kind": "anchored", "years": 4, "deadline": {"month": 2, "day": 30}}},
            "cycle.deadline",
        ),
        ({"total_hours": -1}, "total_hours"),
        ({"total_hours": "lots"}, "total_hours"),
        (
            {"pools": [{"code": "p", "name": "P", "min_hours": 4, "categories": ["nope"]}]},
            "pools[0].categories",
        ),
        ({"recurring": [{"category": "a", "every_months": 0}]}, "recurring[0].every_months"),
        ({"module_categories": {1: ["nope"]}}, "module_categories[1]"),
        ({"categories": [{"code": "a", "name": "A"}, {"code": "a", "name": "B"}]}, "categories"),
    ],
)
def test_a_bad_definition_names_its_problem(data, problem):
    base = {
        "cycle": {"kind": "calendar_year"},
        "total_hours": 10,
        "categories": [{"code": "a", "name": "A"}],
    }
    with pytest.raises(RuleSetError) as error:
        parse_definition({**base, **data})
    assert any(p.startswith(problem) for p in error.value.problems), error.value.problems


def test_every_rule_set_file_names_its_authority_and_sources():
    assert set(FILES) == {"ca-post", "tx-tcole", "mn-post", "wa-cjtc", "fl-cjstc", "il-lestb"}
    for doc in FILES.values():
        assert doc["authority"] and doc["sources"] and doc["notes"]
        assert all(source["title"] for source in doc["sources"])
        assert "http" not in str(doc["sources"])  # no address we could not check
