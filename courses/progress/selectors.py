"""Reads of the curriculum and of a learner's progress, scoped to the caller.

`curricula_visible_to` is the one place that decides which curricula a user may see;
every learner-facing read of modules, lessons and quizzes goes through it.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache, reduce
from operator import or_

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from wagtail.models import Page

from assessments.models import Attempt, Quiz, Survey, SurveyPhase, SurveyResponse
from assessments.review import QuizStanding
from assessments.selectors import (
    AttemptReview,
    attempt_review,
    attempts_left,
    counts_toward_limit,
    quiz_attempts_left,
    quiz_standing,
)
from assessments.services import TIME_LIMIT_GRACE
from courses.models import (
    Assignment,
    Certificate,
    CurriculumPage,
    LessonPage,
    LessonProgress,
    ModuleCompletion,
    ModulePage,
    TrainingRecord,
)
from courses.progress.cycle import cycle_at, cycle_standing, governing_assignment
from lms.db.rows import columns, fetch_together, made_models
from lms.models import Person
from lms.page_cache import remembered
from lms.scoping import viewer_person


def assignments_for(person: Person) -> QuerySet[Assignment]:
    reach = Q(agency_id=person.agency_id) | Q(person=person)
    if person.unit_id:
        reach |= Q(unit_id=person.unit_id)
    return Assignment.objects.filter(reach)


def curricula_visible_to(user) -> QuerySet[CurriculumPage]:
    """Live curricula assigned to the user's agency, unit or person."""
    person = viewer_person(user)
    if person is None:
        return CurriculumPage.objects.none()
    return _curricula_reaching(person)


def _curricula_reaching(person: Person) -> QuerySet[CurriculumPage]:
    ids = assignments_for(person).values("curriculum_id")
    return CurriculumPage.objects.live().filter(pk__in=ids).order_by("path")


# Stand-ins for a person's ids while `_curricula_reaching` is compiled once per shape.
_PERSON_MARKERS = {"pk": -1_000_001, "agency_id": -1_000_002, "unit_id": -1_000_003}


@lru_cache(maxsize=4)
def _visible_ids_statement(vendor: str, with_unit: bool) -> tuple[str, tuple]:
    """The SQL of `_curricula_reaching(person).values_list("pk")` and its parameters, compiled
    once per database and shape (with or without a unit) for a stand-in person: the rule stays
    the ORM's, and a learner new to the worker no longer pays 0.7 ms to compile it."""
    markers = {**_PERSON_MARKERS, "unit_id": _PERSON_MARKERS["unit_id"] if with_unit else None}
    stand_in = Person(**markers)
    query = _curricula_reaching(stand_in).values_list("pk", flat=True).query
    return query.sql_with_params()


def _visible_ids(person: Person) -> frozenset[int]:
    sql, params = _visible_ids_statement(connection.vendor, person.unit_id is not None)
    values = {marker: getattr(person, name) for name, marker in _PERSON_MARKERS.items()}
    with connection.cursor() as cursor:
        cursor.execute(sql, [values.get(p, p) if type(p) is int else p for p in params])
        return frozenset(row[0] for row in cursor.fetchall())


def _within(curricula) -> Q:
    """Pages below any of the given curricula (Wagtail's materialised path)."""
    paths = [c.path for c in curricula]
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(path__startswith=p) for p in paths))


def visible_curricula(user) -> list[CurriculumPage]:
    """`curricula_visible_to`, kept in the worker under the content version and the user's
    account version (as `visible_curriculum_ids`)."""
    if viewer_person(user) is None:
        return []
    return remembered(
        f"visible-curriculum-pages:{user.pk}",
        lambda: list(curricula_visible_to(user)),
        user_id=user.pk,
    )


def visible_lessons(user) -> QuerySet[LessonPage]:
    return LessonPage.objects.live().filter(_within(curricula_visible_to(user)))


def visible_modules(user) -> QuerySet[ModulePage]:
    return ModulePage.objects.live().filter(_within(curricula_visible_to(user)))


