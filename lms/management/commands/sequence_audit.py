from django.core.management.base import BaseCommand

from lms.audit import SEQUENCE_BATCH, sequence_pending


class Command(BaseCommand):
    help = (
        "Chain the audit events that are waiting (pending), in batches; safe to run at any "
        "time and from several places at once (docs/audit.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=SEQUENCE_BATCH)

    def handle(self, *args, batch_size: int, **options):
        chained = sequence_pending(batch_size=max(batch_size, 1))
        self.stdout.write(f"Chained {chained} pending audit event{'s' if chained != 1 else ''}.")
