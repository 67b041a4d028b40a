"""Queue a delivery of the xAPI outbox, and say where it stands."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from xapi import delivery
from xapi.models import DeliveryStatus, OutboxStatement


class Command(BaseCommand):
    help = (
        "Queue a delivery of the xAPI statements waiting in the outbox (deliveries are queued "
        "by themselves; run this from cron as a safety net) and print the outbox's counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--retry-rejected",
            action="store_true",
            help="Put statements the LRS rejected back in the outbox first.",
        )

    def handle(self, *args, retry_rejected: bool = False, **options):
        if not settings.XAPI_LRS_ENDPOINT:
            raise CommandError("xAPI is off: set XAPI_LRS_ENDPOINT (and its credentials).")
        if retry_rejected:
            self.stdout.write(
                f"{delivery.retry_rejected()} rejected statements back in the outbox."
            )
        result = delivery.deliver_statements.enqueue()
        counts = dict(
            OutboxStatement.objects.values_list("status").annotate(n=Count("id")).order_by()
        )
        self.stdout.write(
            ", ".join(f"{counts.get(s, 0)} {s}" for s in DeliveryStatus.values)
            + f"; delivery queued (task {result.id})."
        )
