"""Reads of branching scenarios: a lesson's scenario by block id, the learner's latest walk of
each scenario of a lesson, and the trainers' report of how often each choice was taken."""

from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, Subquery

from courses.blocks import scenario_data
from courses.branching import Walk, follow
from courses.models import LessonPage, ScenarioChoice, ScenarioPath
from lms.errors import DomainError, ErrorCode
from lms.models import Person

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


def scenario_states(*, person: Person, lesson: LessonPage) -> dict[str, ScenarioState]:
    """The learner's latest walk of each branching scenario of the lesson, by block id; a
    scenario not yet begun is at its first step of walk 1. Two queries."""
    scenarios = {
        block.id: scenario_data(block.value)
        for block in lesson.body
        if block.block_type == BLOCK_TYPE
    }
    if not scenarios:
        return {}
    latest_run = (
        ScenarioPath.objects.filter(person=person, lesson=lesson, block_id=OuterRef("block_id"))
        .order_by("-run")
        .values("run")[:1]
    )
    paths = {
        path.block_id: path
        for path in ScenarioPath.objects.filter(
            person=person, lesson=lesson, run=Subquery(latest_run)
        ).prefetch_related(Prefetch("choices", ScenarioChoice.objects.order_by("position")))
    }
    states = {}
    for block_id, scenario in scenarios.items():
        path = paths.get(block_id)
        chosen = [(c.step, c.choice) for c in path.choices.all()] if path else []
        walk = follow(scenario["steps"], chosen)
        if path and walk and walk.at["id"] != path.at_step:
            walk = None  # a choice now leads elsewhere than it did: the walk no longer fits
        states[block_id] = ScenarioState(
            run=path.run if path else 1, walk=walk, can_start_again=bool(chosen)
        )
    return states