def visible_curriculum_ids(user) -> frozenset[int]:
    """The ids `curricula_visible_to` would return, kept in the worker under the content
    version (publishing, assignments) and the user's account version (their agency, unit)."""
    person = viewer_person(user)
    if person is None:
        return frozenset()
    return remembered(f"visible-curricula:{user.pk}", lambda: _visible_ids(person), user_id=user.pk)


def _modules_serving(quiz_id: int) -> list[tuple[int | None, ModulePage]]:
    """The live modules that serve the quiz, by path, each with the id of its curriculum (its
    parent page: modules sit directly under curricula); kept until content changes. Their
    bodies are left for a page that shows them."""

    def load():
        modules = list(
            ModulePage.objects.live()
            .filter(quiz_id=quiz_id)
            .select_related("quiz")
            .defer_streamfields()
            .order_by("path")
        )
        parent_paths = {m.path[: -ModulePage.steplen] for m in modules}
        curricula = CurriculumPage.objects.filter(path__in=parent_paths).values_list("path", "pk")
        parents = dict(curricula)
        return [(parents.get(m.path[: -ModulePage.steplen]), m) for m in modules]

    return remembered(f"modules-serving:{quiz_id}", load)


def visible_module_for_quiz(user, quiz_id: int) -> ModulePage | None:
    """The first live module, with its quiz, that serves `quiz_id` in a curriculum the user
    may see, or None."""
    visible = visible_curriculum_ids(user)
    return next((m for c, m in _modules_serving(quiz_id) if c in visible), None)


SEARCH_TERM = re.compile(r"\w+")
SEARCH_TERMS_MAX = 12


def search_training(user, query: str) -> Sequence[Page]:
    """Live lessons and modules of the curricula visible to `user` that match `query`, best first.

    A Wagtail search filtered to those page types and to the visible curricula's paths, so a
    learner never finds a draft, or content of a curriculum not assigned to them. Lazy: the
    index is read for the slice a paginator asks for.
    """
    # Words only: the SQLite FTS5 backend fails on quotes, colons and other query syntax
    # (wagtail/wagtail#13227), and learners type plain words anyway.
    terms = SEARCH_TERM.findall(query)[:SEARCH_TERMS_MAX]
    curricula = list(curricula_visible_to(user)) if terms else []
    if not curricula:
        return []
    return (
        Page.objects.live()
        .type(LessonPage, ModulePage)
        .filter(_within(curricula))
        .specific()
        .search(" ".join(terms), operator="and")
    )


@dataclass
class SearchHit:
    page: LessonPage | ModulePage
    module: ModulePage | None


def search_hits(pages) -> list[SearchHit]:
    """Each found page with its module (a module is its own), read in one query."""
    pages = list(pages)
    parent_paths = {p.path[: -Page.steplen] for p in pages if isinstance(p, LessonPage)}
    modules = {
        m.path: m for m in ModulePage.objects.filter(path__in=parent_paths).defer_streamfields()
    }
    return [
        SearchHit(
            page=p,
            module=p if isinstance(p, ModulePage) else modules.get(p.path[: -Page.steplen]),
        )
        for p in pages
    ]


def live_modules(curriculum: CurriculumPage) -> QuerySet[ModulePage]:
    """The curriculum's live modules (its child pages): those a certificate needs."""
    return ModulePage.objects.live().child_of(curriculum)


def modules_total(curriculum: CurriculumPage) -> int:
    """How many modules the curriculum's `modules_completed` counts are out of."""
    return live_modules(curriculum).count()


def curriculum_of(page) -> CurriculumPage:
    """The curriculum above a module or lesson page, found by path among every curriculum
    (kept in the worker until content changes: one query for all pages)."""
    curricula = remembered(
        "curricula-by-path", lambda: {c.path: c for c in CurriculumPage.objects.all()}
    )
    paths = (page.path[: CurriculumPage.steplen * d] for d in range(1, page.depth))
    found = [curricula[path] for path in paths if path in curricula]
    if len(found) != 1:
        raise CurriculumPage.DoesNotExist(f"No curriculum above {page.path}.")
    return found[0]


