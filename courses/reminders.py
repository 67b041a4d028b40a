"""Due-date reminders: email learners whose training is due soon or overdue, once per due date.

A `ReminderLog` row is written in the same transaction as the email it records, and its
unique constraint (person, curriculum, kind, due date) is what keeps a reminder from going
out twice, even when two runs overlap. If sending fails, the row is rolled back with it and
the next run tries again.

`manage.py send_due_reminders` (daily, from cron or a timer: docs/tasks.md) queues
`reminders_task`, which a worker runs; a run in which some emails failed is retried with
backoff (background.retry), and the log keeps the retries from emailing anyone twice.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from background.retry import retrying_task
from courses.models import Assignment, CurriculumPage, ReminderKind, ReminderLog
from courses.progress.cycle import Status, completion_rows
from courses.progress.selectors import modules_total
from lms.models import Person

logger = logging.getLogger(__name__)


class RemindersNotSent(Exception):
    """Some reminders of a run could not be sent; the task is retried for them."""


@dataclass(frozen=True)
class Reminder:
    """One reminder owed: who, for which curriculum, which threshold of which due date."""

    person: Person
    curriculum: CurriculumPage
    kind: str
    due_date: date
    modules_completed: int
    modules_total: int

    @property
    def key(self) -> tuple[int, str, date]:
        return (self.person.pk, self.kind, self.due_date)

    @property
    def subject(self) -> str:
        if self.kind == ReminderKind.OVERDUE:
            return f"Overdue: {self.curriculum.title}"
        return f"Training due by {format_date(self.due_date, 'M j, Y')}: {self.curriculum.title}"

    @property
    def body(self) -> str:
        due = format_date(self.due_date, "M j, Y")
        if self.kind == ReminderKind.OVERDUE:
            when = f"was due by {due} and is now overdue"
        else:
            when = f"is due by {due}"
        return (
            f"Dear {self.person.display_name},\n\n"
            f'Your training "{self.curriculum.title}" {when}. You have completed '
            f"{self.modules_completed} of {self.modules_total} modules.\n\n"
            f"Continue where you left off on My training:\n"
            f"{settings.SITE_URL}{reverse('my-training')}\n\n"
            f"{settings.WAGTAIL_SITE_NAME}\n"
        )


@dataclass
class ReminderSummary:
    """What a run did: the reminders sent (in a dry run, those it would send) and the rest."""

    reminders: list[Reminder] = field(default_factory=list)
    already_sent: int = 0
    failed: int = 0

    @property
    def due_soon(self) -> int:
        return sum(r.kind == ReminderKind.DUE_SOON for r in self.reminders)

    @property
    def overdue(self) -> int:
        return sum(r.kind == ReminderKind.OVERDUE for r in self.reminders)


def send_due_reminders(
    *, days: int, today: date | None = None, dry_run: bool = False
) -> ReminderSummary:
    """Email every learner whose live curriculum is overdue or due within `days` of `today`.

    Completed learners, people without an email address and inactive users get nothing.
    One query for the assigned curricula, then three per curriculum (modules, rows, earlier
    reminders), plus the inserts of the reminders sent. A dry run sends and logs nothing.
    """
    now = timezone.now()
    if today is not None:  # a run as of another day judges certificates at that day's noon
        now = timezone.make_aware(datetime.combine(today, time(12)))
    today = timezone.localdate(now)
    summary = ReminderSummary()
    curricula = (
        CurriculumPage.objects.live()
        .filter(pk__in=Assignment.objects.values("curriculum_id"))
        .order_by("path")
    )
    for curriculum in curricula:
        sent_before = set(
            ReminderLog.objects.filter(curriculum=curriculum).values_list(
                "person_id", "kind", "due_date"
            )
        )
        for reminder in reminders_owed(curriculum, days=days, today=today, now=now):
            if reminder.key in sent_before:
                summary.already_sent += 1
            elif dry_run:
                summary.reminders.append(reminder)
            else:
                try:
                    sent = reminder_send(reminder=reminder)
                except Exception:
                    logger.exception(
                        "Reminder to person %s for %s not sent", reminder.person.pk, curriculum
                    )
                    summary.failed += 1
                    continue
                if sent:
                    summary.reminders.append(reminder)
                else:
                    summary.already_sent += 1
    return summary


def reminders_owed(
    curriculum: CurriculumPage, *, days: int, today: date, now: datetime
) -> list[Reminder]:
    """Overdue learners, and those not yet done whose due date is within `days` of `today`."""
    total = modules_total(curriculum)
    rows = (
        completion_rows(people=Person.objects.all(), curriculum=curriculum, now=now)
        .filter(user__is_active=True)
        .exclude(user__email="")
        .filter(
            Q(status=Status.OVERDUE)
            | Q(
                status__in=[Status.IN_PROGRESS, Status.NOT_STARTED],
                due_date__range=(today, today + timedelta(days=days)),
            )
        )
    )
    return [
        Reminder(
            person=row,
            curriculum=curriculum,
            kind=ReminderKind.OVERDUE if row.status == Status.OVERDUE else ReminderKind.DUE_SOON,
            due_date=row.due_date,
            modules_completed=row.modules_completed,
            modules_total=total,
        )
        for row in rows
    ]


def reminder_send(*, reminder: Reminder) -> bool:
    """Log the reminder and email it, in one transaction; False if it was logged already.

    The insert comes first, so a concurrent run trying the same reminder waits on (or fails
    on) the unique constraint instead of sending a second email. An error while sending
    rolls the log row back and propagates.
    """
    try:
        with transaction.atomic():
            ReminderLog.objects.create(
                person=reminder.person,
                curriculum=reminder.curriculum,
                kind=reminder.kind,
                due_date=reminder.due_date,
            )
            send_mail(
                reminder.subject,
                reminder.body,
                settings.DEFAULT_FROM_EMAIL,
                [reminder.person.user.email],
            )
    except IntegrityError:
        return False
    return True


@retrying_task(attempts=6, backoff=timedelta(minutes=5))
def reminders_task(*, days: int) -> dict:
    """The daily run as a task: what it sent; raises (and is retried) if any email failed."""
    summary = send_due_reminders(days=days)
    if summary.failed:
        raise RemindersNotSent(f"{summary.failed} reminders could not be sent")
    return {
        "due_soon": summary.due_soon,
        "overdue": summary.overdue,
        "already_sent": summary.already_sent,
    }
