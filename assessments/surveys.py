"""Perception surveys: answering one (a rule) and the before/after shift (a read).

The survey engine knows users, not modules: `courses` decides when a survey is offered.
Responses are written once per survey, person and phase. Reads are aggregate only: the
shift report never says who answered what, and it says nothing at all about a group
smaller than the minimum group size.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from assessments.form_answers import int_or_text
from assessments.models import (
    LikertValue,
    Survey,
    SurveyAnswer,
    SurveyItem,
    SurveyPhase,
    SurveyResponse,
)
from lms.errors import DomainError, ErrorCode
from lms.sanitize import clean_text

COMMENT_MAX_LENGTH = 1000
SCALE = tuple(LikertValue.values)  # (1, 2, 3, 4, 5)


def _value(raw) -> int | None:
    """An answer as an int on the scale, or None. Booleans and non-integral values are not."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        raw = int_or_text(raw)
    return raw if isinstance(raw, int) and raw in SCALE else None


@transaction.atomic
def survey_submit(
    *,
    survey: Survey,
    user,
    phase: str,
    answers: dict[str, int],
    comments: dict[str, str] | None = None,
) -> SurveyResponse:
    """Record one person's answers to a survey in one phase, once.

    Every statement needs a value from 1 to 5 (INVALID names the first one missing);
    comments are accepted only on statements that allow them, up to 1000 characters,
    stored as plain text. A second submission for the same phase is a CONFLICT and
    leaves the first untouched. The user's row is locked so concurrent submissions are
    serialised; the database's unique constraint is the final word.
    """
    comments = comments or {}
    if phase not in SurveyPhase.values:
        raise DomainError(ErrorCode.INVALID, "Unknown survey phase.", field="phase")
    if not survey.live:
        raise DomainError(ErrorCode.CONFLICT, "This survey is not open.")
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if SurveyResponse.objects.filter(survey=survey, user=user, phase=phase).exists():
        raise DomainError(ErrorCode.CONFLICT, "You have already answered this survey.")

    items = list(survey.items.order_by("sort_order", "pk"))
    by_key = {str(item.pk): item for item in items}
    if unknown := (set(answers) | set(comments)) - set(by_key):
        raise DomainError(
            ErrorCode.INVALID,
            f"Not a statement of this survey: {', '.join(sorted(unknown))}.",
            field="answers",
        )
    values: dict[int, int] = {}
    for number, item in enumerate(items, start=1):
        value = _value(answers.get(str(item.pk)))
        if value is None:
            raise DomainError(
                ErrorCode.INVALID,
                f"Statement {number} (“{item.statement}”) needs an answer from 1 to 5.",
                field=str(item.pk),
            )
        values[item.pk] = value
    cleaned: dict[int, str] = {}
    for key, raw in comments.items():
        item = by_key[key]
        text = clean_text(raw if isinstance(raw, str) else "").strip()
        if not text:
            continue
        if not item.allow_comment:
            raise DomainError(
                ErrorCode.INVALID,
                f"“{item.statement}” does not take a comment.",
                field=key,
            )
        if len(text) > COMMENT_MAX_LENGTH:
            raise DomainError(
                ErrorCode.INVALID,
                f"The comment on “{item.statement}” is longer than "
                f"{COMMENT_MAX_LENGTH} characters.",
                field=key,
            )
        cleaned[item.pk] = text

    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                survey=survey, user=user, phase=phase, submitted_at=timezone.now()
            )
    except IntegrityError:
        raise DomainError(ErrorCode.CONFLICT, "You have already answered this survey.") from None
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(
            response=response, item_id=item_id, value=value, comment=cleaned.get(item_id, "")
        )
        for item_id, value in values.items()
    )
    return response


# --- The shift report -------------------------------------------------------------------------


def scored(value: float, *, reversed: bool) -> float:
    """An answer (or a mean of answers) as the reports score it: a reverse-worded statement
    (agreeing is the less favourable view) counts 6 minus the answer, so that a higher score
    is the more favourable view on every statement."""
    return (SCALE[0] + SCALE[-1]) - value if reversed else value


@dataclass(frozen=True)
class Distribution:
    """How many answered each point of the scale, 1 to 5, as answered; `mean` is scored
    (reversed for a reverse-worded statement: `scored`)."""

    counts: tuple[int, int, int, int, int]
    reversed: bool = False

    @property
    def n(self) -> int:
        return sum(self.counts)

    @property
    def mean(self) -> float | None:
        if not self.n:
            return None
        raw = sum(v * c for v, c in zip(SCALE, self.counts, strict=True)) / self.n
        return scored(raw, reversed=self.reversed)

    @property
    def labelled(self) -> list[tuple[int, str, int]]:
        """(value, label, count) for templates."""
        return [
            (v, label, c) for (v, label), c in zip(LikertValue.choices, self.counts, strict=True)
        ]