@dataclass
class ModuleOutline:
    page: ModulePage
    lessons: list[LessonPage]

    @property
    def quiz(self) -> Quiz | None:
        return self.page.quiz


@dataclass
class CurriculumOutline:
    page: CurriculumPage
    modules: list[ModuleOutline]

    @property
    def lessons(self) -> list[LessonPage]:
        return [lesson for module in self.modules for lesson in module.lessons]

    @property
    def credit_hours(self):
        return sum((m.page.credit_hours for m in self.modules), start=0)


def curriculum_outline(curriculum: CurriculumPage) -> CurriculumOutline:
    """The curriculum's outline, the same for every learner: built once per worker and
    content version (publishing, moving or deleting a page renews it), and shared by every
    request of the worker: read it, never change it."""
    return remembered(
        f"outline:{curriculum.pk}", lambda: curriculum_outlines([curriculum])[0], copy=False
    )


def kept_curriculum_outlines(curricula) -> list[CurriculumOutline]:
    """The outlines of several curricula, kept like `curriculum_outline` but built together
    (two queries, not two per curriculum) when the worker has not kept them."""
    curricula = list(curricula)
    key = "outlines:" + ",".join(str(curriculum.pk) for curriculum in curricula)
    return remembered(key, lambda: curriculum_outlines(curricula), copy=False)


def curriculum_outlines(curricula) -> list[CurriculumOutline]:
    """Modules (with quiz) and lessons of each curriculum, live only, in two queries."""
    curricula = list(curricula)
    modules = list(
        ModulePage.objects.live()
        .filter(_within(curricula))
        .select_related("quiz")
        .defer_streamfields()
        .order_by("number", "path")
    )
    lessons = list(
        LessonPage.objects.live().filter(_within(curricula)).defer_streamfields().order_by("path")
    )
    lessons_by_parent: dict[str, list[LessonPage]] = {}
    for lesson in lessons:
        lessons_by_parent.setdefault(lesson.path[: -LessonPage.steplen], []).append(lesson)
    outlines = []
    for curriculum in curricula:
        outlines.append(
            CurriculumOutline(
                page=curriculum,
                modules=[
                    ModuleOutline(page=m, lessons=lessons_by_parent.get(m.path, []))
                    for m in modules
                    if m.path.startswith(curriculum.path)
                ],
            )
        )
    return outlines


@dataclass
class ModuleProgress:
    outline: ModuleOutline
    completed_lesson_ids: set[int]
    completed_at: datetime | None
    quiz_passed: bool
    best_score: int | None
    attempts_used: int  # in this cycle
    attempts_left: int | None  # None without a quiz
    open_attempt_id: int | None = None  # unsubmitted and within its time limit: resume it

    @property
    def lessons_completed(self) -> int:
        return len(self.completed_lesson_ids)

    @property
    def lessons_total(self) -> int:
        return len(self.outline.lessons)

    @property
    def lessons_done(self) -> bool:
        return self.lessons_completed >= self.lessons_total

    @property
    def next_lesson(self) -> LessonPage | None:
        """The first lesson not yet completed, in reading order."""
        return next(
            (
                lesson
                for lesson in self.outline.lessons
                if lesson.pk not in self.completed_lesson_ids
            ),
            None,
        )

    @property
    def steps_total(self) -> int:
        return self.lessons_total + (1 if self.outline.quiz else 0)

    @property
    def steps_done(self) -> int:
        return self.lessons_completed + (1 if self.quiz_passed else 0)

    @property
    def percent(self) -> int:
        if self.completed_at:
            return 100
        return (100 * self.steps_done) // self.steps_total if self.steps_total else 0


