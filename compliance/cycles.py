"""The compliance rule, as pure functions: which cycle a day falls in, and where an officer
stands in it. No database access: the selectors hand in the officer's dates and credits;
`tests/compliance/test_cycles.py` runs the table of cases straight through these.

* `cycle_at(spec, day, dates)`: the cycle containing `day` for an officer with these dates
  (None when the rule set needs a date the officer's profile lacks).
* `evaluate(definition, cycle, credits, ...)`: hours earned and pending per category and pool,
  the shorter-interval topics, proration, waivers and extensions, and the status:

  - **compliant**: every requirement met (a recurring topic: in each of its periods begun);
  - **deficient**: the (extended) deadline has passed unmet, or a recurring topic's period
    ended without it;
  - **at risk**: not yet met, and the deadline is within the rule set's `at_risk_days` (90),
    or more than half the cycle has passed with less than half the hours earned;
  - **on track**: not yet met, but neither.

An entry counts in full towards each of its categories, and once towards the total and each
pool; a reversing entry carries negative hours and cancels the one it corrects.
"""

import calendar
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from compliance.rules import CycleKind, CycleSpec, Definition


class Status:
    COMPLIANT = "compliant"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    DEFICIENT = "deficient"
    ALL = (COMPLIANT, ON_TRACK, AT_RISK, DEFICIENT)
    LABELS = {
        COMPLIANT: "Compliant",
        ON_TRACK: "On track",
        AT_RISK: "At risk",
        DEFICIENT: "Deficient",
    }


