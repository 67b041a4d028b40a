"""The rules of walking a branching scenario: take a choice, start again.

A choice is accepted only for the step the learner stands at, on their latest walk, for a
choice that exists; anything else is refused (DomainError, 400) and nothing is written. Two
tabs answering the same step record one choice: the path row is locked while a choice is added
(PostgreSQL), and the database's unique constraints (one path per learner, scenario and walk;
one answer per step and position on a path) refuse the second answer wherever locks are not
taken (SQLite serialises writers instead).

No audit event: a walk through a scenario is practice, not a training record; the path itself
is the record of it.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.branching import is_ending
from courses.models import LessonPage, ScenarioChoice, ScenarioPath
from courses.scenarios.selectors import latest_path, scenario_of
from lms.errors import DomainError, ErrorCode
from lms.models import Person

ANSWERED_ELSEWHERE = (
    "That step has already been answered (in another window?). Your walk continues from the "
    "step shown in the lesson."
)


def _refuse(message: str, field: str) -> DomainError:
    return DomainError(ErrorCode.INVALID, message, field=field)


@transaction.atomic
def scenario_choose(
    *, person: Person, lesson: LessonPage, block_id: str, run: int, step: str, choice: int
) -> ScenarioPath:
    """Record that `person` took choice `choice` (0-based) at step `step` of walk `run` of the
    scenario; the path's first choice begins the walk (walk 1). Returns the path, which stands
    at the next step, or at its ending with `completed_at` set."""
    scenario = scenario_of(lesson, block_id)
    path = latest_path(person=person, lesson=lesson, block_id=block_id, lock=True)
    if path is None:
        expected_run, at = 1, scenario["steps"][0]["id"]
    else:
        expected_run, at = path.run, path.at_step
    if run != expected_run:
        raise _refuse("This page shows an earlier walk of the scenario; reload it.", "run")
    if path is not None and path.completed_at:
        raise _refuse("This walk has reached its ending; start again to walk it anew.", "step")
    if step != at:
        raise _refuse(
            ANSWERED_ELSEWHERE if path else "The scenario starts at its first step.", "step"
        )
    current = next((s for s in scenario["steps"] if s["id"] == step), None)
    if current is None:
        raise _refuse("The scenario has changed since you began; start again.", "step")
    choices = current.get("choices") or []
    if not 0 <= choice < len(choices):
        raise _refuse(f"Step '{step}' has no choice {choice + 1}.", "choice")
    taken = choices[choice]
    reached = next((s for s in scenario["steps"] if s["id"] == taken["next"]), None)
    if reached is None:
        raise _refuse("The scenario has changed since you began; start again.", "step")
    try:
        with transaction.atomic():
            if path is None:
                path = ScenarioPath.objects.create(
                    person=person, lesson=lesson, block_id=block_id, run=1, at_step=step
                )
            ScenarioChoice.objects.create(
                path=path,
                position=path.choices.count(),
                step=step,
                choice=choice,
                text=taken["text"],
            )
    except IntegrityError:  # the other tab's answer was committed first
        raise _refuse(ANSWERED_ELSEWHERE, "step") from None
    path.at_step = reached["id"]
    if is_ending(reached):
        path.completed_at = timezone.now()
    path.save(update_fields=["at_step", "completed_at"])
    return path


@transaction.atomic
def scenario_restart(
    *, person: Person, lesson: LessonPage, block_id: str, run: int
) -> ScenarioPath | None:
    """Begin walk `run` + 1 of the scenario, back at its first step; the earlier walks are
    kept. Only from the latest walk, once it has a choice: starting again from a page showing
    an earlier walk, or twice from two tabs, begins one new walk. Returns the latest path."""
    scenario = scenario_of(lesson, block_id)
    path = latest_path(person=person, lesson=lesson, block_id=block_id, lock=True)
    if path is None or path.run != run or not path.choices.exists():
        return path
    try:
        with transaction.atomic():
            return ScenarioPath.objects.create(
                person=person,
                lesson=lesson,
                block_id=block_id,
                run=run + 1,
                at_step=scenario["steps"][0]["id"],
            )
    except IntegrityError:  # started again in another tab at the same moment
        return latest_path(person=person, lesson=lesson, block_id=block_id)
