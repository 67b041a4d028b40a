from django.core.management.base import BaseCommand, CommandError

from lms.audit import verify_chain
from lms.models import AuditEvent


class Command(BaseCommand):
    help = "Check the audit trail's hash chain; exit non-zero naming the first broken link."

    def handle(self, *args, **options):
        first = next(verify_chain(), None)
        if first is not None:
            raise CommandError(f"Audit chain broken at event #{first.seq}: {first.reason}.")
        count = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {count} events verified."))
