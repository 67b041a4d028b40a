"""`manage.py export_records FILE.json`: every person and training record in one file.

Writes users (with password hashes and groups), agencies, units, people, assignments,
attempts (with their question snapshots), lesson progress, module and curriculum
completions, certificates, training records, survey responses, reminders and the audit trail
with its chain head. The format is described in `records/format.py`; the
curriculum itself is not included (`export_curriculum` writes that).
"""

from django.core.management.base import BaseCommand, CommandError

from records.exporting import export_records


class Command(BaseCommand):
    help = "Write every person and training record to a JSON file (restore with import_records)."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="The JSON file to write.")

    def handle(self, *args, **options):
        try:
            with open(options["file"], "w", encoding="utf-8") as out:
                counts = export_records(out)
        except OSError as error:
            raise CommandError(f"Cannot write {options['file']}: {error.strerror}.") from None
        summary = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Wrote {options['file']}: {summary}."))
