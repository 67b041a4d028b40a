"""A rule set's definition: what a jurisdiction (or an agency) requires of an officer in a cycle.

The data comes from one YAML file per jurisdiction (`compliance/rulesets/`, format in
`rulesets/FORMAT.md`) or, for an agency-defined rule set, from the admin; both go through
`parse_definition`, which names every problem at once and returns a frozen `Definition`.
Nothing here touches the database.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_HOURS = Decimal("1000")


class CycleKind:
    CALENDAR_YEAR = "calendar_year"
    FIXED_UNITS = "fixed_units"
    ANCHORED = "anchored"
    LICENCE_PERIOD = "licence_period"
    ALL = (CALENDAR_YEAR, FIXED_UNITS, ANCHORED, LICENCE_PERIOD)
    LABELS = {
        CALENDAR_YEAR: "Calendar year",
        FIXED_UNITS: "Fixed units",
        ANCHORED: "From the certification date",
        LICENCE_PERIOD: "Licence period",
    }


class RuleSetError(ValueError):
    """The definition is not usable; `problems` lists every reason, for a person."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class CycleSpec:
    kind: str
    years: int = 1
    anchor: date | None = None  # fixed_units: the first day of one unit
    deadline_month: int | None = None  # anchored: the cycle ends on this day of its last year
    deadline_day: int | None = None


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    min_hours: Decimal = Decimal(0)
    required: bool = False  # at least one entry, even without a minimum

    @property
    def is_requirement(self) -> bool:
        return self.min_hours > 0 or self.required


@dataclass(frozen=True)
class Pool:
    code: str
    name: str
    min_hours: Decimal
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Recurring:
    category: str
    every_months: int
    min_hours: Decimal = Decimal(0)  # 0: one entry in each period


@dataclass(frozen=True)
class Definition:
    cycle: CycleSpec
    total_hours: Decimal
    categories: tuple[Category, ...]
    pools: tuple[Pool, ...] = ()
    recurring: tuple[Recurring, ...] = ()
    proration: str = "none"  # or "monthly"
    waivers: bool = False
    extension_max_months: int = 0
    evidence_required_without_course_number: bool = False
    at_risk_days: int = 90
    module_categories: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @property
    def category_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.categories)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    @property
    def required_hours(self) -> Decimal:
        """The hours a full cycle needs: the total, or more when the minimums add up to more."""
        return max(
            [
                self.total_hours,
                sum((c.min_hours for c in self.categories), Decimal(0)),
                *(p.min_hours for p in self.pools),
            ]
        )


def _hours(value: Any, where: str, problems: list[str]) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        problems.append(f"{where}: must be a number of hours")
        return Decimal(0)
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        problems.append(f"{where}: must be a number of hours")
        return Decimal(0)
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS:
        problems.append(f"{where}: must be between 0 and {MAX_HOURS} hours")
        return Decimal(0)
    return hours


def _int(value: Any, where: str, problems: list[str], low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"{where}: must be a whole number from {low} to {high}")
        return low
    return value


def _code(value: Any, where: str, problems: list[str]) -> str:
    if not isinstance(value, str) or not value or len(value) > 40:
        problems.append(f"{where}: must be a code of 1 to 40 characters")
        return ""
    if not all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in value):
        problems.append(f"{where}: use letters, digits, '_' and '-' only")
    return value


def _text(value: Any, where: str, problems: list[str], max_length: int = 200) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        problems.append(f"{where}: must be text of 1 to {max_length} characters")
        return ""
    return value.strip()


def _mapping(data: Any, where: str, problems: list[str]) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(f"{where}: must be a mapping")
        return {}
    return data


def _list(data: Any, where: str, problems: list[str]) -> list:
    if data is None:
        return []
    if not isinstance(data, list):
        problems.append(f"{where}: must be a list")
        return []
    return data


def _cycle(data: Any, problems: list[str]) -> CycleSpec:
    data = _mapping(data, "cycle", problems)
    kind = data.get("kind")
    if kind not in CycleKind.ALL:
        problems.append(f"cycle.kind: must be one of {', '.join(CycleKind.ALL)}")
        return CycleSpec(kind=CycleKind.CALENDAR_YEAR)
    years = 1
    if kind != CycleKind.CALENDAR_YEAR:
        years = _int(data.get("years"), "cycle.years", problems, 1, 10)
    anchor = None
    if kind == CycleKind.FIXED_UNITS:
        anchor = data.get("anchor")
        if isinstance(anchor, str):
            try:
                anchor = date.fromisoformat(anchor)
            except ValueError:
                anchor = None
        if not isinstance(anchor, date):
            problems.append("cycle.anchor: must be a date (YYYY-MM-DD), the first day of a unit")
            anchor = date(2000, 1, 1)
    month = day = None
    if kind == CycleKind.ANCHORED and data.get("deadline") is not None:
        deadline = _mapping(data.get("deadline"), "cycle.deadline", problems)
        month = _int(deadline.get("month"), "cycle.deadline.month", problems, 1, 12)
        day = _int(deadline.get("day"), "cycle.deadline.day", problems, 1, 31)
        try:
            date(2001, month, day)  # not a leap year: 29 February is refused
        except ValueError:
            problems.append("cycle.deadline: not a day of every year")
    return CycleSpec(kind=kind, years=years, anchor=anchor, deadline_month=month, deadline_day=day)


