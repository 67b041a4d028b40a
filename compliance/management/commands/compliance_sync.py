"""Post module completions that have no ledger entry (written without signals, e.g. by
import_records) to the ledger. Safe to run again."""

from django.core.management.base import BaseCommand

from compliance.services import internal_entries_sync


class Command(BaseCommand):
    help = "Post module completions without a ledger entry (after import_records)."

    def handle(self, *args, **options):
        self.stdout.write(f"Posted {internal_entries_sync()} module completions to the ledger.")
