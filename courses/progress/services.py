"""The rules of progress: lesson → module → curriculum → certificate, called explicitly in turn.

Every progress rule first takes the person's `TrainingRecord` for the curriculum with a row
lock, which serialises concurrent progress of one person in one curriculum; the database
constraints (one row per person, lesson / module / curriculum and cycle; one certificate
per completion) are the proof against races. Each change writes its audit event in the
same transaction. (`certificate_revoke`, an oversight act, locks the certificate instead.)

Locks once, in order: every rule locks in the same order: the training record first, then
the quiz engine's row (the attempt when submitting, the learner's account when starting:
assessments.services), then, when the person's standing in the report changes, their
`ReportStanding` and the report's counter rows in key order (courses.progress.tally).
Audit events are inserted pending and lock nothing (the sequencer
chains them after the commit: lms.audit). A rule called by another rule of the same request
(`module_complete`, `curriculum_complete_if_done`) is handed the record its caller locked
instead of locking it again; called on its own, it locks the record itself. So a passing
submit locks the record, the attempt and the standing once each (tests/courses/test_locks.py).
"""

from datetime import datetime
from functools import lru_cache

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from assessments import services as quiz_services
from assessments.models import Attempt
from courses.models import (
    Certificate,
    CurriculumCompletion,
    CurriculumPage,
    LessonPage,
    LessonProgress,
    ModuleCompletion,
    ModulePage,
    TrainingRecord,
)
from courses.progress import statements, tally
from courses.progress.cycle import certificate_expires_at, governing_assignment, renew
from courses.progress.selectors import assignments_for, curriculum_of, live_modules
from lms.audit import Action, record_event
from lms.db.rows import columns, fetch_models
from lms.errors import DomainError, ErrorCode
from lms.models import Person
from lms.page_cache import content_changed, remembered


def _audit(action: str, *, person: Person, obj, data: dict | None = None) -> None:
    record_event(
        action=action,
        actor=person.user,
        obj=obj,
        agency_id=person.agency_id,
        person_id=person.pk,
        data=data,
    )


def training_record(*, person: Person, curriculum: CurriculumPage) -> TrainingRecord:
    """The person's record for the curriculum, locked; a new cycle begins here when the last
    certificate has expired or been revoked (`cycle.renew`)."""
    # The certificate is read only when there is one. A record that exists (every one but a
    # learner's first) is locked by a statement written out (lms.db.rows): compiling the
    # ORM's get_or_create cost a quiz submit more than the lock.
    sql = _locked_record_sql(connection.features.has_select_for_update)
    found = fetch_models(sql, [person.pk, curriculum.pk], TrainingRecord)
    if found:
        (record,) = found[0]
    else:  # as get_or_create, less its second look: a row inserted is locked until commit
        try:
            with transaction.atomic():
                record = TrainingRecord.objects.create(person=person, curriculum=curriculum)
        except IntegrityError:  # another request made it first (and has committed)
            ((record,),) = fetch_models(sql, [person.pk, curriculum.pk], TrainingRecord)
    if renew(record, timezone.now()):
        record.save()
    return record


@lru_cache(maxsize=2)
def _locked_record_sql(can_lock: bool) -> str:
    lock = " FOR UPDATE" if can_lock else ""
    return (
        f'SELECT {columns(TrainingRecord, "r")} FROM "{TrainingRecord._meta.db_table}" r '  # noqa: S608
        f"WHERE r.person_id = %s AND r.curriculum_id = %s{lock}"
    )


def _module_lesson_ids(module: ModulePage) -> list[int]:
    """The module's live lessons, kept in the worker until content changes."""
    return remembered(
        f"module-lessons:{module.pk}",
        lambda: list(LessonPage.objects.live().child_of(module).values_list("pk", flat=True)),
    )


def _module_lessons_done(*, person: Person, module: ModulePage, cycle: int) -> bool:
    lesson_ids = _module_lesson_ids(module)
    done = LessonProgress.objects.filter(
        person=person, lesson_id__in=lesson_ids, cycle=cycle
    ).count()
    return done >= len(lesson_ids)


def _module_standing(*, person: Person, module: ModulePage, cycle: int) -> tuple[bool, bool]:
    """Whether the person has completed the module in this cycle, and read all its lessons:
    one statement, written out (its shape never changes: compiling it through the ORM cost
    more than running it)."""
    lesson_ids = _module_lesson_ids(module)
    completions, progress = ModuleCompletion._meta.db_table, LessonProgress._meta.db_table
    read = "0"
    if lesson_ids:
        placeholders = ", ".join(["%s"] * len(lesson_ids))
        read = (
            f"(SELECT COUNT(*) FROM {progress} "  # noqa: S608 (names and placeholders are ours)
            f"WHERE person_id = %s AND cycle = %s AND lesson_id IN ({placeholders}))"
        )
    sql = (
        f"SELECT EXISTS(SELECT 1 FROM {completions} "  # noqa: S608 (names are ours)
        f"WHERE person_id = %s AND module_id = %s AND cycle = %s), {read}"
    )
    params = [person.pk, module.pk, cycle, *([person.pk, cycle, *lesson_ids] if lesson_ids else [])]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        completed, done = cursor.fetchone()
    return bool(completed), done >= len(lesson_ids)


