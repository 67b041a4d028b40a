"""Quizzes and the attempts learners make at them; perception surveys and their responses.

This app is a quiz and survey engine: it knows users, not modules. `courses` decides when a quiz
may be taken and what passing it means.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.search import index

from lms.sanitize import clean_html, clean_text


class QuestionKind(models.TextChoices):
    SINGLE = "single", "Single choice"
    MULTIPLE = "multiple", "Multiple select"
    TRUE_FALSE = "true_false", "True / false"
    SCENARIO = "scenario", "Scenario (one best answer)"


ONE_CORRECT_KINDS = {QuestionKind.SINGLE, QuestionKind.TRUE_FALSE, QuestionKind.SCENARIO}


class QuestionLevel(models.TextChoices):
    """What a question asks of the learner: to apply the lessons to a situation they did not
    walk through, or to recall what they said."""

    APPLICATION = "application", "Application"
    RECALL = "recall", "Recall"


class ReviewPolicy(models.TextChoices):
    """When a learner sees the correct choices, the explanations and each choice's feedback
    (the rule that applies it: assessments.review)."""

    IMMEDIATELY = "immediately", "Immediately after each attempt"
    AFTER_PASS_OR_LAST = "after_pass_or_last", "After passing or after the last attempt"
    NEVER = "never", "Never"


class Quiz(
    WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, index.Indexed, ClusterableModel
):
    """A pool of questions with the rules for attempting it.

    Trainers save drafts; a coordinator publishes through the review workflow. The database
    row holds the published version, which is what learners are served.
    """

    title = models.CharField(max_length=200)
    pass_mark = models.PositiveSmallIntegerField(
        default=80,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percentage of questions answered correctly needed to pass (0-100).",
    )
    max_attempts = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1)], help_text="Attempts allowed per learner."
    )
    cooldown_minutes = models.PositiveIntegerField(
        default=0, help_text="Minutes a learner waits after a failed attempt before retrying."
    )
    time_limit_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Leave empty for none."
    )
    questions_per_attempt = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Questions drawn from the pool for each attempt. Empty: all of them.",
    )
    shuffle = models.BooleanField(default=True, help_text="Shuffle questions and choices.")
    review_policy = models.CharField(
        max_length=20,
        choices=ReviewPolicy.choices,
        default=ReviewPolicy.AFTER_PASS_OR_LAST,
        help_text="When learners see the correct choices, explanations and feedback. Until "
        "then a result shows the score, which questions were wrong and the lesson teaching each.",
    )

    panels = [
        FieldPanel("title"),
        MultiFieldPanel(
            [
                FieldPanel("pass_mark"),
                FieldPanel("max_attempts"),
                FieldPanel("cooldown_minutes"),
                FieldPanel("time_limit_minutes"),
                FieldPanel("questions_per_attempt"),
                FieldPanel("shuffle"),
                FieldPanel("review_policy"),
            ],
            heading="Rules",
        ),
        InlinePanel("questions", heading="Question pool", label="Question", min_num=1),
    ]
    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    revisions = GenericRelation(
        "wagtailcore.Revision",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="quiz",
        for_concrete_model=False,
    )
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="quiz",
        for_concrete_model=False,
    )

    class Meta:
        verbose_name_plural = "quizzes"
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0, pass_mark__lte=100), name="quiz_pass_mark_0_100"
            ),
            models.CheckConstraint(
                condition=Q(review_policy__in=ReviewPolicy.values), name="quiz_review_policy_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    # No clean() comparing the draw with the pool: in the admin form, model validation runs
    # before the edited pool is applied, so it would count the stored questions, not the
    # posted ones. QuizForm checks the posted pool; the engine serves the whole pool when a
    # draw is larger.


class Question(Orderable, ClusterableModel):
    """One question of a quiz pool. Prompt and explanation are sanitised HTML.

    `lesson` names the lesson that teaches it: a learner who gets it wrong is sent there. The
    quiz editor requires it and refuses a lesson of another module (the check is the
    `assessments_question_lesson_problems` hook, which `courses` registers: this engine knows
    pages only by the key). Rows from before it existed may be empty.
    """

    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(
        max_length=20, choices=QuestionKind.choices, default=QuestionKind.SINGLE
    )
    lesson = models.ForeignKey(
        "courses.LessonPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
        help_text="The lesson that teaches this question (a lesson of the quiz's module).",
    )
    level = models.CharField(
        max_length=20,
        choices=QuestionLevel.choices,
        default=QuestionLevel.RECALL,
        help_text="Application: a situation the lessons did not walk through. Recall: what "
        "they said.",
    )
    prompt = models.TextField(help_text="The question. Simple HTML is allowed.")
    explanation = models.TextField(
        help_text="Shown after review is allowed: why the answer is right."
    )

    panels = [
        FieldPanel("kind"),
        FieldPanel("lesson"),
        FieldPanel("level"),
        FieldPanel("prompt"),
        FieldPanel("explanation"),
        InlinePanel("choices", heading="Choices", label="Choice", min_num=2),
    ]

    def __str__(self) -> str:
        return clean_text(self.prompt)[:80]

    class Meta(Orderable.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=QuestionLevel.values), name="question_level_valid"
            ),
        ]

    def save(self, *args, **kwargs):
        self.prompt = clean_html(self.prompt)
        self.explanation = clean_html(self.explanation)
        super().save(*args, **kwargs)


class Choice(Orderable):
    """One answer option; `is_correct` and `feedback` never leave the server before review is
    allowed (assessments.review)."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)
    feedback = models.TextField(
        blank=True,
        max_length=1000,
        help_text="Plain text: why this choice is right or wrong (shown once review is allowed).",
    )

    panels = [FieldPanel("text"), FieldPanel("is_correct"), FieldPanel("feedback")]

    def __str__(self) -> str:
        return self.text

    def save(self, *args, **kwargs):
        self.text = clean_text(self.text)
        self.feedback = clean_text(self.feedback)
        super().save(*args, **kwargs)


