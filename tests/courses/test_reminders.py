"""Due-date reminders: who is emailed, what the email says, and that each goes out only once."""

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from courses.models import ReminderKind, ReminderLog
from courses.reminders import reminder_send, reminders_owed, send_due_reminders
from tests.factories import AssignmentFactory, PersonFactory, UserFactory
from tests.helpers import pass_module
from tests.tasks import run_tasks

TODAY = date(2027, 2, 7)
SITE_URL = "https://training.example.gov"


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("The mail server is down.")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


def due_on(assignment, due_date: date):
    assignment.due_date = due_date
    assignment.save(update_fields=["due_date"])
    return assignment


def run(days: int = 14, **kwargs):
    return send_due_reminders(days=days, today=TODAY, **kwargs)


def test_due_soon_reminder_is_emailed_once_and_a_second_run_sends_nothing(
    learner, assignment, curriculum, mailoutbox
):
    due_on(assignment, date(2027, 2, 21))

    first = run()
    second = run()

    assert (first.due_soon, first.overdue, first.already_sent) == (1, 0, 0)
    assert (second.due_soon, second.overdue, second.already_sent) == (0, 0, 1)
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [learner.user.email]
    assert email.subject == f"Training due by Feb 21, 2027: {curriculum.page.title}"
    assert "Dear Dana Reyes," in email.body
    assert "is due by Feb 21, 2027" in email.body
    assert "completed 0 of 2 modules" in email.body
    assert f"{SITE_URL}/training/" in email.body
    log = ReminderLog.objects.get(person=learner)
    assert (log.curriculum_id, log.kind, log.due_date) == (
        curriculum.page.pk,
        ReminderKind.DUE_SOON,
        date(2027, 2, 21),
    )


def test_reminder_counts_the_modules_completed_in_this_cycle(
    learner, assignment, curriculum, mailoutbox
):
    due_on(assignment, TODAY + timedelta(days=3))
    pass_module(learner, curriculum.modules[0])

    run()

    assert "completed 1 of 2 modules" in mailoutbox[0].body


def test_overdue_reminder_is_emailed_once(learner, assignment, curriculum, mailoutbox):
    due_on(assignment, date(2027, 1, 31))

    first = run()
    second = run()

    assert (first.due_soon, first.overdue) == (0, 1)
    assert (second.overdue, second.already_sent) == (0, 1)
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [learner.user.email]
    assert email.subject == f"Overdue: {curriculum.page.title}"
    assert "was due by Jan 31, 2027 and is now overdue" in email.body
    assert f"{SITE_URL}/training/" in email.body
    assert ReminderLog.objects.get(person=learner).kind == ReminderKind.OVERDUE


def test_due_soon_then_overdue_are_two_reminders_for_the_same_due_date(
    learner, assignment, mailoutbox
):
    due_on(assignment, TODAY + timedelta(days=1))
    send_due_reminders(days=14, today=TODAY)
    send_due_reminders(days=14, today=TODAY + timedelta(days=2))
    send_due_reminders(days=14, today=TODAY + timedelta(days=3))

    assert [e.subject.split(":")[0] for e in mailoutbox] == [
        "Training due by Feb 8, 2027",
        "Overdue",
    ]


def test_a_new_due_date_earns_a_new_reminder(learner, assignment, mailoutbox):
    due_on(assignment, TODAY + timedelta(days=5))
    run()
    due_on(assignment, TODAY + timedelta(days=10))

    summary = run()

    assert summary.due_soon == 1
    assert len(mailoutbox) == 2
    assert "Feb 17, 2027" in mailoutbox[1].subject


def test_completed_learners_get_nothing(certificate, learner, learner_a2, assignment, mailoutbox):
    due_on(assignment, TODAY + timedelta(days=5))

    summary = run()

    assert summary.due_soon == 1
    assert [e.to for e in mailoutbox] == [[learner_a2.user.email]]
    assert not ReminderLog.objects.filter(person=learner).exists()


def test_expired_certificate_is_overdue_from_its_expiry_date(
    certificate, learner, assignment, mailoutbox
):
    due_on(assignment, TODAY + timedelta(days=100))
    certificate.expires_at = timezone.make_aware(datetime(2027, 2, 1, 9))
    certificate.save(update_fields=["expires_at"])

    summary = run()

    assert summary.overdue == 1
    assert "was due by Feb 1, 2027" in mailoutbox[0].body
    assert ReminderLog.objects.get(person=learner).due_date == date(2027, 2, 1)


@pytest.mark.parametrize(
    ("days_ahead", "days", "sent"),
    [(15, 14, 0), (14, 14, 1), (0, 0, 1), (1, 0, 0)],
)
def test_only_due_dates_inside_the_window_are_reminded(
    learner, assignment, mailoutbox, days_ahead, days, sent
):
    due_on(assignment, TODAY + timedelta(days=days_ahead))

    summary = run(days=days)

    assert (summary.due_soon, len(mailoutbox)) == (sent, sent)
    assert ReminderLog.objects.count() == sent