@dataclass
class CurriculumProgress:
    outline: CurriculumOutline
    modules: list[ModuleProgress]
    completed_at: datetime | None
    due_date: date | None
    certificate: Certificate | None = None
    recertification_months: int | None = field(default=None)
    survey_offers: list["SurveyOffer"] = field(default_factory=list)  # see with_survey_offers
    # The phases of the curriculum's survey the learner has answered, read with the facts.
    survey_answered: set[str] = field(default_factory=set)

    @property
    def modules_completed(self) -> int:
        return sum(1 for m in self.modules if m.completed_at)

    @property
    def percent_complete(self) -> int:
        if self.completed_at:
            return 100
        total = sum(m.steps_total for m in self.modules)
        done = sum(m.steps_done for m in self.modules)
        return (100 * done) // total if total else 0

    @property
    def next_module(self) -> ModuleProgress | None:
        return next((m for m in self.modules if not m.completed_at), None)


def _open_attempt_id(attempts, quiz_id: int | None, now) -> int | None:
    """The learner's unsubmitted attempt at the quiz that may still be submitted (whatever its
    cycle: `attempt_start` hands back an open attempt before counting), or None."""
    return next(
        (
            a["pk"]
            for a in attempts
            if a["quiz_id"] == quiz_id
            and a["submitted_at"] is None
            and (a["expires_at"] is None or now <= a["expires_at"] + TIME_LIMIT_GRACE)
        ),
        None,
    )


def learner_progress(
    *, person: Person, curricula: Iterable[CurriculumPage]
) -> list[CurriculumProgress]:
    """Everything 'My training' shows, in two queries whatever the size, sent together (one
    round trip on PostgreSQL: lms.db.rows.fetch_together): the training records and the
    progress facts. The outlines and the learner's assignments are kept in the worker
    (`curriculum_outline`, `_assignments_of`)."""
    now = timezone.now()
    outlines = kept_curriculum_outlines(curricula)
    if not outlines:
        return []
    lesson_ids = [lesson.pk for o in outlines for lesson in o.lessons]
    module_ids = [m.page.pk for o in outlines for m in o.modules]
    quiz_ids = [m.page.quiz_id for o in outlines for m in o.modules if m.page.quiz_id]
    curriculum_ids = [o.page.pk for o in outlines]
    survey_ids = sorted({o.page.survey_id for o in outlines if o.page.survey_id})
    facts = _facts_statement(
        person,
        lesson_ids=lesson_ids,
        module_ids=module_ids,
        quiz_ids=quiz_ids,
        survey_ids=survey_ids,
    )
    record_rows, *fact_rows = fetch_together(
        _records_statement(person, curriculum_ids), *([facts] if facts else [])
    )
    records = _training_records(record_rows)
    done_lessons, module_done, attempts, answered = _progress_facts(*fact_rows)
    assignments = [a for a in _assignments_of(person) if a.curriculum_id in curriculum_ids]

    result = []
    for outline in outlines:
        assignment = governing_assignment(assignments, curriculum_id=outline.page.pk)
        standing = cycle_standing(
            record=records.get(outline.page.pk), assignment=assignment, now=now
        )
        cycle = standing.cycle
        modules = []
        for module in outline.modules:
            quiz = module.page.quiz
            started = [a["started_at"] for a in attempts if a["quiz_id"] == module.page.quiz_id]
            in_cycle = [
                a
                for a in attempts
                if a["quiz_id"] == module.page.quiz_id
                and counts_toward_limit(a["started_at"], since=cycle.since)
            ]
            scores = [a["score"] for a in in_cycle if a["score"] is not None]
            modules.append(
                ModuleProgress(
                    outline=module,
                    completed_lesson_ids={
                        lesson.pk
                        for lesson in module.lessons
                        if (lesson.pk, cycle.number) in done_lessons
                    },
                    completed_at=module_done.get((module.page.pk, cycle.number)),
                    quiz_passed=any(a["passed"] for a in in_cycle),
                    best_score=max(scores, default=None),
                    attempts_used=len(in_cycle),
                    attempts_left=(
                        attempts_left(quiz=quiz, started=started, since=cycle.since)
                        if quiz
                        else None
                    ),
                    open_attempt_id=_open_attempt_id(attempts, module.page.quiz_id, now),
                )
            )
        result.append(
            CurriculumProgress(
                outline=outline,
                modules=modules,
                completed_at=standing.completed_at,
                due_date=standing.due_date,
                certificate=cycle.certificate,
                recertification_months=assignment.recertification_months if assignment else None,
                survey_answered=answered.get(outline.page.survey_id, set()),
            )
        )
    return result


