"""What an agency's public page says: training in aggregate, community events, survey shifts.

No names anywhere: counts and percentages of the agency's sworn officers in the curriculum
assigned to the agency (the first, when there are several), computed with the oversight
dashboard's count from the facts (`oversight.reports.dashboard_from_facts`: the tallies are
kept per unit, not per officer category), and the events' results with small groups
suppressed (`community.results`). The page and its API answer are cached for anonymous visitors
(lms.page_cache) for PUBLIC_PAGE_SECONDS at most; `updated_at` says when the figures were
computed.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from community.models import CommentStatus, CommunityComment, CommunityEvent
from community.results import EventResults, event_results
from courses.models import Assignment, CurriculumPage
from courses.progress.cycle import Status, completion_rows
from lms.models import Agency, Person, PersonnelCategory
from oversight.reports import dashboard_from_facts

PUBLIC_PAGE_SECONDS = 300


@dataclass(frozen=True)
class ModuleFigure:
    number: int
    title: str
    percent_complete: int


@dataclass(frozen=True)
class PublicEvent:
    event: CommunityEvent
    title: str
    results: EventResults | None
    comments: list[str]

    @property
    def upcoming(self) -> bool:
        return self.event.date >= timezone.localdate()


@dataclass(frozen=True)
class Transparency:
    agency: Agency
    updated_at: datetime
    curriculum: CurriculumPage | None
    officers_assigned: int
    officers_certified: int
    modules: list[ModuleFigure]
    events: list[PublicEvent]
    min_group: int

    @property
    def upcoming(self) -> list[PublicEvent]:
        return sorted((e for e in self.events if e.upcoming), key=lambda e: e.event.date)

    @property
    def held(self) -> list[PublicEvent]:
        return [e for e in self.events if not e.upcoming]

    @property
    def certified_percent(self) -> int:
        if not self.officers_assigned:
            return 0
        return (100 * self.officers_certified) // self.officers_assigned


def agency_curriculum(agency: Agency) -> CurriculumPage | None:
    """The live curriculum assigned to the agency as a whole, or else within it."""
    assigned = Assignment.objects.filter(agency=agency).values("curriculum_id")
    found = CurriculumPage.objects.live().filter(pk__in=assigned).order_by("path").first()
    if found is None:
        within = Assignment.objects.filter(unit__agency=agency).values("curriculum_id")
        within_people = Assignment.objects.filter(person__agency=agency).values("curriculum_id")
        found = (
            CurriculumPage.objects.live()
            .filter(pk__in=within.union(within_people))
            .order_by("path")
            .first()
        )
    return found


def transparency(*, agency: Agency, language: str = "en") -> Transparency:
    """The public page's figures for `agency` (whose page the caller has checked is on)."""
    curriculum = agency_curriculum(agency)
    assigned = certified = 0
    modules: list[ModuleFigure] = []
    if curriculum is not None:
        officers = Person.objects.filter(agency=agency, personnel_category=PersonnelCategory.SWORN)
        board = dashboard_from_facts(
            rows=completion_rows(people=officers, curriculum=curriculum), curriculum=curriculum
        )
        assigned, certified = board.total, board.status_counts[Status.COMPLETED]
        for i, module in enumerate(board.modules):
            done = sum(unit.cells[i].completed for unit in board.units)
            modules.append(
                ModuleFigure(
                    number=module.number,
                    title=module.title,
                    percent_complete=(100 * done) // assigned if assigned else 0,
                )
            )
    events = list(
        CommunityEvent.objects.filter(agency=agency, listed=True)
        .select_related("survey")
        .order_by("-date", "-pk")
    )
    min_group = settings.SURVEY_MIN_GROUP_SIZE
    results = event_results(
        [e for e in events if e.survey_id], min_group=min_group, language=language
    )
    comments: dict[int, list[str]] = {}
    for event_id, text in CommunityComment.objects.filter(
        event__in=events, status=CommentStatus.PUBLISHED
    ).values_list("event_id", "text"):
        comments.setdefault(event_id, []).append(text)
    return Transparency(
        agency=agency,
        updated_at=timezone.now(),
        curriculum=curriculum,
        officers_assigned=assigned,
        officers_certified=certified,
        modules=modules,
        events=[
            PublicEvent(
                event=e,
                title=e.title_in(language),
                results=results.get(e.pk),
                comments=comments.get(e.pk, []),
            )
            for e in events
        ],
        min_group=min_group,
    )
