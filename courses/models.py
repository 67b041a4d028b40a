"""The curriculum as Wagtail pages, and each learner's progress through it."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from courses.blocks import (
    RICH_TEXT_FEATURES,
    JobAidSectionBlock,
    LabelledCharBlock,
    LessonBodyBlock,
    RichTextPanel,
    SourceBlock,
    lesson_body,
)
from lms.models import Agency, Person, Unit
from lms.page_cache import MAX_SECONDS, cache_for_anonymous, cache_for_user
from lms.scoping import scope_people, scope_targets, viewer_person


class HomePage(Page):
    """The public front page of the site."""

    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, RichTextPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CurriculumPage"]

    def serve(self, request, *args, **kwargs):
        """Anonymous visitors all see the same page: lms.page_cache keeps it until a page
        changes."""
        return cache_for_anonymous(super().serve(request, *args, **kwargs), MAX_SECONDS)


class LearnerPage(Page):
    """Training content: signed-in learners of an assigned curriculum only (and authors)."""

    class Meta:
        abstract = True

    def serve(self, request, *args, **kwargs):
        from courses.permissions import user_can_view_training_page

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_can_view_training_page(request.user, self):
            raise Http404("No such page.")
        # The page shows this user's progress: kept per user until it or the content changes.
        return cache_for_user(super().serve(request, *args, **kwargs))

    def get_context(self, request, *args, **kwargs):
        from courses.progress.selectors import curriculum_of, learner_progress

        context = super().get_context(request, *args, **kwargs)
        person = viewer_person(request.user)
        curriculum = self if isinstance(self, CurriculumPage) else curriculum_of(self)
        progress = learner_progress(person=person, curricula=[curriculum])[0] if person else None
        context.update(person=person, curriculum=curriculum, progress=progress)
        return context


class CurriculumPage(LearnerPage):
    """A programme of numbered modules; completing all of them earns a certificate."""

    summary = models.TextField(help_text="One or two plain sentences for lists and certificates.")
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    survey = models.ForeignKey(
        "assessments.Survey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="curricula",
        help_text="Perception survey offered before and after the training (optional).",
    )
    pre_survey_before_module = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Offer the 'before' survey to learners about to start this module number.",
    )
    post_survey_after_module = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1)],
        help_text="Offer the 'after' survey once this module number is completed.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        RichTextPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("survey"),
                FieldPanel("pre_survey_before_module"),
                FieldPanel("post_survey_after_module"),
            ],
            heading="Perception survey",
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]

    parent_page_types = ["courses.HomePage"]
    subpage_types = ["courses.ModulePage"]


class ModulePage(LearnerPage):
    """One module: objectives, lessons (its children) and an optional quiz that completes it."""

    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    summary = models.TextField()
    objectives = StreamField(
        [("objective", LabelledCharBlock(max_length=300, label="Objective"))],
        blank=True,
        help_text="Three to five learning objectives.",
    )
    minutes = models.PositiveIntegerField(help_text="Estimated minutes for the whole module.")
    credit_hours = models.DecimalField(
        max_digits=4, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    quiz = models.ForeignKey(
        "assessments.Quiz",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="modules",
        help_text="Passing this quiz completes the module. Without one, reading the lessons does.",
    )
    sources = StreamField(
        [("source", SourceBlock())],
        blank=True,
        help_text="5-10 real, checkable references, shown at the module's end under "
        "“Sources and further reading”.",
    )
    job_aid_title = models.CharField(
        "job aid title", max_length=160, blank=True, help_text="Leave empty for no job aid."
    )
    job_aid_intro = models.TextField(
        "job aid introduction", blank=True, help_text="One sentence on when to use it."
    )
    job_aid_sections = StreamField(
        [("section", JobAidSectionBlock())],
        blank=True,
        verbose_name="job aid sections",
        help_text="At least two; the whole job aid prints on one page (at most 450 words).",
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("number"), FieldPanel("minutes"), FieldPanel("credit_hours")],
            heading="Module",
        ),
        FieldPanel("summary"),
        FieldPanel("objectives"),
        FieldPanel("quiz"),
        FieldPanel("sources", heading="Sources and further reading"),
        MultiFieldPanel(
            [
                FieldPanel("job_aid_title"),
                FieldPanel("job_aid_intro"),
                FieldPanel("job_aid_sections"),
            ],
            heading="Job aid (one printable page)",
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]

    parent_page_types = ["courses.CurriculumPage"]
    subpage_types = ["courses.LessonPage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        progress = context["progress"]
        context["module_progress"] = module_progress = progress and next(
            (m for m in progress.modules if m.outline.page.pk == self.pk), None
        )
        if module_progress and module_progress.outline.page.quiz_id == self.quiz_id:
            self.quiz = module_progress.outline.quiz  # read with the outline: no query
        if progress:
            from courses.progress.selectors import with_survey_offers

            with_survey_offers([progress])
            context["survey_offer"] = next(
                (o for o in progress.survey_offers if o.module_number == self.number), None
            )
        return context

    @property
    def has_job_aid(self) -> bool:
        return bool(self.job_aid_title)


class LessonPage(LearnerPage):
    """A lesson: a StreamField body an officer reads, then marks complete."""

    summary = models.CharField(max_length=300)
    minutes = models.PositiveIntegerField(default=10)
    body = StreamField(LessonBodyBlock())

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("minutes"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]

    parent_page_types = ["courses.ModulePage"]
    subpage_types: list[str] = []

    def get_context(self, request, *args, **kwargs):
        from courses.reflections import BLOCK_TYPE as REFLECTION
        from courses.reflections import reflections_of
        from courses.scenarios.selectors import scenario_states

        context = super().get_context(request, *args, **kwargs)
        context["body"] = body = lesson_body(self, request)
        if context["person"]:  # each branching scenario where this learner stands
            learner_blocks = [block for block, html in body if html is None]
            context["scenario_states"] = scenario_states(
                person=context["person"], lesson=self, blocks=learner_blocks
            )
            if any(block.block_type == REFLECTION for block in learner_blocks):
                context["reflections"] = reflections_of(context["person"], self)
        progress = context["progress"]
        if progress:
            sequence = [(m, lesson) for m in progress.modules for lesson in m.outline.lessons]
            position = next(
                (i for i, (_, lesson) in enumerate(sequence) if lesson.pk == self.pk), None
            )
            if position is None:  # a draft seen in preview is not in the live sequence
                return context
            module_progress = sequence[position][0]
            context.update(
                module_progress=module_progress,
                is_complete=self.pk in module_progress.completed_lesson_ids,
                previous_lesson=sequence[position - 1][1] if position > 0 else None,
                next_lesson=sequence[position + 1][1] if position + 1 < len(sequence) else None,
                next_in_module=position + 1 < len(sequence)
                and sequence[position + 1][0] is module_progress,
                lesson_position=module_progress.outline.lessons.index(sequence[position][1]) + 1,
            )
        return context


class AssignmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AssignmentQuerySet":
        """Assignments the viewer may read (lms.scoping.scope_targets): to their agency, one of
        its units or people; for a viewer limited to some units, to those units or their
        people, and the agency-wide ones, which reach their people too."""
        return scope_targets(self, user, agency_wide=True)

    def changeable_by(self, user) -> "AssignmentQuerySet":
        """Assignments the viewer's oversight covers entirely: as `visible_to`, but without the
        agency-wide ones for a viewer limited to some units (a change would reach the people of
        units they do not oversee). Whether the viewer may change assignments at all is a
        permission (`user_can_manage_assignments`)."""
        return scope_targets(self, user, agency_wide=False)


class Assignment(models.Model):
    """A curriculum assigned to an agency, a unit or one person, due by a date."""

    curriculum = models.ForeignKey(
        CurriculumPage, on_delete=models.CASCADE, related_name="assignments"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments"
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments"
    )
    due_date = models.DateField()
    recertification_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Certificates expire after this many months."
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(agency__isnull=False, unit__isnull=True, person__isnull=True)
                    | Q(agency__isnull=True, unit__isnull=False, person__isnull=True)
                    | Q(agency__isnull=True, unit__isnull=True, person__isnull=False)
                ),
                name="assignment_exactly_one_target",
            ),
            models.UniqueConstraint(
                fields=["curriculum", "agency"], name="assignment_once_per_agency"
            ),
            models.UniqueConstraint(fields=["curriculum", "unit"], name="assignment_once_per_unit"),
            models.UniqueConstraint(
                fields=["curriculum", "person"], name="assignment_once_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.curriculum} → {self.agency or self.unit or self.person}"

    @property
    def specificity(self) -> int:
        """Person beats unit beats agency when several assignments reach one learner."""
        return 2 if self.person_id else 1 if self.unit_id else 0


class LessonProgress(models.Model):
    """The fact that a person completed a lesson. Written once."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="progress")
    cycle = models.PositiveSmallIntegerField(default=1)
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "lesson", "cycle"], name="lesson_progress_once_per_cycle"
            ),
        ]
        verbose_name_plural = "lesson progress"

    def __str__(self) -> str:
        return f"{self.person} read {self.lesson}"