@dataclass(frozen=True)
class ItemShift:
    """One statement, before and after. Both `pre` and `post` are None when either has fewer
    answers than the minimum group (a statement added after some people had answered)."""

    number: int
    item_id: int
    statement: str
    pre: Distribution | None
    post: Distribution | None
    reversed: bool = False  # reverse-worded: means and shift are scored 6 minus the answer

    @property
    def suppressed(self) -> bool:
        return self.pre is None or self.post is None

    @property
    def shift(self) -> float | None:
        if self.suppressed or self.pre.mean is None or self.post.mean is None:
            return None
        return self.post.mean - self.pre.mean


@dataclass(frozen=True)
class SurveyReport:
    """The before/after picture of a group, or, below the minimum group size, nothing but that.

    When suppressed, `items` is empty and the respondent counts of a group below the
    minimum are None: the report says only which group is too small.
    """

    survey: Survey
    min_group: int
    pre_respondents: int | None
    post_respondents: int | None
    pre_below: bool
    post_below: bool
    items: list[ItemShift]

    @property
    def suppressed(self) -> bool:
        return self.pre_below or self.post_below

    @property
    def has_reversed(self) -> bool:
        return any(item.reversed for item in self.items)

    @property
    def message(self) -> str:
        if not self.suppressed:
            return ""
        groups = [
            name
            for name, below in (("before", self.pre_below), ("after", self.post_below))
            if below
        ]
        which = " and ".join(groups)
        return (
            f"Results are hidden: fewer than {self.min_group} people have answered the "
            f"{which}-training survey. Figures appear once each group has at least "
            f"{self.min_group} respondents, so no one's answers can be singled out."
        )


def survey_shift(*, survey: Survey, users: QuerySet, min_group: int) -> SurveyReport:
    """Per statement: the distributions, means and mean shift of `users`' answers; a
    reverse-worded statement's means and shift are scored 6 minus the answer (`scored`), its
    distribution stays as answered.

    `users` is an already scoped queryset (users, or their ids); nobody outside it is
    counted. Three queries whatever the size of the group: the statements, respondents per
    phase, and answer counts grouped by statement, phase and value (skipped when the report
    is suppressed). A statement added after some answers were given is suppressed on its
    own when it has fewer than `min_group` answers in either phase.
    """
    items = list(SurveyItem.objects.filter(survey=survey).order_by("sort_order", "pk"))
    responses = SurveyResponse.objects.filter(survey=survey, user__in=users)
    respondents = dict(
        responses.order_by().values("phase").annotate(n=Count("pk")).values_list("phase", "n")
    )
    pre_n = respondents.get(SurveyPhase.PRE.value, 0)
    post_n = respondents.get(SurveyPhase.POST.value, 0)
    pre_below, post_below = pre_n < min_group, post_n < min_group
    if pre_below or post_below:
        return SurveyReport(
            survey=survey,
            min_group=min_group,
            pre_respondents=None if pre_below else pre_n,
            post_respondents=None if post_below else post_n,
            pre_below=pre_below,
            post_below=post_below,
            items=[],
        )

    counts: dict[tuple[int, str], list[int]] = {}
    for item_id, phase, value, n in (
        SurveyAnswer.objects.filter(response__in=responses)
        .order_by()
        .values("item_id", "response__phase", "value")
        .annotate(n=Count("pk"))
        .values_list("item_id", "response__phase", "value", "n")
    ):
        counts.setdefault((item_id, phase), [0] * len(SCALE))[value - 1] += n

    def pair(item: SurveyItem) -> tuple[Distribution | None, Distribution | None]:
        pre, post = (
            Distribution(
                tuple(counts.get((item.pk, phase), [0] * len(SCALE))), reversed=item.reversed
            )
            for phase in (SurveyPhase.PRE, SurveyPhase.POST)
        )
        return (pre, post) if min(pre.n, post.n) >= min_group else (None, None)

    pairs = {item.pk: pair(item) for item in items}
    return SurveyReport(
        survey=survey,
        min_group=min_group,
        pre_respondents=pre_n,
        post_respondents=post_n,
        pre_below=False,
        post_below=False,
        items=[
            ItemShift(
                number=number,
                item_id=item.pk,
                statement=item.statement,
                pre=pairs[item.pk][0],
                post=pairs[item.pk][1],
                reversed=item.reversed,
            )
            for number, item in enumerate(items, start=1)
        ],
    )
