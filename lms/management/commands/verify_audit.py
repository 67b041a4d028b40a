from django.core.management.base import BaseCommand, CommandError

from lms.audit import sequence_bound, verify_chain
from lms.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Check the audit trail's hash chain, and that no event has waited longer than "
        "AUDIT_SEQUENCE_BOUND_SECONDS to be chained; exit non-zero naming the first problem."
    )

    def handle(self, *args, **options):
        first = next(verify_chain(), None)
        if first is not None:
            if first.seq is None:
                raise CommandError(f"Audit {first}.")
            raise CommandError(f"Audit chain broken at event #{first.seq}: {first.reason}.")
        chained = AuditEvent.objects.filter(seq__isnull=False).count()
        pending = AuditEvent.objects.filter(seq__isnull=True).count()
        waiting = (
            f"; {pending} recorded in the last {sequence_bound().total_seconds():g} s "
            "still to be chained"
            if pending
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {chained} events verified{waiting}.")
        )
