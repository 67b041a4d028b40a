"""Email learners whose training is due soon or overdue; run it daily (see README)."""

from django.core.management.base import BaseCommand, CommandError

from courses.reminders import send_due_reminders

MAX_DAYS = 365


class Command(BaseCommand):
    help = (
        "Email learners whose training is overdue or due within --days. Each reminder goes "
        "out once per due date, however often this runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=14, help="Remind this many days ahead (0-365; 14)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would be emailed; send nothing."
        )

    def handle(self, *args, days: int, dry_run: bool, **options):
        if not 0 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be between 0 and {MAX_DAYS}, not {days}.")
        summary = send_due_reminders(days=days, dry_run=dry_run)
        if dry_run:
            for reminder in summary.reminders:
                person = reminder.person
                self.stdout.write(
                    f"Would email {person.display_name} <{person.user.email}>: {reminder.subject}"
                )
        verb = "Would send" if dry_run else "Sent"
        self.stdout.write(
            f"{verb} {summary.due_soon} due-soon and {summary.overdue} overdue reminders; "
            f"{summary.already_sent} already sent earlier."
        )
        if summary.failed:
            raise CommandError(
                f"{summary.failed} reminders could not be sent; the next run retries them."
            )
