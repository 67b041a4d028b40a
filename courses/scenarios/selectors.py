"""Reads of branching scenarios: a lesson's scenario by block id, the learner's latest walk of
each scenario of a lesson, and the trainers' report of how often each choice was taken."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q

from courses.blocks import scenario_data
from courses.branching import Walk, follow
from courses.models import LessonPage, ModulePage, ScenarioChoice, ScenarioPath
from lms.errors import DomainError, ErrorCode
from lms.models import Person
from lms.scoping import scope_aggregates

BLOCK_TYPE = "branching_scenario"


def scenario_of(lesson: LessonPage, block_id: str) -> dict:
    """The live lesson's branching scenario whose block id is `block_id`, as plain data
    (courses.blocks.scenario_data); DomainError NOT_FOUND when it has none such."""
    for block in lesson.body:
        if block.block_type == BLOCK_TYPE and block.id == block_id:
            return scenario_data(block.value)
    raise DomainError(ErrorCode.NOT_FOUND, "This lesson has no such scenario.")


def latest_path(
    *, person: Person, lesson: LessonPage, block_id: str, lock: bool = False
) -> ScenarioPath | None:
    """The person's latest walk of the scenario (None before the first choice); `lock` takes
    its row lock, for the rules that add to it."""
    paths = ScenarioPath.objects.filter(person=person, lesson=lesson, block_id=block_id)
    if lock:
        paths = paths.select_for_update()
    return paths.order_by("-run").first()


@dataclass(frozen=True)
class ScenarioState:
    """What the lesson page shows of one scenario for one learner: the walk (None when the
    scenario was edited so that the recorded choices no longer fit it) and its number."""

    run: int
    walk: Walk | None
    can_start_again: bool


_LATEST_WALKS_SQL = f"""
    SELECT p.block_id, p.run, p.at_step, c.step, c.choice
    FROM {ScenarioPath._meta.db_table} p
    LEFT JOIN {ScenarioChoice._meta.db_table} c ON c.path_id = p.id
    WHERE p.person_id = %s AND p.lesson_id = %s AND p.run = (
        SELECT MAX(q.run) FROM {ScenarioPath._meta.db_table} q
        WHERE q.person_id = p.person_id AND q.lesson_id = p.lesson_id AND q.block_id = p.block_id
    )
    ORDER BY p.block_id, c.position
