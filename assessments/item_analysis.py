"""Item analysis: how each question of a quiz performs, per quiz revision.

Per question and revision: times served, facility (share answered correctly), discrimination
(the point-biserial correlation of answering it correctly with the rest of the attempt's
score, i.e. corrected for the item itself) and how often each choice was picked; flags for a
question too easy (facility > 0.9), too hard (< 0.3), one that does not discriminate
(discrimination < 0.1, negative included) and a distractor almost nobody picks (< 5% of the
times served). Flags need MIN_SERVED_FOR_FLAGS answers: fewer say little.

Computed with aggregate SQL over `AttemptItem` / `AttemptPick` (one row per question served
and per choice picked, written with each grade): five queries whatever the number of
attempts (tests/assessments/test_item_analysis.py; bench/item_analysis.py times 50,000).

The point-biserial from sums alone: with n answers, n1 of them correct, c the item (0/1), t the
attempt's correct count and r = t - c the rest score,
    Σr = Σt - n1,  Σr² = Σt² - 2·Σ(t·c) + n1,  Σ(r | c=1) = Σ(t·c) - n1,
    r_pb = (M1 - M0) / sd · √(p·(1 - p)),  p = n1 / n,
M1 and M0 the mean rest score of those who answered correctly and wrongly, sd the standard
deviation of r over all n.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.utils import timezone
from django.utils.html import strip_tags
from wagtail.models import Revision

from assessments.models import AttemptItem, AttemptPick, Question

TOO_EASY = 0.9
TOO_HARD = 0.3
WEAK_DISCRIMINATION = 0.1
RARE_DISTRACTOR = 0.05
MIN_SERVED_FOR_FLAGS = 10

FLAG_LABELS = {
    "too_easy": f"Too easy (facility > {TOO_EASY})",
    "too_hard": f"Too hard (facility < {TOO_HARD})",
    "weak_discrimination": f"Discrimination negative or near zero (< {WEAK_DISCRIMINATION})",
    "rare_distractor": f"A distractor picked by fewer than {RARE_DISTRACTOR:.0%}",
}


@dataclass
class ChoiceStat:
    choice_id: int
    text: str
    correct: bool | None  # None: a choice no longer in the question
    picks: int
    rate: float  # of the times the question was served

    @property
    def rare_distractor(self) -> bool:
        return self.correct is False and self.rate < RARE_DISTRACTOR


@dataclass
class ItemStat:
    quiz_id: int
    quiz_title: str
    revision_id: int | None
    revision_at: datetime | None
    question_id: int
    prompt: str  # plain text
    level: str | None
    served: int
    correct: int
    facility: float
    discrimination: float | None  # None when everyone (or no one) got it right
    choices: list[ChoiceStat] = field(default_factory=list)

    @property
    def flags(self) -> list[str]:
        if self.served < MIN_SERVED_FOR_FLAGS:
            return []
        flags = []
        if self.facility > TOO_EASY:
            flags.append("too_easy")
        if self.facility < TOO_HARD:
            flags.append("too_hard")
        if self.discrimination is not None and self.discrimination < WEAK_DISCRIMINATION:
            flags.append("weak_discrimination")
        if any(c.rare_distractor for c in self.choices):
            flags.append("rare_distractor")
        return flags

    @property
    def flag_labels(self) -> list[str]:
        return [FLAG_LABELS[f] for f in self.flags]


def point_biserial(*, n: int, n1: int, sum_t: int, sum_t2: int, sum_tc: int) -> float | None:
    """The corrected item-total correlation from the sums (module docstring); None when it is
    undefined (all right, all wrong, or no spread in the rest scores)."""
    if n == 0 or n1 in (0, n):
        return None
    sum_r = sum_t - n1
    sum_r2 = sum_t2 - 2 * sum_tc + n1
    variance = sum_r2 / n - (sum_r / n) ** 2
    if variance <= 1e-12:
        return None
    mean_right = (sum_tc - n1) / n1
    mean_wrong = (sum_r - (sum_tc - n1)) / (n - n1)
    p = n1 / n
    return (mean_right - mean_wrong) / math.sqrt(variance) * math.sqrt(p * (1 - p))


def _attempt_filter(
    prefix: str, *, agency_ids, since: date | None, until: date | None, quiz_ids
) -> Q:
    condition = Q(**{f"{prefix}submitted_at__isnull": False})
    if agency_ids is not None:
        condition &= Q(**{f"{prefix}user__person__agency_id__in": list(agency_ids)})
    if since:
        start = timezone.make_aware(datetime.combine(since, time.min))
        condition &= Q(**{f"{prefix}submitted_at__gte": start})
    if until:
        end = timezone.make_aware(datetime.combine(until, time.max))
        condition &= Q(**{f"{prefix}submitted_at__lte": end})
    if quiz_ids is not None:
        condition &= Q(**{f"{prefix}quiz_id__in": list(quiz_ids)})
    return condition


def item_analysis(
    *,
    agency_ids: list[int] | None,
    since: date | None = None,
    until: date | None = None,
    quiz_ids: list[int] | None = None,
) -> list[ItemStat]:
    """Every question served in the submitted attempts that match, per quiz revision, ordered
    by quiz, revision and question. `agency_ids` None: every agency (a site-wide author)."""
    where = _attempt_filter(
        "attempt__", agency_ids=agency_ids, since=since, until=until, quiz_ids=quiz_ids
    )
    right = Case(When(correct=True, then=Value(1)), default=Value(0), output_field=IntegerField())
    total = F("attempt__correct_count")
    rows = list(
        AttemptItem.objects.filter(where)
        .values("attempt__quiz_id", "attempt__quiz_revision_id", "question_id")
        .annotate(
            n=Count("pk"),
            n1=Sum(right),
            sum_t=Sum(total),
            sum_t2=Sum(total * total),
            sum_tc=Sum(
                Case(When(correct=True, then=total), default=Value(0), output_field=IntegerField())
            ),
        )
        .order_by("attempt__quiz_id", "attempt__quiz_revision_id", "question_id")
    )
    picks: dict[tuple, dict[int, int]] = {}
    for revision_id, question_id, choice_id, n in (
        AttemptPick.objects.filter(where)
        .values("attempt__quiz_revision_id", "question_id", "choice_id")
        .annotate(n=Count("pk"))
        .values_list("attempt__quiz_revision_id", "question_id", "choice_id", "n")
    ):
        picks.setdefault((revision_id, question_id), {})[choice_id] = n
    questions = {
        q.pk: q
        for q in Question.objects.filter(pk__in={r["question_id"] for r in rows})
        .select_related("quiz")
        .prefetch_related("choices")
    }
    revisions = dict(
        Revision.objects.filter(
            pk__in={r["attempt__quiz_revision_id"] for r in rows} - {None}
        ).values_list("pk", "created_at")
    )
    stats = []
    for row in rows:
        question = questions.get(row["question_id"])
        revision_id = row["attempt__quiz_revision_id"]
        picked = picks.get((revision_id, row["question_id"]), {})
        n = row["n"]
        current = (
            sorted(question.choices.all(), key=lambda c: (c.sort_order or 0, c.pk))
            if question
            else []
        )
        choices = [
            ChoiceStat(c.pk, c.text, c.is_correct, picked.get(c.pk, 0), picked.get(c.pk, 0) / n)
            for c in current
        ]
        known = {c.pk for c in current}
        choices += [
            ChoiceStat(choice_id, "(a choice since removed)", None, count, count / n)
            for choice_id, count in sorted(picked.items())
            if choice_id not in known
        ]
        stats.append(
            ItemStat(
                quiz_id=row["attempt__quiz_id"],
                quiz_title=question.quiz.title if question else f"Quiz {row['attempt__quiz_id']}",
                revision_id=revision_id,
                revision_at=revisions.get(revision_id),
                question_id=row["question_id"],
                prompt=strip_tags(question.prompt).strip() if question else "(question removed)",
                level=question.level if question else None,
                served=n,
                correct=row["n1"],
                facility=row["n1"] / n,
                discrimination=point_biserial(
                    n=n,
                    n1=row["n1"],
                    sum_t=row["sum_t"],
                    sum_t2=row["sum_t2"],
                    sum_tc=row["sum_tc"],
                ),
                choices=choices,
            )
        )
    return stats