def _records_statement(person: Person, curriculum_ids: list[int]) -> tuple[str, list]:
    """The person's training records of the curricula, each with its certificate: the ORM's
    select_related written out (lms.db.rows), which cost a rendered page ten times what
    running the statement costs."""
    return _records_sql(len(curriculum_ids)), [person.pk, *curriculum_ids]


def _training_records(rows: list[tuple]) -> dict[int, TrainingRecord]:
    """`_records_statement`'s rows as records by curriculum id."""
    records = {}
    for record, certificate in made_models(rows, TrainingRecord, Certificate):
        record.certificate = certificate  # None when it has none: no query when asked
        records[record.curriculum_id] = record
    return records


@lru_cache(maxsize=64)
def _records_sql(count: int) -> str:
    return (
        f"SELECT {columns(TrainingRecord, 'r')}, {columns(Certificate, 'c')} "  # noqa: S608
        f"FROM {TrainingRecord._meta.db_table} r "
        f"LEFT JOIN {Certificate._meta.db_table} c ON c.id = r.certificate_id "
        f"WHERE r.person_id = %s AND r.curriculum_id IN ({', '.join(['%s'] * count)})"
    )


def _assignments_of(person: Person) -> list[Assignment]:
    """`assignments_for`, kept in the worker: assignments renew the content version, the
    person's agency and unit their account version."""
    return remembered(
        f"assignments:{person.pk}", lambda: list(assignments_for(person)), user_id=person.user_id
    )


def _facts_statement(
    person: Person, *, lesson_ids, module_ids, quiz_ids, survey_ids=()
) -> tuple[str, list] | None:
    """The learner's progress facts among the given ids (`_progress_facts`): one statement, a
    UNION ALL of the four tables; None when there are no ids to look for.

    Plain SQL of a fixed shape (`_facts_sql`): built by the ORM, this statement cost a
    rendered page more than everything else it reads together (~4.5 ms of compiling).
    """
    arms, params = [], []
    for kind, ids, owner in (
        ("lesson", lesson_ids, person.pk),
        ("module", module_ids, person.pk),
        ("attempt", quiz_ids, person.user_id),
        ("survey", survey_ids, person.user_id),
    ):
        if ids:
            arms.append((kind, len(ids)))
            params += [owner, *ids]
    return (_facts_sql(connection.vendor, tuple(arms)), params) if arms else None


def _progress_facts(rows: list[tuple] = ()):
    """`_facts_statement`'s rows as the learner's completed lessons {(lesson id, cycle)},
    module completions {(module id, cycle): completed_at}, attempts (dicts) and survey
    phases answered {survey id: {phase}}."""
    done_lessons, module_done, attempts, answered = set(), {}, [], {}
    for kind, ref, number, pk, flag, t1, t2, t3, label in rows:
        if kind == "lesson":
            done_lessons.add((ref, number))
        elif kind == "module":
            module_done[(ref, number)] = _timestamp(t1)
        elif kind == "survey":
            answered.setdefault(ref, set()).add(label)
        else:
            attempts.append(
                {
                    "pk": pk,
                    "quiz_id": ref,
                    "score": number,
                    "passed": None if flag is None else bool(flag),
                    "started_at": _timestamp(t1),
                    "submitted_at": _timestamp(t2),
                    "expires_at": _timestamp(t3),
                }
            )
    return done_lessons, module_done, attempts, answered