def _mark_started(record: TrainingRecord) -> bool:
    """Record the cycle's first activity; True if this was it."""
    if record.started_at is None:
        record.started_at = timezone.now()
        record.save(update_fields=["started_at"])
        return True
    return False


@transaction.atomic
def lesson_complete(*, person: Person, lesson: LessonPage) -> tuple[LessonProgress, bool]:
    """Record that the person read the lesson in this cycle; repeating it keeps the first time.

    A module without a quiz is complete once its lessons are.
    """
    curriculum = curriculum_of(lesson)
    record = training_record(person=person, curriculum=curriculum)
    progress, created = LessonProgress.objects.get_or_create(
        person=person, lesson=lesson, cycle=record.cycle
    )
    if created:
        started = _mark_started(record)
        _audit(Action.LESSON_COMPLETED, person=person, obj=lesson, data={"cycle": record.cycle})
        module = ModulePage.objects.get(pk=lesson.get_parent().pk)
        statements.lesson_completed(
            person=person,
            lesson=lesson,
            module=module,
            curriculum=curriculum,
            cycle=record.cycle,
            at=progress.completed_at,
        )
        if module.quiz_id is None and _module_lessons_done(
            person=person, module=module, cycle=record.cycle
        ):
            module_complete(person=person, module=module, record=record)
        elif started:  # now in progress (module_complete keeps the report's tallies itself)
            tally.refresh(curriculum=curriculum, person_ids=[person.pk])
    return progress, created


def module_quiz_start(*, person: Person, module: ModulePage) -> tuple[Attempt, bool]:
    """Start (or resume) the module's quiz; locked until every lesson is complete, and closed
    once passed in this cycle."""
    if module.quiz_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This module has no quiz.")
    curriculum = curriculum_of(module)
    # What the worker keeps (`remembered`) is read before the transaction, which keeps nothing.
    _module_lesson_ids(module)
    pool = quiz_services.question_pool(module.quiz)
    with transaction.atomic():
        return _module_quiz_start(person=person, module=module, curriculum=curriculum, pool=pool)


def _module_quiz_start(
    *, person: Person, module: ModulePage, curriculum, pool
) -> tuple[Attempt, bool]:
    record = training_record(person=person, curriculum=curriculum)
    passed, lessons_done = _module_standing(person=person, module=module, cycle=record.cycle)
    if passed:
        raise DomainError(ErrorCode.CONFLICT, "You have already passed this module's quiz.")
    if not lessons_done:
        raise DomainError(
            ErrorCode.CONFLICT, "Complete every lesson in this module before taking its quiz."
        )
    attempt, created = quiz_services.attempt_start(
        quiz=module.quiz, user=person.user, since=record.cycle_started_at, pool=pool
    )
    if created:
        _audit(Action.ATTEMPT_STARTED, person=person, obj=attempt, data={"module": module.pk})
        statements.quiz_attempted(
            person=person, module=module, curriculum=curriculum, cycle=record.cycle, attempt=attempt
        )
    return attempt, created


def module_quiz_submit(*, person: Person, module: ModulePage, attempt: Attempt, answers) -> Attempt:
    """Grade the attempt; a pass completes the module, and possibly the curriculum."""
    return module_quiz_submit_in_cycle(
        person=person, module=module, attempt=attempt, answers=answers
    )[0]


def module_quiz_submit_in_cycle(
    *, person: Person, module: ModulePage, attempt: Attempt, answers
) -> tuple[Attempt, datetime | None]:
    """`module_quiz_submit`, and when the certification cycle it counted in began (the locked
    record's `cycle_started_at`, after any renewal): what the learner's standing in the quiz
    goes by (`module_attempt_review(since=...)`), so the caller need not read the record
    again."""
    curriculum = curriculum_of(module)  # before the transaction, which would not keep it
    with transaction.atomic():
        record = training_record(person=person, curriculum=curriculum)  # locked first
        attempt = quiz_services.attempt_submit(attempt=attempt, answers=answers)  # then this
        if attempt.user_id == person.user_id and attempt.quiz_id == module.quiz_id:
            attempt.user, attempt.quiz = person.user, module.quiz  # named in the audit event
        _audit(
            Action.ATTEMPT_SUBMITTED,
            person=person,
            obj=attempt,
            data={"module": module.pk, "score": attempt.score, "passed": attempt.passed},
        )
        statements.quiz_graded(
            person=person, module=module, curriculum=curriculum, cycle=record.cycle, attempt=attempt
        )
        if attempt.passed:
            module_complete(person=person, module=module, attempt=attempt, record=record)
    return attempt, record.cycle_started_at