def validate_question_choices(kind: str, correct_flags: list[bool], texts: list[str]) -> None:
    """The authoring rule for a question's choices; raises ValidationError with a clear message."""
    correct = sum(correct_flags)
    if len(correct_flags) < 2:
        raise ValidationError("A question needs at least two choices.")
    if kind in ONE_CORRECT_KINDS and correct != 1:
        label = QuestionKind(kind).label
        raise ValidationError(f"A {label.lower()} question needs exactly one correct choice.")
    if kind == QuestionKind.MULTIPLE and correct < 1:
        raise ValidationError("A multiple-select question needs at least one correct choice.")
    if kind == QuestionKind.TRUE_FALSE and sorted(texts) != ["False", "True"]:
        raise ValidationError('A true / false question has exactly the choices "True" and "False".')


class Attempt(models.Model):
    """One learner's attempt at a quiz: the questions served, the answers and the grade.

    `questions` is a snapshot taken when the attempt starts, so later edits to the pool
    never change what was asked or how it was graded. Written once on submission.
    """

    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quiz_attempts"
    )
    number = models.PositiveSmallIntegerField(help_text="1 for the learner's first attempt.")
    questions = models.JSONField(help_text="Snapshot of the questions served, in order.")
    pass_mark = models.PositiveSmallIntegerField()
    quiz_revision = models.ForeignKey(
        "wagtailcore.Revision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The published revision of the quiz this attempt was served from.",
    )
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(null=True, blank=True)
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "user", "number"], name="attempt_unique_number_per_learner"
            ),
            models.UniqueConstraint(
                fields=["quiz", "user"],
                condition=Q(submitted_at__isnull=True),
                name="attempt_one_open_per_learner",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="attempt_score_0_100",
            ),
        ]
        indexes = [models.Index(fields=["user", "quiz", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.quiz} #{self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def total(self) -> int:
        return len(self.questions)


class AttemptItem(models.Model):
    """One question served in one submitted attempt, and whether it was answered correctly:
    the attempt's snapshot and answers as rows, so item analysis is aggregate SQL
    (assessments.item_analysis). Written with the grade (`services.record_items`), never
    edited. `question_id` is not a foreign key: a question removed from the pool keeps its
    history."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    question_id = models.PositiveIntegerField()
    correct = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question_id"], name="attempt_item_once_per_question"
            ),
        ]
        indexes = [models.Index(fields=["question_id"])]

    def __str__(self) -> str:
        return f"{self.attempt}: question {self.question_id}"


class AttemptPick(models.Model):
    """One choice a learner picked in one submitted attempt (as AttemptItem, for the pick
    rates of item analysis)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="picks")
    question_id = models.PositiveIntegerField()
    choice_id = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "choice_id"], name="attempt_pick_once_per_choice"
            ),
        ]
        indexes = [models.Index(fields=["choice_id"])]

    def __str__(self) -> str:
        return f"{self.attempt}: choice {self.choice_id}"