# Each arm: its table, the owner column, the id column, then the selected columns in the order
# kind, ref, number, id, flag, t1, t2, t3, label (None: a NULL of that column's type).
_FACT_ARMS = {
    "lesson": (LessonProgress, "person_id", "lesson_id", ("lesson_id", "cycle")),
    "module": (
        ModuleCompletion,
        "person_id",
        "module_id",
        ("module_id", "cycle", None, None, "completed_at"),
    ),
    "attempt": (
        Attempt,
        "user_id",
        "quiz_id",
        ("quiz_id", "score", "id", "passed", "started_at", "submitted_at", "expires_at"),
    ),
    "survey": (
        SurveyResponse,
        "user_id",
        "survey_id",
        ("survey_id", None, None, None, None, None, None, "phase"),
    ),
}
_FACT_NULL_TYPES = {  # PostgreSQL types the arms' NULLs, as the first arm's decide the union's
    "postgresql": (
        "integer",
        "integer",
        "integer",
        "boolean",
        *["timestamp with time zone"] * 3,
        "varchar",
    ),
}


@lru_cache(maxsize=256)
def _facts_sql(vendor: str, arms: tuple[tuple[str, int], ...]) -> str:
    """The UNION ALL of `_progress_facts` for these arms, each (kind, how many ids)."""
    quote = connection.ops.quote_name
    null_types = _FACT_NULL_TYPES.get(vendor)
    selects = []
    for kind, count in arms:
        model, owner, ref, columns = _FACT_ARMS[kind]
        padded = [*columns, *[None] * (8 - len(columns))]
        values = [
            quote(column)
            if column
            else (f"CAST(NULL AS {null_types[i]})" if null_types else "NULL")
            for i, column in enumerate(padded)
        ]
        selects.append(
            f"SELECT '{kind}', {', '.join(values)} FROM {quote(model._meta.db_table)}"  # noqa: S608 (names are ours)
            f" WHERE {quote(owner)} = %s AND {quote(ref)} IN ({', '.join(['%s'] * count)})"
        )
    return " UNION ALL ".join(selects)