def test_people_without_email_or_with_inactive_users_are_skipped(agency_a, assignment, mailoutbox):
    due_on(assignment, TODAY + timedelta(days=5))
    PersonFactory(agency=agency_a, user=UserFactory(email=""))
    PersonFactory(agency=agency_a, user=UserFactory(is_active=False))

    summary = run()

    assert (summary.due_soon, summary.already_sent, len(mailoutbox)) == (0, 0, 0)


def test_dry_run_sends_and_logs_nothing(learner, assignment, mailoutbox):
    due_on(assignment, TODAY + timedelta(days=5))

    summary = run(dry_run=True)

    assert [r.person.pk for r in summary.reminders] == [learner.pk]
    assert mailoutbox == []
    assert not ReminderLog.objects.exists()


def test_failed_email_leaves_no_log_row_and_the_next_run_retries(
    learner, assignment, settings, mailoutbox
):
    due_on(assignment, TODAY + timedelta(days=5))
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"

    failed = run()

    assert (failed.due_soon, failed.failed) == (0, 1)
    assert not ReminderLog.objects.exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retried = run()

    assert (retried.due_soon, retried.failed) == (1, 0)
    assert len(mailoutbox) == 1
    assert ReminderLog.objects.count() == 1


def test_a_reminder_logged_by_an_overlapping_run_is_not_sent_again(
    learner, assignment, curriculum, mailoutbox
):
    due_on(assignment, TODAY + timedelta(days=5))
    now = timezone.make_aware(datetime(2027, 2, 7, 12))
    (reminder,) = reminders_owed(curriculum.page, days=14, today=TODAY, now=now)
    ReminderLog.objects.create(
        person=learner, curriculum=curriculum.page, kind=reminder.kind, due_date=reminder.due_date
    )

    assert reminder_send(reminder=reminder) is False
    assert mailoutbox == []


def test_queries_do_not_grow_with_the_people_already_reminded(agency_a, assignment):
    due_on(assignment, TODAY + timedelta(days=5))
    PersonFactory(agency=agency_a)
    run()
    with CaptureQueriesContext(connection) as one:
        assert run().already_sent == 1

    PersonFactory.create_batch(3, agency=agency_a)
    run()
    with CaptureQueriesContext(connection) as four:
        assert run().already_sent == 4

    assert len(four) == len(one)


REMINDERS_TASK = "courses.reminders.reminders_task"


def reminder_runs() -> list:
    runs = DBTaskResult.objects.filter(task_path=REMINDERS_TASK, status="SUCCESSFUL")
    return [run.return_value for run in runs.order_by("finished_at")]


def call(*args) -> str:
    out = StringIO()
    call_command("send_due_reminders", *args, stdout=out)
    return out.getvalue()


def test_command_sends_and_reports_what_it_did(
    learner, learner_a2, assignment, curriculum, mailoutbox
):
    today = timezone.localdate()
    due_on(assignment, today + timedelta(days=7))
    AssignmentFactory(
        curriculum=curriculum.page, person=learner_a2, due_date=today - timedelta(days=1)
    )

    assert call().startswith("Queued the reminders for a worker to send (task ")
    assert mailoutbox == []
    run_tasks()
    assert reminder_runs() == [{"due_soon": 1, "overdue": 1, "already_sent": 0}]

    call("--days", "14")
    run_tasks()
    assert reminder_runs()[1] == {"due_soon": 0, "overdue": 0, "already_sent": 2}
    assert sorted(e.to[0] for e in mailoutbox) == sorted(
        [learner.user.email, learner_a2.user.email]
    )


def test_command_dry_run_lists_who_would_be_emailed(learner, assignment, curriculum, mailoutbox):
    due_on(assignment, timezone.localdate() + timedelta(days=3))

    output = call("--dry-run")

    assert f"Would email Dana Reyes <{learner.user.email}>: Training due by" in output
    assert output.endswith(
        "Would send 1 due-soon and 0 overdue reminders; 0 already sent earlier.\n"
    )
    assert mailoutbox == []
    assert not ReminderLog.objects.exists()


def test_a_run_whose_emails_failed_is_retried_with_backoff_and_sends_once(
    learner, assignment, settings, mailoutbox
):
    due_on(assignment, timezone.localdate() + timedelta(days=3))
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    call()
    run_tasks()

    first, retry = DBTaskResult.objects.filter(task_path=REMINDERS_TASK).order_by("enqueued_at")
    assert first.status == "FAILED" and "1 reminders could not be sent" in first.traceback
    assert retry.args_kwargs["kwargs"] == {"days": 14, "retry_attempt": 2}
    assert (retry.run_after - first.finished_at) >= timedelta(minutes=5) - timedelta(seconds=1)
    assert not ReminderLog.objects.exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_tasks(now=retry.run_after)
    assert len(mailoutbox) == 1
    assert ReminderLog.objects.count() == 1


@pytest.mark.parametrize("days", ["-1", "366", "soon"])
def test_command_rejects_days_outside_0_to_365(db, days):
    with pytest.raises(CommandError):
        call(f"--days={days}")


@pytest.mark.parametrize("days", ["0", "365"])
def test_command_accepts_days_at_the_limits(db, days):
    assert call(f"--days={days}").startswith("Queued")
    run_tasks()
    assert reminder_runs() == [{"due_soon": 0, "overdue": 0, "already_sent": 0}]
