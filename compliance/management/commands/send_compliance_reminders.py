"""Email officers not yet compliant 90, 60, 30 and 7 days before their deadline; run daily."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from compliance.reminders import send_compliance_reminders


class Command(BaseCommand):
    help = (
        "Email officers not yet compliant 90, 60, 30 and 7 days before their deadline; each "
        "threshold once per officer and cycle, however often this runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List; send nothing.")
        parser.add_argument("--today", type=date.fromisoformat, help="Judge as of this day.")

    def handle(self, *args, dry_run: bool, today=None, **options):
        summary = send_compliance_reminders(today=today, dry_run=dry_run)
        for reminder in summary.reminders if dry_run else []:
            self.stdout.write(
                f"Would email {reminder.person.display_name}: {reminder.subject} "
                f"({reminder.days}-day reminder)"
            )
        verb = "Would send" if dry_run else "Sent"
        self.stdout.write(
            f"{verb} {len(summary.reminders)} compliance reminders; "
            f"{summary.already_sent} already sent earlier."
        )
        if summary.failed:
            raise CommandError(f"{summary.failed} reminders could not be sent; rerun to retry.")
