"""xAPI statements for the facts of progress, written to the outbox (xapi/) by the progress
services in the fact's own transaction: one call per fact, nothing when xAPI is off.

| fact | verb | object | parent | grouping |
|---|---|---|---|---|
| lesson read | completed | lesson | module | curriculum |
| quiz started | attempted | quiz | module | curriculum |
| quiz submitted | passed / failed, with the score | quiz | module | curriculum |
| module complete | completed | module | curriculum | |
| curriculum complete | completed | curriculum | | |

Quiz statements name the quiz revision served in `context.revision` and as an activity in
`contextActivities.other`. Every statement of one certification cycle shares its
`context.registration`. The score: `raw` questions right of `max` served, `min` 0, `scaled`
their ratio; `duration` from start to submission.
"""

from assessments.models import Attempt
from courses.models import CurriculumPage, LessonPage, ModulePage
from lms.models import Person
from xapi import outbox
from xapi.statements import (
    ActivityType,
    Verb,
    account_name,
    activity,
    activity_iri,
    duration,
    statement,
)
from xapi.statements import registration as registration_id


def _curriculum(curriculum: CurriculumPage) -> dict:
    return activity(
        activity_iri("curriculum", curriculum.pk), type_=ActivityType.COURSE, name=curriculum.title
    )


def _module(module: ModulePage) -> dict:
    return activity(activity_iri("module", module.pk), type_=ActivityType.MODULE, name=module.title)


def _write(
    *, person: Person, curriculum: CurriculumPage, cycle: int, verb_name: str, obj: dict, **rest
) -> None:
    name = account_name(person)
    outbox.write(
        [
            statement(
                actor_name=name,
                verb_name=verb_name,
                obj=obj,
                registration_id=registration_id(name, curriculum_id=curriculum.pk, cycle=cycle),
                **rest,
            )
        ]
    )


def lesson_completed(
    *, person: Person, lesson: LessonPage, module: ModulePage, curriculum, cycle: int, at
) -> None:
    if not outbox.enabled():
        return
    _write(
        person=person,
        curriculum=curriculum,
        cycle=cycle,
        verb_name=Verb.COMPLETED,
        obj=activity(
            activity_iri("lesson", lesson.pk), type_=ActivityType.LESSON, name=lesson.title
        ),
        timestamp=at,
        parent=[_module(module)],
        grouping=[_curriculum(curriculum)],
        result={"completion": True},
    )


def _quiz_statement(
    *, person: Person, module: ModulePage, curriculum, cycle: int, attempt: Attempt, **rest
) -> None:
    quiz = module.quiz
    revision = attempt.quiz_revision_id
    _write(
        person=person,
        curriculum=curriculum,
        cycle=cycle,
        obj=activity(activity_iri("quiz", quiz.pk), type_=ActivityType.ASSESSMENT, name=quiz.title),
        parent=[_module(module)],
        grouping=[_curriculum(curriculum)],
        other=[
            activity(
                activity_iri("quiz", quiz.pk, "revision", revision),
                type_=ActivityType.ASSESSMENT,
                name=f"{quiz.title} (revision {revision})",
            )
        ]
        if revision
        else None,
        revision=str(revision) if revision else None,
        **rest,
    )


def quiz_attempted(
    *, person: Person, module: ModulePage, curriculum, cycle: int, attempt: Attempt
) -> None:
    if not outbox.enabled():
        return
    _quiz_statement(
        person=person,
        module=module,
        curriculum=curriculum,
        cycle=cycle,
        attempt=attempt,
        verb_name=Verb.ATTEMPTED,
        timestamp=attempt.started_at,
    )


def quiz_graded(
    *, person: Person, module: ModulePage, curriculum, cycle: int, attempt: Attempt
) -> None:
    """`passed` or `failed`, with the score, the outcome and the time taken."""
    if not outbox.enabled():
        return
    served = len(attempt.questions)
    _quiz_statement(
        person=person,
        module=module,
        curriculum=curriculum,
        cycle=cycle,
        attempt=attempt,
        verb_name=Verb.PASSED if attempt.passed else Verb.FAILED,
        timestamp=attempt.submitted_at,
        result={
            "score": {
                "scaled": round(attempt.correct_count / served, 4) if served else 0,
                "raw": attempt.correct_count,
                "min": 0,
                "max": served,
            },
            "success": bool(attempt.passed),
            "completion": True,
            "duration": duration(attempt.submitted_at - attempt.started_at),
        },
    )


def module_completed(*, person: Person, module: ModulePage, curriculum, cycle: int, at) -> None:
    if not outbox.enabled():
        return
    _write(
        person=person,
        curriculum=curriculum,
        cycle=cycle,
        verb_name=Verb.COMPLETED,
        obj=_module(module),
        timestamp=at,
        parent=[_curriculum(curriculum)],
        result={"completion": True},
    )


def curriculum_completed(*, person: Person, curriculum: CurriculumPage, cycle: int, at) -> None:
    if not outbox.enabled():
        return
    _write(
        person=person,
        curriculum=curriculum,
        cycle=cycle,
        verb_name=Verb.COMPLETED,
        obj=_curriculum(curriculum),
        timestamp=at,
        result={"completion": True},
    )