@transaction.atomic(savepoint=False)  # no DomainError: nothing to recover from
def module_complete(
    *,
    person: Person,
    module: ModulePage,
    attempt: Attempt | None = None,
    record: TrainingRecord | None = None,
) -> ModuleCompletion:
    """Record the module as complete once per cycle; the first qualifying attempt is kept.

    `record`: the person's training record for the curriculum, if the caller has already
    locked it in this transaction (otherwise it is locked here)."""
    curriculum = curriculum_of(module)
    if record is None:
        record = training_record(person=person, curriculum=curriculum)
    completion, created = ModuleCompletion.objects.get_or_create(
        person=person, module=module, cycle=record.cycle, defaults={"attempt": attempt}
    )
    if created:
        _mark_started(record)
        _audit(Action.MODULE_COMPLETED, person=person, obj=module, data={"cycle": record.cycle})
        statements.module_completed(
            person=person,
            module=module,
            curriculum=curriculum,
            cycle=record.cycle,
            at=completion.completed_at,
        )
        curriculum_complete_if_done(person=person, curriculum=curriculum, record=record)
        tally.refresh(curriculum=curriculum, person_ids=[person.pk])  # the report's counts
    return completion


@transaction.atomic(savepoint=False)  # no DomainError: nothing to recover from
def curriculum_complete_if_done(
    *, person: Person, curriculum: CurriculumPage, record: TrainingRecord | None = None
) -> CurriculumCompletion | None:
    """Update the record's module count; when every live module is complete in this cycle,
    complete the curriculum and issue its certificate.

    `record`: as for `module_complete`, the record the caller has locked, if any."""
    if record is None:
        record = training_record(person=person, curriculum=curriculum)
    module_ids = set(live_modules(curriculum).values_list("pk", flat=True))
    done = set(
        ModuleCompletion.objects.filter(
            person=person, module_id__in=module_ids, cycle=record.cycle
        ).values_list("module_id", flat=True)
    )
    record.modules_completed = len(done)
    record.save(update_fields=["modules_completed"])
    if not module_ids or done != module_ids:
        return None
    completion, created = CurriculumCompletion.objects.get_or_create(
        person=person, curriculum=curriculum, cycle=record.cycle
    )
    if created:
        _audit(
            Action.CURRICULUM_COMPLETED, person=person, obj=curriculum, data={"cycle": record.cycle}
        )
        statements.curriculum_completed(
            person=person, curriculum=curriculum, cycle=record.cycle, at=completion.completed_at
        )
        certificate = certificate_issue(person=person, completion=completion)
        record.completed_at = completion.completed_at
        record.certificate = certificate
        record.save(update_fields=["completed_at", "certificate"])
    return completion


def certificate_issue(*, person: Person, completion: CurriculumCompletion) -> Certificate:
    """Issue the certificate for a completion, exactly once; it expires at the
    recertification interval of the governing assignment, if it has one."""
    curriculum = completion.curriculum
    now = timezone.now()
    assignment = governing_assignment(
        assignments_for(person).filter(curriculum=curriculum), curriculum_id=curriculum.pk
    )
    credit_hours = sum(
        live_modules(curriculum).values_list("credit_hours", flat=True),
        start=0,
    )
    certificate, created = Certificate.objects.get_or_create(
        completion=completion,
        defaults={
            "person": person,
            "curriculum": curriculum,
            "holder_name": person.display_name,
            "curriculum_title": curriculum.title,
            "credit_hours": credit_hours,
            "issued_at": now,
            "expires_at": certificate_expires_at(issued_at=now, assignment=assignment),
        },
    )
    if created:
        _audit(
            Action.CERTIFICATE_ISSUED,
            person=person,
            obj=certificate,
            data={"code": certificate.code, "expires_at": certificate.expires_at},
        )
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    """Revoke a certificate with a reason. The holder's cycle ends; they are due again."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID, "Give a reason for the revocation.", field="reason")
    if len(reason) > 1000:
        raise DomainError(
            ErrorCode.INVALID, "Keep the reason under 1,000 characters.", field="reason"
        )
    locked = Certificate.objects.select_for_update().select_related("person").get(pk=certificate.pk)
    if locked.revoked_at:
        raise DomainError(ErrorCode.CONFLICT, "This certificate is already revoked.")
    locked.revoked_at = timezone.now()
    locked.revoked_reason = reason
    locked.revoked_by = by
    locked.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    record_event(
        action=Action.CERTIFICATE_REVOKED,
        actor=by,
        obj=locked,
        agency_id=locked.person.agency_id,
        person_id=locked.person_id,
        data={"code": locked.code, "reason": reason},
    )
    tally.refresh(curriculum=locked.curriculum, person_ids=[locked.person_id])
    transaction.on_commit(content_changed)  # its verification page now says revoked
    return locked