def parse_definition(data: Any) -> Definition:
    """The definition in `data` (a mapping read from YAML or the admin), or RuleSetError
    naming every problem."""
    problems: list[str] = []
    data = _mapping(data, "the rule set", problems)
    cycle = _cycle(data.get("cycle"), problems)
    total = _hours(data.get("total_hours", 0), "total_hours", problems)
    categories = []
    for i, item in enumerate(_list(data.get("categories"), "categories", problems)):
        item = _mapping(item, f"categories[{i}]", problems)
        categories.append(
            Category(
                code=_code(item.get("code"), f"categories[{i}].code", problems),
                name=_text(item.get("name"), f"categories[{i}].name", problems),
                min_hours=_hours(item.get("min_hours", 0), f"categories[{i}].min_hours", problems),
                required=bool(item.get("required", False)),
            )
        )
    codes = [c.code for c in categories]
    if len(set(codes)) != len(codes):
        problems.append("categories: each code must be used once")
    if not categories:
        problems.append("categories: at least one category")
    known = set(codes)
    pools = []
    for i, item in enumerate(_list(data.get("pools"), "pools", problems)):
        item = _mapping(item, f"pools[{i}]", problems)
        members = _list(item.get("categories"), f"pools[{i}].categories", problems)
        unknown = [m for m in members if m not in known]
        if unknown or not members:
            problems.append(f"pools[{i}].categories: must name categories of this rule set")
        pools.append(
            Pool(
                code=_code(item.get("code"), f"pools[{i}].code", problems),
                name=_text(item.get("name"), f"pools[{i}].name", problems),
                min_hours=_hours(item.get("min_hours"), f"pools[{i}].min_hours", problems),
                categories=tuple(str(m) for m in members),
            )
        )
    recurring = []
    for i, item in enumerate(_list(data.get("recurring"), "recurring", problems)):
        item = _mapping(item, f"recurring[{i}]", problems)
        if item.get("category") not in known:
            problems.append(f"recurring[{i}].category: must name a category of this rule set")
        every = _int(item.get("every_months"), f"recurring[{i}].every_months", problems, 1, 120)
        if cycle.kind == CycleKind.CALENDAR_YEAR and every >= 12:
            problems.append(f"recurring[{i}].every_months: the cycle is a year already")
        recurring.append(
            Recurring(
                category=str(item.get("category")),
                every_months=every,
                min_hours=_hours(item.get("min_hours", 0), f"recurring[{i}].min_hours", problems),
            )
        )
    proration = data.get("proration", "none")
    if proration not in ("none", "monthly"):
        problems.append("proration: must be none or monthly")
    modules = {}
    for number, cats in _mapping(
        data.get("module_categories"), "module_categories", problems
    ).items():
        cats = _list(cats, f"module_categories[{number}]", problems)
        if isinstance(number, str) and number.isascii() and number.isdigit():
            number = int(number)  # JSON keys are text
        if (
            not isinstance(number, int)
            or isinstance(number, bool)
            or any(c not in known for c in cats)
        ):
            problems.append(
                f"module_categories[{number}]: a module number and categories of this rule set"
            )
            continue
        modules[number] = tuple(cats)
    definition = Definition(
        cycle=cycle,
        total_hours=total,
        categories=tuple(categories),
        pools=tuple(pools),
        recurring=tuple(recurring),
        proration=proration,
        waivers=bool(data.get("waivers", False)),
        extension_max_months=_int(
            data.get("extension_max_months", 0), "extension_max_months", problems, 0, 24
        ),
        evidence_required_without_course_number=bool(
            data.get("evidence_required_without_course_number", False)
        ),
        at_risk_days=_int(data.get("at_risk_days", 90), "at_risk_days", problems, 0, 730),
        module_categories=modules,
    )
    if problems:
        raise RuleSetError(problems)
    if definition.required_hours <= 0 and not any(c.is_requirement for c in categories):
        raise RuleSetError(["the rule set requires nothing: give hours or required categories"])
    return definition