class LikertValue(models.IntegerChoices):
    """The five-point agreement scale every survey item is answered on."""

    STRONGLY_DISAGREE = 1, "Strongly disagree"
    DISAGREE = 2, "Disagree"
    NEUTRAL = 3, "Neither agree nor disagree"
    AGREE = 4, "Agree"
    STRONGLY_AGREE = 5, "Strongly agree"


class SurveyPhase(models.TextChoices):
    PRE = "pre", "Before the training"
    POST = "post", "After the training"


MIN_SURVEY_ITEMS = 3


class Survey(
    WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, index.Indexed, ClusterableModel
):
    """A perception survey: Likert statements answered before and after a training.

    Authored and published like a quiz (drafts, revisions, review workflow). The same
    survey serves both phases, so the two sets of answers can be compared item by item.
    """

    title = models.CharField(max_length=200)
    intro = models.TextField(
        blank=True, help_text="Plain text shown above the statements: why we ask, how long."
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("intro"),
        InlinePanel("items", heading="Statements", label="Statement", min_num=MIN_SURVEY_ITEMS),
    ]
    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    revisions = GenericRelation(
        "wagtailcore.Revision",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="survey",
        for_concrete_model=False,
    )
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="survey",
        for_concrete_model=False,
    )

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.intro = clean_text(self.intro)
        super().save(*args, **kwargs)


class SurveyItem(Orderable):
    """One statement a respondent agrees or disagrees with, optionally with a comment."""

    survey = ParentalKey(Survey, on_delete=models.CASCADE, related_name="items")
    statement = models.CharField(max_length=300, help_text="Plain text, one idea per statement.")
    allow_comment = models.BooleanField(
        default=False, help_text="Offer an optional free-text comment under this statement."
    )
    reversed = models.BooleanField(
        default=False,
        help_text="Reverse-worded: agreeing is the less favourable view, so reports score it "
        "6 minus the answer.",
    )
    statement_es = models.CharField(
        "statement in Spanish",
        max_length=300,
        blank=True,
        help_text="The same statement in Spanish, for respondents who choose Spanish (community "
        "surveys). Empty: they see the English statement.",
    )

    panels = [
        FieldPanel("statement"),
        FieldPanel("statement_es"),
        FieldPanel("allow_comment"),
        FieldPanel("reversed"),
    ]

    def __str__(self) -> str:
        return self.statement

    def save(self, *args, **kwargs):
        self.statement = clean_text(self.statement)
        self.statement_es = clean_text(self.statement_es)
        super().save(*args, **kwargs)

    def text_in(self, language: str) -> str:
        """The statement in `language` ("es" or anything else: English), falling back to the
        English statement when there is no translation."""
        return self.statement_es if language == "es" and self.statement_es else self.statement


class SurveyResponse(models.Model):
    """One person's answers to a survey in one phase. Written once; never edited.

    Reports read these only in aggregate: no page shows who answered what.
    """

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="survey_responses"
    )
    phase = models.CharField(max_length=4, choices=SurveyPhase.choices)
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user", "phase"], name="survey_response_once_per_phase"
            ),
            models.CheckConstraint(
                condition=Q(phase__in=["pre", "post"]), name="survey_response_phase_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} ({self.get_phase_display().lower()})"


class SurveyAnswer(models.Model):
    """The value (1-5) given to one statement in one response, and an optional comment."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(SurveyItem, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(choices=LikertValue.choices)
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "item"], name="survey_answer_once_per_item"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=5), name="survey_answer_value_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.value}"
