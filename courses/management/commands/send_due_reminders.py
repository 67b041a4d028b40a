"""Queue the due-date reminders; run it daily (docs/tasks.md). A worker sends them."""

from django.core.management.base import BaseCommand, CommandError

from courses.reminders import reminders_task, send_due_reminders

MAX_DAYS = 365


class Command(BaseCommand):
    help = (
        "Queue the emails to learners whose training is overdue or due within --days; a "
        "worker (manage.py run_worker) sends them. Each reminder goes out once per due date, "
        "however often this runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=14, help="Remind this many days ahead (0-365; 14)."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List who would be emailed, now; queue and send nothing.",
        )

    def handle(self, *args, days: int, dry_run: bool, **options):
        if not 0 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be between 0 and {MAX_DAYS}, not {days}.")
        if not dry_run:
            result = reminders_task.enqueue(days=days)
            self.stdout.write(f"Queued the reminders for a worker to send (task {result.id}).")
            return
        summary = send_due_reminders(days=days, dry_run=True)
        for reminder in summary.reminders:
            person = reminder.person
            self.stdout.write(
                f"Would email {person.display_name} <{person.user.email}>: {reminder.subject}"
            )
        self.stdout.write(
            f"Would send {summary.due_soon} due-soon and {summary.overdue} overdue reminders; "
            f"{summary.already_sent} already sent earlier."
        )
