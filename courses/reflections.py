"""The reflection journal: a learner's private answers to a lesson's reflection prompts.

Only the learner reads them (their lesson page, their transcript print-out, their records
download); no oversight page, report, audit event or trainer view carries their text.
"""

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from courses.models import REFLECTION_MAX_LENGTH, LessonPage, ReflectionAnswer
from lms.errors import DomainError, ErrorCode
from lms.models import Person

BLOCK_TYPE = "reflection_prompt"


def reflection_prompts(lesson: LessonPage) -> dict[str, str]:
    """The lesson's reflection prompts: block id -> prompt text, in reading order."""
    return {
        block.id: block.value["prompt"] for block in lesson.body if block.block_type == BLOCK_TYPE
    }


def reflections_of(person: Person, lesson: LessonPage) -> dict[str, str]:
    """The person's answers in the lesson: block id -> text. Written out: the lesson page
    asks it at every render."""
    with connection.cursor() as cursor:
        cursor.execute(_ANSWERS_SQL, [person.pk, lesson.pk])
        return dict(cursor.fetchall())


_ANSWERS_SQL = (
    f"SELECT block_id, text FROM {ReflectionAnswer._meta.db_table} "  # noqa: S608 (a model's table)
    "WHERE person_id = %s AND lesson_id = %s"
)


def reflection_save(
    *, person: Person, lesson: LessonPage, block_id, text
) -> ReflectionAnswer | None:
    """Keep the person's answer to one reflection prompt of the lesson; an empty answer
    removes it (None). Raises DomainError(INVALID) naming the field for a prompt the lesson
    does not have or a text too long; nothing is written then."""
    prompts = reflection_prompts(lesson)
    if not isinstance(block_id, str) or block_id not in prompts:
        raise DomainError(
            ErrorCode.INVALID, "This lesson has no such reflection prompt.", field="block_id"
        )
    if not isinstance(text, str):
        raise DomainError(ErrorCode.INVALID, "Expected text.", field="text")
    text = text.replace("\r\n", "\n").replace("\x00", "").strip()
    if len(text) > REFLECTION_MAX_LENGTH:
        raise DomainError(
            ErrorCode.INVALID,
            f"Keep your reflection under {REFLECTION_MAX_LENGTH:,} characters "
            f"(this one has {len(text):,}).",
            field="text",
        )
    mine = ReflectionAnswer.objects.filter(person=person, lesson=lesson, block_id=block_id)
    if not text:
        for answer in mine:
            answer.delete()  # one at most; through the model, so the page cache hears of it
        return None
    values = {"text": text, "prompt": prompts[block_id], "updated_at": timezone.now()}
    for _ in range(2):  # two tabs saving a first answer at once: the loser updates
        try:
            with transaction.atomic():
                answer, _created = ReflectionAnswer.objects.update_or_create(
                    person=person, lesson=lesson, block_id=block_id, defaults=values
                )
            return answer
        except IntegrityError:
            continue
    raise DomainError(ErrorCode.CONFLICT, "Your reflection could not be saved; try again.")
