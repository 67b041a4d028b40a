"""What an event's answers say: per statement, the distribution before and after, the mean and
its shift, for everyone and by role; nothing about a group smaller than the minimum.

Reverse-worded statements (`SurveyItem.reversed`) are scored 6 minus the answer in means and
shifts, so a positive shift is always a more favourable view; their distributions are shown as
answered. Counted in Python from one query of the responses (a response holds its answers as
one JSON object), whatever the number of statements or roles.

Small groups: a phase with fewer respondents than `min_group` shows no figures (its `pre` or
`post` is None), and a role shown on its own must reach it in both phases. Roles below it are
hidden together, and when what they add up to is itself below the minimum (it could be read off
as the total minus the roles shown), the smallest role shown is hidden with them until it is
not (secondary suppression).
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from assessments.models import SurveyItem
from assessments.surveys import SCALE, Distribution, ItemShift
from community.models import CommunityEvent, CommunityResponse, Phase, Role

EVERYONE = "all"


@dataclass(frozen=True)
class StatementResult:
    """One statement in one group. `pre` / `post` are the answers as given (None: hidden)."""

    number: int
    item_id: int
    text: str
    reversed: bool
    pre: Distribution | None
    post: Distribution | None

    def _scored(self, dist: Distribution | None) -> Distribution | None:
        if dist is None or not self.reversed:
            return dist
        return Distribution(tuple(reversed(dist.counts)))

    @property
    def pre_scored(self) -> Distribution | None:
        return self._scored(self.pre)

    @property
    def post_scored(self) -> Distribution | None:
        return self._scored(self.post)

    @property
    def pre_mean(self) -> float | None:
        return self.pre_scored.mean if self.pre_scored else None

    @property
    def post_mean(self) -> float | None:
        return self.post_scored.mean if self.post_scored else None

    @property
    def shift(self) -> float | None:
        if self.pre_mean is None or self.post_mean is None:
            return None
        return self.post_mean - self.pre_mean

    def as_item_shift(self) -> ItemShift:
        """For oversight.charts.survey_shift_svg: the scored distributions, both or neither."""
        both = self.pre is not None and self.post is not None
        return ItemShift(
            number=self.number,
            item_id=self.item_id,
            statement=self.text,
            pre=self.pre_scored if both else None,
            post=self.post_scored if both else None,
        )


@dataclass(frozen=True)
class GroupResult:
    """Everyone, or the respondents who gave one role. Counts of a hidden phase are None."""

    key: str
    pre_n: int | None
    post_n: int | None
    statements: list[StatementResult]

    @property
    def pre_hidden(self) -> bool:
        return self.pre_n is None

    @property
    def post_hidden(self) -> bool:
        return self.post_n is None

    @property
    def suppressed(self) -> bool:
        return self.pre_hidden or self.post_hidden

    @property
    def label(self) -> str:
        return str(Role(self.key).label) if self.key in Role.values else self.key

    @property
    def chart_items(self) -> list[ItemShift]:
        return [s.as_item_shift() for s in self.statements]


@dataclass(frozen=True)
class EventResults:
    event: CommunityEvent
    min_group: int
    everyone: GroupResult
    roles: list[GroupResult] = field(default_factory=list)
    hidden_roles: list[str] = field(default_factory=list)

    @property
    def suppressed(self) -> bool:
        return self.everyone.suppressed

    @property
    def items(self) -> list[ItemShift]:
        """The chart's rows (oversight.charts.survey_shift_svg reads `report.items`)."""
        return self.everyone.chart_items


def _distributions(rows: Iterable[tuple[str, dict]]) -> tuple[int, dict[str, list[int]]]:
    """(respondents, {statement id: counts 1-5}) of (phase, answers) rows of one phase."""
    n, counts = 0, defaultdict(lambda: [0] * len(SCALE))
    for answers in rows:
        n += 1
        for key, value in answers.items():
            if value in SCALE:
                counts[key][value - 1] += 1
    return n, counts


def _group(
    key: str,
    items: list[SurveyItem],
    by_phase: dict[str, list[dict]],
    min_group: int,
    language: str,
) -> GroupResult:
    pre_n, pre_counts = _distributions(by_phase.get(Phase.PRE, []))
    post_n, post_counts = _distributions(by_phase.get(Phase.POST, []))

    def dist(counts, item) -> Distribution | None:
        found = Distribution(tuple(counts.get(str(item.pk), [0] * len(SCALE))))
        return found if found.n >= min_group else None

    return GroupResult(
        key=key,
        pre_n=pre_n if pre_n >= min_group else None,
        post_n=post_n if post_n >= min_group else None,
        statements=[
            StatementResult(
                number=number,
                item_id=item.pk,
                text=item.text_in(language),
                reversed=item.reversed,
                pre=dist(pre_counts, item) if pre_n >= min_group else None,
                post=dist(post_counts, item) if post_n >= min_group else None,
            )
            for number, item in enumerate(items, start=1)
        ],
    )


def _sizes(rows: list[tuple[str, str]]) -> dict[str, Counter]:
    sizes: dict[str, Counter] = defaultdict(Counter)
    for phase, role in rows:
        sizes[role][phase] += 1
    return sizes


def roles_shown(sizes: dict[str, Counter], min_group: int) -> list[str]:
    """The roles whose figures may be shown on their own (see the module docstring)."""
    shown = {r for r, c in sizes.items() if r and min(c[Phase.PRE], c[Phase.POST]) >= min_group}

    def pooled_too_small() -> bool:
        for phase in (Phase.PRE, Phase.POST):
            rest = sum(c[phase] for r, c in sizes.items() if r not in shown)
            if 0 < rest < min_group:
                return True
        return False

    while shown and pooled_too_small():
        shown.remove(min(shown, key=lambda r: (sum(sizes[r].values()), r)))
    return [r for r in Role.values if r in shown]


def event_results(
    events: list[CommunityEvent], *, min_group: int, language: str = "en"
) -> dict[int, EventResults]:
    """Results of each event, by id. Two queries for any number of events: the statements of
    their surveys, and their responses."""
    survey_ids = {e.survey_id for e in events if e.survey_id}
    items: dict[int, list[SurveyItem]] = defaultdict(list)
    for item in SurveyItem.objects.filter(survey_id__in=survey_ids).order_by("sort_order", "pk"):
        items[item.survey_id].append(item)
    rows: dict[int, list[tuple[str, str, dict]]] = defaultdict(list)
    responses = CommunityResponse.objects.filter(event__in=[e.pk for e in events if e.survey_id])
    for event_id, phase, role, answers in responses.values_list(
        "event_id", "phase", "role", "answers"
    ):
        rows[event_id].append((phase, role, answers))

    results = {}
    for event in events:
        statements = items.get(event.survey_id, [])
        event_rows = rows.get(event.pk, [])
        everyone: dict[str, list[dict]] = defaultdict(list)
        by_role: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
        for phase, role, answers in event_rows:
            everyone[phase].append(answers)
            by_role[role][phase].append(answers)
        sizes = _sizes([(phase, role) for phase, role, _answers in event_rows])
        shown = roles_shown(sizes, min_group)
        results[event.pk] = EventResults(
            event=event,
            min_group=min_group,
            everyone=_group(EVERYONE, statements, everyone, min_group, language),
            roles=[_group(r, statements, by_role[r], min_group, language) for r in shown],
            hidden_roles=[r for r in Role.values if r in sizes and r not in shown],
        )
    return results