REMINDER_DAYS = (90, 60, 30, 7)
ZERO = Decimal(0)
HALF_HOUR = Decimal("0.5")


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, on the last day of a shorter month (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (end exclusive), never negative."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(months, 0)


@dataclass(frozen=True)
class OfficerDates:
    """The dates a cycle can hang on: certification (anchored cycles), licence expiry (licence
    periods) and hire (proration)."""

    certified_on: date | None = None
    licence_expires_on: date | None = None
    hired_on: date | None = None


@dataclass(frozen=True)
class Cycle:
    start: date
    end: date  # the last day of the cycle, which is its deadline unless extended

    @property
    def months(self) -> int:
        return months_between(self.start, self.end + timedelta(days=1))


def cycle_at(spec: CycleSpec, day: date, dates: OfficerDates) -> Cycle | None:
    """The cycle that contains `day`, or None when it hangs on a date the officer lacks."""
    if spec.kind == CycleKind.CALENDAR_YEAR:
        return Cycle(date(day.year, 1, 1), date(day.year, 12, 31))
    months = 12 * spec.years
    if spec.kind == CycleKind.FIXED_UNITS:
        units = months_between(spec.anchor, day) // months
        if day < spec.anchor:
            units = -((months_between(day, spec.anchor) + months - 1) // months)
            if add_months(spec.anchor, units * months) > day:
                units -= 1
        start = add_months(spec.anchor, units * months)
        return Cycle(start, add_months(start, months) - timedelta(days=1))
    if spec.kind == CycleKind.LICENCE_PERIOD:
        if dates.licence_expires_on is None:
            return None
        end = dates.licence_expires_on
        while end < day:
            end = add_months(end + timedelta(days=1), months) - timedelta(days=1)
        while add_months(end + timedelta(days=1), -months) > day:
            end = add_months(end + timedelta(days=1), -months) - timedelta(days=1)
        return Cycle(add_months(end + timedelta(days=1), -months), end)
    # anchored on the certification date
    certified = dates.certified_on
    if certified is None:
        return None

    def first_end() -> date:
        if spec.deadline_month:
            return date(certified.year + spec.years, spec.deadline_month, spec.deadline_day)
        return add_months(certified, months) - timedelta(days=1)

    start, end = certified, first_end()
    while end < day:
        start, end = end + timedelta(days=1), add_months(end + timedelta(days=1), months)
        end -= timedelta(days=1)
    return Cycle(start, end)


def previous_cycle(spec: CycleSpec, cycle: Cycle, dates: OfficerDates) -> Cycle | None:
    """The cycle before `cycle`; None before an anchored officer's first."""
    if dates.certified_on and spec.kind == CycleKind.ANCHORED and cycle.start <= dates.certified_on:
        return None
    return cycle_at(spec, cycle.start - timedelta(days=1), dates)


@dataclass(frozen=True)
class Credit:
    """One ledger entry as the rule sees it: approved or pending hours on a day, in categories."""

    completed_on: date
    hours: Decimal
    categories: frozenset[str]
    approved: bool = True


@dataclass(frozen=True)
class Adjustment:
    """A waiver (of `hours` of one category, or of the total when `category` is ""; hours None
    waives that requirement entirely) or an extension (to `deadline`)."""

    kind: str  # "waiver" | "extension"
    category: str = ""
    hours: Decimal | None = None
    deadline: date | None = None


@dataclass
class Line:
    """One requirement's figures: a category, a pool, or the total."""

    code: str
    name: str
    required_hours: Decimal
    earned_hours: Decimal = ZERO
    pending_hours: Decimal = ZERO
    needs_entry: bool = False  # a required topic without minimum hours
    entries: int = 0
    waived: bool = False

    @property
    def met(self) -> bool:
        if self.waived:
            return True
        return self.earned_hours >= self.required_hours and (
            not self.needs_entry or self.entries > 0
        )

    @property
    def missing_hours(self) -> Decimal:
        return max(self.required_hours - self.earned_hours, ZERO)


@dataclass
class Period:
    """A recurring topic in one of its periods inside the cycle."""

    category: str
    start: date
    end: date
    required_hours: Decimal
    earned_hours: Decimal = ZERO
    entries: int = 0

    @property
    def met(self) -> bool:
        return self.entries > 0 and self.earned_hours >= self.required_hours


@dataclass
class Standing:
    cycle: Cycle
    deadline: date
    status: str
    total: Line
    categories: list[Line]
    pools: list[Line]
    periods: list[Period] = field(default_factory=list)
    prorated: Fraction = Fraction(1)  # the share of the cycle required (new hires)
    as_of: date = date.min

    @property
    def required_hours(self) -> Decimal:
        return self.total.required_hours

    @property
    def earned_hours(self) -> Decimal:
        return self.total.earned_hours

    @property
    def pending_hours(self) -> Decimal:
        return self.total.pending_hours

    @property
    def days_left(self) -> int:
        return (self.deadline - self.as_of).days


def _prorate(hours: Decimal, share: Fraction) -> Decimal:
    """`hours` × `share`, rounded up to the half hour (exactly: no float or decimal rounding)."""
    if share >= 1 or hours == 0:
        return hours
    return Decimal(math.ceil(Fraction(hours) * share * 2)) * HALF_HOUR


def proration_share(definition: Definition, cycle: Cycle, dates: OfficerDates) -> Fraction:
    """The share of a cycle an officer hired (or certified) after it began must train for:
    the whole months left of the cycle's months. 1 without proration or for earlier hires."""
    if definition.proration != "monthly":
        return Fraction(1)
    joined = max(d for d in (dates.hired_on, dates.certified_on, cycle.start) if d is not None)
    if joined <= cycle.start or not cycle.months:
        return Fraction(1)
    return Fraction(months_between(joined, cycle.end + timedelta(days=1)), cycle.months)


def evaluate(
    definition: Definition,
    cycle: Cycle,
    credits: Iterable[Credit],
    *,
    as_of: date,
    dates: OfficerDates = OfficerDates(),
    adjustments: Iterable[Adjustment] = (),
) -> Standing:
    """Where the officer stands in `cycle` on `as_of` (see the module docstring)."""
    adjustments = list(adjustments)
    share = proration_share(definition, cycle, dates)
    waived_total = ZERO
    waived_whole: set[str] = set()
    waived_hours: dict[str, Decimal] = {}
    deadline = cycle.end
    for adjustment in adjustments:
        if adjustment.kind == "extension" and adjustment.deadline:
            deadline = max(deadline, adjustment.deadline)
        elif adjustment.kind == "waiver":
            if adjustment.hours is None:
                waived_whole.add(adjustment.category)
            elif adjustment.category:
                waived_hours[adjustment.category] = (
                    waived_hours.get(adjustment.category, ZERO) + adjustment.hours
                )
            else:
                waived_total += adjustment.hours

    full = share.numerator == share.denominator  # most officers: no proration to compute

    def required(hours: Decimal, code: str) -> Decimal:
        owed = hours if full else _prorate(hours, share)
        return max(owed - waived_hours[code], ZERO) if code in waived_hours else owed

    total = Line(
        code="",
        name="Total",
        required_hours=max(required(definition.required_hours, "") - waived_total, ZERO),
        waived="" in waived_whole,
    )
    lines = {
        c.code: Line(
            code=c.code,
            name=c.name,
            required_hours=required(c.min_hours, c.code),
            needs_entry=c.required and c.min_hours == 0,
            waived=c.code in waived_whole,
        )
        for c in definition.categories
    }
    pools = [
        Line(
            code=p.code,
            name=p.name,
            required_hours=required(p.min_hours, p.code),
            waived=p.code in waived_whole,
        )
        for p in definition.pools
    ]
    joined = max(d for d in (dates.hired_on, dates.certified_on, cycle.start) if d is not None)
    periods = []
    for rule in definition.recurring:
        start = cycle.start
        while start <= cycle.end:
            end = min(add_months(start, rule.every_months) - timedelta(days=1), cycle.end)
            if end >= joined and start <= as_of and rule.category not in waived_whole:
                periods.append(Period(rule.category, start, end, rule.min_hours))
            start = end + timedelta(days=1)
    start, end = cycle.start, cycle.end
    pool_members = [
        (pool, frozenset(spec.categories))
        for pool, spec in zip(pools, definition.pools, strict=True)
    ]
    for credit in credits:  # the hot loop of an agency's report: plain attribute updates
        day = credit.completed_on
        if day < start or day > end:
            continue
        hours, codes = credit.hours, credit.categories
        if credit.approved:
            step = 1 if hours > 0 else -1
            total.earned_hours += hours
            for code in codes:
                line = lines.get(code)
                if line is not None:
                    line.earned_hours += hours
                    line.entries += step
            for pool, members in pool_members:
                if not codes.isdisjoint(members):
                    pool.earned_hours += hours
            for period in periods:
                if period.category in codes and period.start <= day <= period.end:
                    period.earned_hours += hours
                    period.entries += step
        else:
            total.pending_hours += hours
            for code in codes:
                line = lines.get(code)
                if line is not None:
                    line.pending_hours += hours
            for pool, members in pool_members:
                if not codes.isdisjoint(members):
                    pool.pending_hours += hours
    category_lines = list(lines.values())
    met = (
        total.met
        and all(line.met for line in category_lines)
        and all(pool.met for pool in pools)
        and all(period.met for period in periods)
    )
    lapsed_period = any(p.end < as_of and not p.met for p in periods)
    if met:
        status = Status.COMPLIANT
    elif as_of > deadline or lapsed_period:
        status = Status.DEFICIENT
    else:
        half_gone = (as_of - cycle.start).days * 2 > (cycle.end - cycle.start).days + 1
        behind = half_gone and total.earned_hours * 2 < total.required_hours
        near = (deadline - as_of).days <= definition.at_risk_days
        status = Status.AT_RISK if near or behind else Status.ON_TRACK
    return Standing(
        cycle=cycle,
        deadline=deadline,
        status=status,
        total=total,
        categories=category_lines,
        pools=pools,
        periods=periods,
        prorated=share,
        as_of=as_of,
    )