REFLECTION_MAX_LENGTH = 5000


class ReflectionAnswer(models.Model):
    """A learner's private answer to one reflection prompt of a lesson (the block's id names
    the prompt). Only its author reads it: no oversight page, report, export or trainer view
    shows it; it is on their own transcript print-out and in the records file. Written and
    rewritten by its author (`courses.reflections.reflection_save`)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reflections")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="reflections")
    block_id = models.CharField(max_length=64, help_text="The reflection prompt block's id.")
    prompt = models.TextField(help_text="The prompt as it read when last answered.")
    text = models.TextField(max_length=REFLECTION_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "lesson", "block_id"], name="reflection_once_per_prompt"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}'s reflection in {self.lesson}"


class ModuleCompletion(models.Model):
    """The fact that a person completed a module, and the attempt that earned it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="module_completions")
    module = models.ForeignKey(ModulePage, on_delete=models.PROTECT, related_name="completions")
    attempt = models.OneToOneField(
        "assessments.Attempt", on_delete=models.PROTECT, null=True, blank=True
    )
    cycle = models.PositiveSmallIntegerField(default=1)
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "module", "cycle"], name="module_completion_once_per_cycle"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} completed {self.module}"


class CurriculumCompletion(models.Model):
    """The fact that a person completed every module of a curriculum."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="curriculum_completions"
    )
    curriculum = models.ForeignKey(
        CurriculumPage, on_delete=models.PROTECT, related_name="completions"
    )
    cycle = models.PositiveSmallIntegerField(default=1)
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "curriculum", "cycle"],
                name="curriculum_completion_once_per_cycle",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} completed {self.curriculum}"


class ScenarioPath(models.Model):
    """One walk of one learner through one branching scenario of a lesson (a block of its body,
    named by the block's id): the choices taken, in order (`ScenarioChoice`), the step the
    learner stands at, and when the walk reached its ending.

    `run` numbers a learner's walks of one scenario (1, then 2 after starting again); the
    database holds one path per learner, scenario and run. Written by the rules in
    courses.scenarios.services, which lock the path while a choice is added."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="scenario_paths")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="scenario_paths")
    block_id = models.CharField(max_length=64)
    run = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    at_step = models.CharField(max_length=50, help_text="Where the next choice is taken.")
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "lesson", "block_id", "run"], name="scenario_path_once_per_run"
            ),
            models.CheckConstraint(condition=Q(run__gte=1), name="scenario_path_run_from_one"),
        ]
        permissions = [
            ("view_scenario_report", "Can see how often each scenario choice was taken"),
        ]

    def __str__(self) -> str:
        return f"{self.person} in scenario {self.block_id} of {self.lesson} (walk {self.run})"


