"""The shape rules of a branching scenario, in plain data (no Django), so the lesson block, the
curriculum loader, the exchange import and the content check all apply the same ones.

A scenario is a list of steps; the first is where it starts. A step is either a decision (2-4
choices, each with a consequence and the id of the next step) or an ending (an outcome that says
what went well and what to improve). Every choice leads to a step that exists, every step is
reached, there are no cycles, and every path from the start meets two to four decisions before
its ending.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

MIN_CHOICES, MAX_CHOICES = 2, 4
MIN_DEPTH, MAX_DEPTH = 2, 4
RATINGS = ("good", "mixed", "poor")
STEP_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")


def is_ending(step: dict) -> bool:
    return not step.get("choices")


def scenario_problems(steps: list[dict]) -> list[str]:
    """Every rule `steps` breaks, one sentence each, naming the step; [] when it is sound."""
    if not isinstance(steps, list) or not steps:
        return ["A branching scenario needs steps."]
    problems: list[str] = []
    by_id: dict[str, dict] = {}
    for number, step in enumerate(steps, start=1):
        if not isinstance(step, dict):
            problems.append(f"Step {number}: expected a step (an id, a situation, choices).")
            continue
        step_id = step.get("id")
        if not isinstance(step_id, str) or not STEP_ID.match(step_id):
            problems.append(
                f"Step {number}: the id must be lower-case letters, digits and hyphens."
            )
        elif step_id in by_id:
            problems.append(f"Step {number}: the id '{step_id}' is used twice.")
        else:
            by_id[step_id] = step
        choices = step.get("choices") or []
        if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
            problems.append(f"Step '{step_id}': the choices must be a list of choices.")
            continue
        if choices and not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
            problems.append(
                f"Step '{step_id}': a decision has {MIN_CHOICES} to {MAX_CHOICES} choices."
            )
        for index, choice in enumerate(choices, start=1):
            if not _text(choice.get("text")):
                problems.append(f"Step '{step_id}', choice {index}: say what the officer does.")
            if not _text(choice.get("consequence")):
                problems.append(f"Step '{step_id}', choice {index}: say what happens next.")
        if not choices:
            outcome = step.get("outcome") if isinstance(step.get("outcome"), dict) else {}
            if outcome.get("rating") not in RATINGS:
                problems.append(
                    f"Step '{step_id}': an ending needs a rating ({', '.join(RATINGS)})."
                )
            for key in ("went_well", "to_improve"):
                if not _text(outcome.get(key)):
                    problems.append(f"Step '{step_id}': an ending needs '{key}'.")
    if problems:
        return problems
    for step in steps:
        for index, choice in enumerate(step.get("choices") or [], start=1):
            target = choice.get("next")
            if not isinstance(target, str) or target not in by_id:
                problems.append(
                    f"Step '{step['id']}', choice {index}: leads to '{target}', "
                    "which is not a step."
                )
    if problems:
        return problems
    return _path_problems(steps[0]["id"], by_id)


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _path_problems(start: str, by_id: dict[str, dict]) -> list[str]:
    """Cycles, unreached steps, and paths shorter or longer than the allowed depth.

    Each step is explored once (its result kept, a failure too), and no deeper than one step
    past MAX_DEPTH decisions, so the walk stays small and shallow whatever the author wrote."""
    problems: list[str] = []
    reached: set[str] = set()
    depths: dict[str, tuple[int, int] | None] = {}  # step -> (fewest, most) decisions to an end
    too_long = False

    def walk(step_id: str, trail: tuple[str, ...]) -> tuple[int, int] | None:
        nonlocal too_long
        if step_id in trail:
            problems.append(f"Step '{step_id}': the path {' > '.join(trail)} comes back to it.")
            return None
        reached.add(step_id)
        if step_id in depths:
            return depths[step_id]
        if len(trail) > MAX_DEPTH:
            too_long = True
            depths[step_id] = None
            return None
        step = by_id[step_id]
        if is_ending(step):
            depths[step_id] = (0, 0)
            return depths[step_id]
        below = [walk(c["next"], (*trail, step_id)) for c in step["choices"]]
        if any(b is None for b in below):
            depths[step_id] = None
            return None
        depths[step_id] = (1 + min(b[0] for b in below), 1 + max(b[1] for b in below))
        return depths[step_id]

    depth = walk(start, ())
    if problems:
        return list(dict.fromkeys(problems))  # a cycle met along several paths: named once
    if too_long:
        return [f"A path runs to more than {MAX_DEPTH} decisions; the most is {MAX_DEPTH}."]
    if unreached := [s for s in by_id if s not in reached]:
        problems.append(f"No path reaches the steps {', '.join(unreached)}.")
    if depth and depth[0] < MIN_DEPTH:
        problems.append(f"A path ends after {depth[0]} decision(s); every path needs {MIN_DEPTH}.")
    if depth and depth[1] > MAX_DEPTH:
        problems.append(f"A path runs to {depth[1]} decisions; the most is {MAX_DEPTH}.")
    return problems


def longest_path(steps: list[dict]) -> int:
    """The most decisions any path meets (for the seat-time allowance); 0 for unsound steps."""
    if scenario_problems(steps):
        return 0
    by_id = {s["id"]: s for s in steps}

    def most(step_id: str) -> int:
        step = by_id[step_id]
        return 0 if is_ending(step) else 1 + max(most(c["next"]) for c in step["choices"])

    return most(steps[0]["id"])


@dataclass(frozen=True)
class Walk:
    """Where a learner's choices lead: the (step, choice) pairs taken in order, and the step
    reached, a decision still to take or the ending."""

    taken: list[tuple[dict, dict]]
    at: dict

    @property
    def finished(self) -> bool:
        return is_ending(self.at)

    @property
    def decision_number(self) -> int:
        return len(self.taken) + 1


def follow(steps: list[dict], chosen: Iterable[tuple[str, int]]) -> Walk | None:
    """The walk that `chosen` (step id, index of the choice taken) makes through `steps` from
    the first step, or None when it does not fit them: a step out of order, a choice that
    does not exist, a choice leading nowhere (the scenario was edited since)."""
    if not steps:
        return None
    by_id = {step.get("id"): step for step in steps}
    at, taken = steps[0], []
    for step_id, index in chosen:
        choices = at.get("choices") or []
        if at.get("id") != step_id or not 0 <= index < len(choices):
            return None
        choice = choices[index]
        reached = by_id.get(choice.get("next"))
        if reached is None:
            return None
        taken.append((at, choice))
        at = reached
    return Walk(taken=taken, at=at)