def _timestamp(value):
    """A timestamp as the driver returns it from plain SQL: PostgreSQL an aware datetime,
    SQLite the text Django stored (UTC, no offset)."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def module_attempts_left(*, person: Person, module: ModulePage, now=None) -> int:
    """Attempts the person may still start at the module's quiz in their current certification
    cycle: the number the start rule (`module_quiz_start`) goes by. Two queries (three while the
    worker has not yet kept the curriculum above the module: `curriculum_of`)."""
    record = (
        TrainingRecord.objects.filter(person=person, curriculum=curriculum_of(module))
        .select_related("certificate")
        .first()
    )
    since = cycle_at(record, now or timezone.now()).since
    return quiz_attempts_left(quiz=module.quiz, user=person.user, since=since)


def module_quiz_standing(*, person: Person, module: ModulePage, now=None) -> QuizStanding:
    """The person's standing in the module's quiz in their current certification cycle
    (attempts left, passed, an attempt open): what the review policy goes by. Two queries."""
    record = (
        TrainingRecord.objects.filter(person=person, curriculum=curriculum_of(module))
        .select_related("certificate")
        .first()
    )
    since = cycle_at(record, now or timezone.now()).since
    return quiz_standing(quiz=module.quiz, user=person.user, since=since)


_READ = object()  # `since` not given: read from the person's training record


def module_attempt_review(
    *, person: Person, module: ModulePage, attempt: Attempt, since=_READ
) -> AttemptReview:
    """A submitted attempt at the module's quiz as its learner may see it now (the review
    policy: assessments.review). Every learner-facing read of an attempt goes through here.

    `since`: when the person's current certification cycle began, if the caller has just
    read it under the record's lock (`services.module_quiz_submit_in_cycle`); one query
    fewer than reading the record again (its certificate, valid when locked, is still valid
    or was issued by that submit, so the cycle is the same)."""
    if since is _READ:
        standing = module_quiz_standing(person=person, module=module)
    else:
        standing = quiz_standing(quiz=module.quiz, user=person.user, since=since)
    attempt.quiz = module.quiz
    return attempt_review(attempt, standing=standing, policy=module.quiz.review_policy)


def certificates_of(person: Person) -> QuerySet[Certificate]:
    return Certificate.objects.filter(person=person).order_by("-issued_at")


# --- Perception surveys -----------------------------------------------------------------------


class SurveyStatus:
    OPEN = "open"
    ANSWERED = "answered"
    NOT_YET = "not_yet"  # the after survey, before its module is completed
    CLOSED = "closed"  # the before survey, once its module has been started
    UNAVAILABLE = "unavailable"  # no survey, or none published


@dataclass(frozen=True)
class SurveyOffer:
    """A survey the learner may answer now, and the module it is offered around."""

    curriculum: CurriculumPage
    survey: Survey
    phase: str
    module_number: int

    @property
    def is_pre(self) -> bool:
        return self.phase == SurveyPhase.PRE


def survey_module(progress: CurriculumProgress, number: int) -> ModuleProgress | None:
    """The module a survey is placed around: number `number`, else the next one after it,
    else the last (a curriculum shorter than the default 'after module 7' still gets one)."""
    modules = progress.modules
    return next((m for m in modules if m.outline.page.number >= number), None) or (
        modules[-1] if modules else None
    )


def survey_status(progress: CurriculumProgress, phase: str, answered: set[str]) -> str:
    """Whether the learner may answer the curriculum's survey in `phase` now.

    Before: open until the learner starts module `pre_survey_before_module` (a baseline
    taken after the training has begun would not be one), or answers the after survey.
    After: open once module `post_survey_after_module` is completed. Each is answered once.
    Neither ever blocks the training.
    """
    curriculum = progress.outline.page
    if phase in answered:
        return SurveyStatus.ANSWERED
    if phase == SurveyPhase.PRE:
        module = survey_module(progress, curriculum.pre_survey_before_module)
        if module is None:
            return SurveyStatus.UNAVAILABLE
        started = module.completed_at or module.steps_done or module.attempts_used
        return SurveyStatus.CLOSED if started or SurveyPhase.POST in answered else SurveyStatus.OPEN
    module = survey_module(progress, curriculum.post_survey_after_module)
    if module is None:
        return SurveyStatus.UNAVAILABLE
    return SurveyStatus.OPEN if module.completed_at else SurveyStatus.NOT_YET


def surveys_answered(user, survey_ids) -> dict[int, set[str]]:
    """Phases the user has answered, by survey, in one query."""
    answered: dict[int, set[str]] = {}
    ids = list(survey_ids)
    if not ids:
        return answered
    with connection.cursor() as cursor:  # written out: a rendered page asks it every time
        cursor.execute(_answered_sql(len(ids)), [user.pk, *ids])
        for survey_id, phase in cursor.fetchall():
            answered.setdefault(survey_id, set()).add(phase)
    return answered


@lru_cache(maxsize=64)
def _answered_sql(count: int) -> str:
    return (
        f"SELECT survey_id, phase FROM {SurveyResponse._meta.db_table} "  # noqa: S608
        f"WHERE user_id = %s AND survey_id IN ({', '.join(['%s'] * count)})"
    )


def with_survey_offers(progress: list[CurriculumProgress]) -> list[CurriculumProgress]:
    """Fill each curriculum's `survey_offers` with the surveys open to the learner now.

    No query: the learner's answers were read with the progress facts (`learner_progress`),
    the published surveys are kept in the worker.
    """
    survey_ids = {p.outline.page.survey_id for p in progress if p.outline.page.survey_id}
    if not survey_ids:
        return progress
    ids = sorted(survey_ids)
    surveys = remembered(  # publishing a survey renews the content version
        f"live-surveys:{ids}",
        lambda: {s.pk: s for s in Survey.objects.filter(pk__in=ids, live=True)},
        copy=False,  # read, never changed
    )
    for item in progress:
        curriculum = item.outline.page
        survey = surveys.get(curriculum.survey_id)
        if survey is None:
            continue
        item.survey_offers = [
            SurveyOffer(
                curriculum=curriculum,
                survey=survey,
                phase=phase,
                module_number=survey_module(item, number).outline.page.number,
            )
            for phase, number in (
                (SurveyPhase.PRE, curriculum.pre_survey_before_module),
                (SurveyPhase.POST, curriculum.post_survey_after_module),
            )
            if survey_status(item, phase, item.survey_answered) == SurveyStatus.OPEN
        ]
    return progress