"""  # noqa: S608 (table names from the models; the values are parameters)


def scenario_states(*, person: Person, lesson: LessonPage, blocks) -> dict[str, ScenarioState]:
    """The learner's latest walk of each branching scenario of the lesson, by block id; a
    scenario not yet begun is at its first step of walk 1. `blocks`: the lesson's blocks made
    into values that include its scenarios (the page's kept body, courses.blocks.lesson_body).
    One query, written out: a lesson page reads it for every learner, and the ORM's subquery
    and prefetch cost more to build than to run."""
    scenarios = {
        block.id: scenario_data(block.value) for block in blocks if block.block_type == BLOCK_TYPE
    }
    if not scenarios:
        return {}
    walks: dict[str, tuple[int, str, list]] = {}  # block id -> (run, at step, choices taken)
    with connection.cursor() as cursor:
        cursor.execute(_LATEST_WALKS_SQL, [person.pk, lesson.pk])
        for block_id, run, at_step, step, choice in cursor.fetchall():
            walk = walks.setdefault(block_id, (run, at_step, []))
            if step is not None:
                walk[2].append((step, choice))
    states = {}
    for block_id, scenario in scenarios.items():
        run, at_step, chosen = walks.get(block_id, (1, None, []))
        walk = follow(scenario["steps"], chosen)
        if at_step is not None and walk and walk.at["id"] != at_step:
            walk = None  # a choice now leads elsewhere than it did: the walk no longer fits
        states[block_id] = ScenarioState(run=run, walk=walk, can_start_again=bool(chosen))
    return states


# --- the trainers' report ---------------------------------------------------------------------

MIN_LEARNERS_SHOWN = 5  # fewer distinct learners than this: the figure is not shown


def shown(learners: int) -> bool:
    """The one rule of the report: a figure counted over fewer than MIN_LEARNERS_SHOWN
    distinct learners is withheld."""
    return learners >= MIN_LEARNERS_SHOWN


@dataclass
class ChoiceFigures:
    text: str
    leads_to: str
    learners: int  # distinct learners who took it (any walk)
    times: int  # times taken, every walk counted
    first_walks: int  # times taken on a learner's first walk
    shown: bool
    share: int | None = None  # % of the step's answers; only when no choice of the step is hidden


@dataclass
class StepFigures:
    step_id: str
    number: int
    choices: list[ChoiceFigures]


@dataclass
class EndingFigures:
    step_id: str
    rating: str
    learners: int
    shown: bool


@dataclass
class ScenarioFigures:
    module: object
    lesson: LessonPage
    block_id: str
    title: str
    learners: int  # distinct learners who began it
    walks: int
    finished: int
    shown: bool
    steps: list[StepFigures]
    endings: list[EndingFigures]


def scenario_choice_report(*, viewer) -> list[ScenarioFigures]:
    """Every branching scenario of the live lessons, in curriculum order, with how often each
    choice was taken by the viewer's learners (lms.scoping.scope_aggregates): aggregates only,
    and a figure of fewer than MIN_LEARNERS_SHOWN learners withheld (the whole scenario's when
    fewer began it). A step's shares are given only when none of its choices is withheld, so
    no withheld figure can be worked out from the others. Choices recorded for a step or a
    choice since removed from the scenario are not listed. Five queries, whatever the data."""
    lessons = list(LessonPage.objects.live().order_by("path"))
    module_paths = {lesson.path[: -LessonPage.steplen] for lesson in lessons}
    modules = {m.path: m for m in ModulePage.objects.filter(path__in=module_paths)}
    paths = scope_aggregates(ScenarioPath.objects.all(), viewer, prefix="person__")
    choices = scope_aggregates(ScenarioChoice.objects.all(), viewer, prefix="path__person__")
    begun = {
        (row["lesson_id"], row["block_id"]): row
        for row in paths.values("lesson_id", "block_id").annotate(
            learners=Count("person_id", distinct=True),
            walks=Count("id"),
            finished=Count("id", filter=Q(completed_at__isnull=False)),
        )
    }
    ended = {
        (row["lesson_id"], row["block_id"], row["at_step"]): row["learners"]
        for row in paths.filter(completed_at__isnull=False)
        .values("lesson_id", "block_id", "at_step")
        .annotate(learners=Count("person_id", distinct=True))
    }
    taken = {
        (row["path__lesson_id"], row["path__block_id"], row["step"], row["choice"]): row
        for row in choices.values("path__lesson_id", "path__block_id", "step", "choice").annotate(
            learners=Count("path__person_id", distinct=True),
            times=Count("id"),
            first_walks=Count("id", filter=Q(path__run=1)),
        )
    }
    report = []
    for lesson in lessons:
        for block in lesson.body:
            if block.block_type != BLOCK_TYPE:
                continue
            scenario = scenario_data(block.value)
            key = (lesson.pk, block.id)
            totals = begun.get(key, {"learners": 0, "walks": 0, "finished": 0})
            report.append(
                ScenarioFigures(
                    module=modules.get(lesson.path[: -LessonPage.steplen]),
                    lesson=lesson,
                    block_id=block.id,
                    title=scenario["title"],
                    learners=totals["learners"],
                    walks=totals["walks"],
                    finished=totals["finished"],
                    shown=shown(totals["learners"]),
                    steps=_step_figures(scenario["steps"], key, taken),
                    endings=[
                        EndingFigures(
                            step_id=step["id"],
                            rating=(step.get("outcome") or {}).get("rating", ""),
                            learners=ended.get((*key, step["id"]), 0),
                            shown=shown(ended.get((*key, step["id"]), 0)),
                        )
                        for step in scenario["steps"]
                        if not step.get("choices")
                    ],
                )
            )
    return report


def _step_figures(steps: list[dict], key: tuple, taken: dict) -> list[StepFigures]:
    figures = []
    decisions = [step for step in steps if step.get("choices")]
    for number, step in enumerate(decisions, start=1):
        rows = [taken.get((*key, step["id"], index), {}) for index in range(len(step["choices"]))]
        choices = [
            ChoiceFigures(
                text=choice["text"],
                leads_to=choice["next"],
                learners=row.get("learners", 0),
                times=row.get("times", 0),
                first_walks=row.get("first_walks", 0),
                shown=shown(row.get("learners", 0)),
            )
            for choice, row in zip(step["choices"], rows, strict=True)
        ]
        answers = sum(choice.times for choice in choices)
        if answers and all(choice.shown for choice in choices):
            for choice in choices:
                choice.share = round(100 * choice.times / answers)
        figures.append(StepFigures(step_id=step["id"], number=number, choices=choices))
    return figures
