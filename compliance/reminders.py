"""Compliance reminders: email officers not yet compliant 90, 60, 30 and 7 days before their
deadline, once per officer, cycle and threshold.

The machinery is the curriculum reminders' (courses/reminders.py): a log row written in the
same transaction as the email it records, whose unique constraint (officer, rule set, cycle,
threshold) keeps a reminder from going out twice even when two runs overlap; a failed send
rolls its row back and the next run tries again. A run that missed a threshold (the job did not
run for a week) sends only the nearest one reached, not every one passed.
"""

import logging
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from compliance.cycles import REMINDER_DAYS, Status
from compliance.models import AgencyRuleSet, ComplianceReminderLog, RuleSet
from compliance.selectors import ReportRow, compliance_report
from lms.models import Person

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ComplianceReminder:
    person: Person
    rule_set: RuleSet
    row: ReportRow
    days: int  # the threshold reached

    @property
    def key(self) -> tuple[int, date, int]:
        return (self.person.pk, self.row.cycle_end, self.days)

    @property
    def subject(self) -> str:
        return f"Training hours due by {format_date(self.row.deadline, 'M j, Y')}"

    @property
    def body(self) -> str:
        row = self.row
        missing = "\n".join(f"  - {item}" for item in row.missing) or "  - (see the page)"
        return (
            f"Dear {self.person.display_name},\n\n"
            f"Your {self.rule_set.name} requirement is due by "
            f"{format_date(row.deadline, 'M j, Y')}, in {self.days} days or less. You have "
            f"{row.earned_hours.normalize():f} of {row.required_hours.normalize():f} hours "
            f"approved ({row.pending_hours.normalize():f} pending). Still missing:\n{missing}\n\n"
            f"See My compliance, and submit training you completed elsewhere:\n"
            f"{settings.SITE_URL}{reverse('my-compliance')}\n\n"
            f"{settings.WAGTAIL_SITE_NAME}\n"
        )


@dataclass
class ComplianceReminderSummary:
    reminders: list[ComplianceReminder] = field(default_factory=list)
    already_sent: int = 0
    failed: int = 0


def threshold(days_left: int) -> int | None:
    """The nearest reminder threshold reached with `days_left` to go, or None."""
    if days_left < 0:
        return None
    reached = [t for t in REMINDER_DAYS if days_left <= t]
    return min(reached) if reached else None


def reminders_owed(*, today: date) -> list[ComplianceReminder]:
    """Per agency with a rule set: its report (a fixed number of queries), then the people owed
    a reminder with their accounts (one query)."""
    owed = []
    for choice in AgencyRuleSet.objects.select_related("rule_set"):
        report = compliance_report(
            people=Person.objects.all(), agency_id=choice.agency_id, as_of=today
        )
        due = {}
        for row in report.rows:
            if row.status == Status.COMPLIANT:
                continue
            days = threshold((row.deadline - today).days)
            if days is not None:
                due[row.person_id] = (row, days)
        people = (
            Person.objects.filter(pk__in=due, user__is_active=True)
            .exclude(user__email="")
            .select_related("user")
        )
        for person in people:
            row, days = due[person.pk]
            owed.append(ComplianceReminder(person, choice.rule_set, row, days))
    return owed


def send_compliance_reminders(
    *, today: date | None = None, dry_run: bool = False
) -> ComplianceReminderSummary:
    today = today or timezone.localdate()
    summary = ComplianceReminderSummary()
    owed = reminders_owed(today=today)
    sent_before = set(
        ComplianceReminderLog.objects.filter(person_id__in=[r.person.pk for r in owed]).values_list(
            "person_id", "cycle_end", "days"
        )
    )
    for reminder in owed:
        if reminder.key in sent_before:
            summary.already_sent += 1
        elif dry_run:
            summary.reminders.append(reminder)
        else:
            try:
                sent = reminder_send(reminder=reminder)
            except Exception:
                logger.exception("Compliance reminder to person %s not sent", reminder.person.pk)
                summary.failed += 1
                continue
            if sent:
                summary.reminders.append(reminder)
            else:
                summary.already_sent += 1
    return summary


def reminder_send(*, reminder: ComplianceReminder) -> bool:
    """Log the reminder and email it in one transaction; False if it was logged already."""
    try:
        with transaction.atomic():
            ComplianceReminderLog.objects.create(
                person=reminder.person,
                rule_set=reminder.rule_set,
                cycle_end=reminder.row.cycle_end,
                days=reminder.days,
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