class ScenarioChoice(models.Model):
    """A choice a learner took on a path: the step and the index of its choice, with the
    choice's words as they read then. Written once; a step is answered once per path."""

    path = models.ForeignKey(ScenarioPath, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(help_text="0 for the first decision.")
    step = models.CharField(max_length=50)
    choice = models.PositiveSmallIntegerField(help_text="0 for the step's first choice.")
    text = models.TextField()
    chosen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["path", "position"]
        constraints = [
            models.UniqueConstraint(fields=["path", "position"], name="scenario_choice_in_order"),
            models.UniqueConstraint(fields=["path", "step"], name="scenario_step_answered_once"),
        ]

    def __str__(self) -> str:
        return f"{self.step}: choice {self.choice + 1}"


def new_verification_code() -> str:
    """80 random bits in unambiguous base-32, grouped for reading aloud: XXXX-XXXX-XXXX-XXXX."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_code(code: str) -> str:
    """Accept codes typed in lower case, with spaces, or without the dashes."""
    raw = "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


class CertificateStatus(models.TextChoices):
    VALID = "valid", "Valid"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class CertificateQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CertificateQuerySet":
        """Certificates of people whose records `user` may read (see lms.scoping)."""
        return scope_people(self, user, prefix="person__")


class Certificate(models.Model):
    """Proof of a curriculum completion. Issued once per completion; revoked, never deleted.

    Holder name, curriculum title and credit hours are copied at issue, so the certificate
    keeps saying what it said when later records or pages change.
    """

    completion = models.OneToOneField(
        CurriculumCompletion, on_delete=models.PROTECT, related_name="certificate"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="certificates")
    curriculum = models.ForeignKey(
        CurriculumPage, on_delete=models.PROTECT, related_name="certificates"
    )
    code = models.CharField(max_length=19, unique=True, default=new_verification_code)
    holder_name = models.CharField(max_length=300)
    curriculum_title = models.CharField(max_length=255)
    credit_hours = models.DecimalField(max_digits=5, decimal_places=2)
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""),
                name="certificate_revocation_has_reason",
            ),
        ]
        permissions = [("revoke_certificate", "Can revoke certificates of own agency")]

    def __str__(self) -> str:
        return f"{self.serial} — {self.holder_name}"

    @property
    def serial(self) -> str:
        """A readable record number, derived from the row: CG-2026-000042."""
        return f"CG-{self.issued_at:%Y}-{self.pk:06d}"

    def clean(self) -> None:
        if self.expires_at and self.expires_at <= self.issued_at:
            raise ValidationError({"expires_at": "A certificate must expire after it is issued."})

    def status_at(self, when) -> CertificateStatus:
        if self.revoked_at:
            return CertificateStatus.REVOKED
        if self.expires_at and self.expires_at <= when:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    @property
    def status(self) -> CertificateStatus:
        return self.status_at(timezone.now())


class TrainingRecord(models.Model):
    """Where a person stands in one curriculum: the current certification cycle and its totals.

    Kept by the progress services in the same transaction as the facts it summarises, so
    reports read one row per person instead of counting completions. A cycle ends when its
    certificate expires or is revoked; the next activity begins a new one, and progress,
    attempts and completions count from there (the rule: courses/progress/cycle.py).
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="training_records")
    curriculum = models.ForeignKey(
        CurriculumPage, on_delete=models.CASCADE, related_name="training_records"
    )
    cycle = models.PositiveSmallIntegerField(default=1)
    cycle_started_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True, help_text="First activity.")
    modules_completed = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    certificate = models.OneToOneField(
        Certificate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recertify_by = models.DateField(
        null=True, blank=True, help_text="From the second cycle on: when the last one ran out."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "curriculum"], name="training_record_one_per_curriculum"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.curriculum} (cycle {self.cycle})"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"


