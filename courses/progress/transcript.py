"""A learner's own transcript: their modules, every quiz attempt as they may see it under the
quiz's review policy (assessments.review), their certificates and their private reflections.

Read for the learner's print-out (HTML), its PDF and their records download; never for anyone
else (command staff read `oversight`'s transcript, which has no reflections and no answers).
A fixed number of queries whatever the number of modules and attempts.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from assessments.models import Attempt
from assessments.review import QuizStanding
from assessments.selectors import AttemptReview, attempt_review, attempts_left, counts_toward_limit
from courses.models import (
    Certificate,
    LessonPage,
    ModulePage,
    ReflectionAnswer,
    TrainingRecord,
)
from courses.progress.cycle import cycle_at
from courses.progress.selectors import (
    CurriculumProgress,
    certificates_of,
    curricula_visible_to,
    learner_progress,
)
from lms.models import Person


@dataclass
class TranscriptModule:
    page: ModulePage
    completed_at: object
    attempts: list[AttemptReview] = field(default_factory=list)


@dataclass
class TranscriptCurriculum:
    progress: CurriculumProgress
    modules: list[TranscriptModule]


@dataclass
class Transcript:
    person: Person
    generated_at: object
    curricula: list[TranscriptCurriculum]
    certificates: list[Certificate]
    reflections: list[ReflectionAnswer]
    lessons: dict[int, LessonPage]  # lessons the reviews name, by id


def _standing(quiz, rows: list[Attempt], since) -> QuizStanding:
    return QuizStanding(
        attempts_left=attempts_left(quiz=quiz, started=[a.started_at for a in rows], since=since),
        passed=any(a.passed and counts_toward_limit(a.started_at, since=since) for a in rows),
        open_attempt=any(a.submitted_at is None for a in rows),
    )


def learner_transcript(person: Person) -> Transcript:
    """Everything the person's own transcript shows."""
    now = timezone.now()
    progress = learner_progress(person=person, curricula=curricula_visible_to(person.user))
    records = {
        r.curriculum_id: r
        for r in TrainingRecord.objects.filter(person=person).select_related("certificate")
    }
    quizzes = {
        m.outline.page.quiz_id: m.outline.page.quiz
        for c in progress
        for m in c.modules
        if m.outline.page.quiz_id
    }
    attempts: dict[int, list[Attempt]] = {}
    for attempt in Attempt.objects.filter(user=person.user, quiz_id__in=quizzes).order_by(
        "started_at", "pk"
    ):
        attempts.setdefault(attempt.quiz_id, []).append(attempt)
    curricula = []
    for c in progress:
        since = cycle_at(records.get(c.outline.page.pk), now).since
        modules = []
        for m in c.modules:
            page = m.outline.page
            rows = attempts.get(page.quiz_id, [])
            reviews = []
            if rows:
                standing = _standing(page.quiz, rows, since)
                for attempt in rows:
                    if attempt.submitted_at is None:
                        continue
                    attempt.quiz = page.quiz
                    reviews.append(
                        attempt_review(attempt, standing=standing, policy=page.quiz.review_policy)
                    )
            modules.append(
                TranscriptModule(page=page, completed_at=m.completed_at, attempts=reviews)
            )
        curricula.append(TranscriptCurriculum(progress=c, modules=modules))
    lesson_ids = {
        q.lesson_id
        for c in curricula
        for m in c.modules
        for a in m.attempts
        for q in a.questions
        if q.lesson_id
    }
    lessons = {
        lesson.pk: lesson
        for lesson in LessonPage.objects.filter(pk__in=lesson_ids).defer_streamfields()
    }
    for c in curricula:
        for m in c.modules:
            for a in m.attempts:
                for q in a.questions:
                    q.lesson = lessons.get(q.lesson_id)
    return Transcript(
        person=person,
        generated_at=now,
        curricula=curricula,
        certificates=list(certificates_of(person)),
        reflections=list(
            ReflectionAnswer.objects.filter(person=person)
            .select_related("lesson")
            .defer("lesson__body")
            .order_by("lesson__path", "created_at")
        ),
        lessons=lessons,
    )
