"""Which questions an attempt draws from the pool: fresh ones first.

Pure (no database, no clock), unit-tested on its own (tests/assessments/test_drawing.py).
The rule: prefer questions the learner has not been served in this certification cycle, at
random among them; when there are too few, add those served longest ago (ties at random). So
a pool of 30 drawing 10 serves three attempts without repeating a question, and a fourth
attempt repeats the questions of the first.
"""

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

Q = TypeVar("Q")


def last_served(attempts: Iterable[tuple[datetime, Sequence[Mapping]]]) -> dict[int, datetime]:
    """Question id -> when it was last served, from (started_at, question snapshot) pairs."""
    served: dict[int, datetime] = {}
    for started_at, questions in attempts:
        for question in questions:
            qid = question["id"]
            if qid not in served or served[qid] < started_at:
                served[qid] = started_at
    return served


def draw_questions(
    pool: Sequence[Q],
    count: int,
    *,
    key,
    served: Mapping[int, datetime],
    rng: random.Random,
) -> list[Q]:
    """`count` questions of `pool` (all of it when count is larger), fresh ones first.

    `key(question)` is its id; `served` maps ids to when they were last served in this cycle.
    Returned in draw order: unserved first, then the least recently served.
    """
    if count >= len(pool):
        return list(pool)
    fresh = [q for q in pool if key(q) not in served]
    if len(fresh) >= count:
        return rng.sample(fresh, count)
    seen = [q for q in pool if key(q) in served]
    rng.shuffle(seen)  # random among equals: sort is stable
    seen.sort(key=lambda q: served[key(q)])
    return rng.sample(fresh, len(fresh)) + seen[: count - len(fresh)]