class ReminderLog(models.Model):
    """The fact that a due-date reminder was emailed. Written once, with the email it records.

    One row per person, curriculum, kind and due date: each threshold of a due date is
    emailed once however often (or however concurrently) the job runs, and a new due date
    (the next certification cycle, a changed assignment) earns new reminders.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reminders")
    curriculum = models.ForeignKey(
        CurriculumPage, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    due_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "curriculum", "kind", "due_date"],
                name="reminder_once_per_due_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder to {self.person} for {self.curriculum}"


class ReportStanding(models.Model):
    """Where one assigned person stands in one curriculum, as the completion report's counts
    hold them (courses.progress.tally): derived from the facts, never a source of truth.

    Kept by the progress, assignment and people rules in the same transaction as the facts;
    `changes_at` is when the status next changes by time alone (a certificate runs out, a due
    date passes), at which the report brings it up to date before counting. Also the report's
    list, read in name order from an index instead of sorting the agency on every page."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    curriculum = models.ForeignKey(CurriculumPage, on_delete=models.CASCADE, related_name="+")
    agency_id = models.BigIntegerField()
    unit_id = models.BigIntegerField(null=True, blank=True)
    category = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20, blank=True, help_text="Empty: counted nowhere.")
    due_date = models.DateField(null=True, blank=True)
    sort_name = models.CharField(max_length=310, blank=True)
    modules = models.JSONField(default=list, help_text="Modules completed in the current cycle.")
    changes_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "curriculum"], name="report_standing_one")
        ]
        indexes = [
            models.Index(
                fields=["curriculum", "agency_id", "sort_name", "person"], name="standing_name"
            ),
            models.Index(
                fields=["curriculum", "agency_id", "status", "sort_name", "person"],
                name="standing_status_name",
            ),
            models.Index(
                fields=["curriculum", "agency_id", "status", "due_date", "sort_name"],
                name="standing_status_due",
            ),
            models.Index(fields=["curriculum", "changes_at"], name="standing_changes"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.curriculum_id}: {self.status or 'not counted'}"


class ReportCount(models.Model):
    """How many assigned people of an agency's unit and personnel category are in each status
    of a curriculum (`module_id` 0), and how many of them have completed each module in their
    current cycle (`module_id`): the sums of `ReportStanding`, kept with them."""

    agency_id = models.BigIntegerField()
    curriculum_id = models.BigIntegerField()
    unit_id = models.BigIntegerField(help_text="0: no unit.")
    category = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    module_id = models.BigIntegerField(help_text="0: the people themselves.")
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency_id", "curriculum_id", "unit_id", "category", "status", "module_id"],
                name="report_count_one",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.unit_id}/{self.category}/{self.status}/{self.module_id}"


class ScoreCount(models.Model):
    """How many submitted attempts of an agency's unit and personnel category scored each
    score on a quiz: the dashboard's quiz scores (count, average, lowest) without reading the
    attempts. Kept when an attempt is submitted and when a person moves."""

    agency_id = models.BigIntegerField()
    unit_id = models.BigIntegerField(help_text="0: no unit.")
    category = models.CharField(max_length=20)
    quiz_id = models.BigIntegerField()
    score = models.SmallIntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency_id", "quiz_id", "unit_id", "category", "score"],
                name="score_count_one",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.unit_id}/{self.category}/{self.quiz_id}: {self.score}"
