"""Remove expired exports (file and row); run daily."""

from django.core.management.base import BaseCommand

from compliance.exporting.services import kept_for, prune_exports


class Command(BaseCommand):
    help = (
        "Remove prepared exports older than COMPLIANCE_EXPORT_DAYS (7): their files in the "
        "exports storage and their rows. Run daily."
    )

    def handle(self, *args, **options):
        pruned = prune_exports()
        self.stdout.write(f"Removed {pruned} expired exports (kept {kept_for().days} days).")
