"""`manage.py import_records FILE.json`: restore a file written by export_records.

Into a site that already has its curriculum (seed_demo or import_curriculum) and no people
or records: everything is checked first, then written in one transaction with the original
ids, and the restored audit trail must verify. On any problem nothing is written.
"""

from django.core.management.base import BaseCommand, CommandError

from lms.management.input_files import read_input_file
from records.format import RecordsError
from records.importing import import_records, parse_records


class Command(BaseCommand):
    help = (
        "Restore people and training records from an export_records file into a site with its "
        "curriculum but no people or records yet. All of it, or on any problem nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", metavar="FILE", help="The export_records file, or - for standard input."
        )

    def handle(self, *args, **options):
        raw = read_input_file(options["file"])
        try:
            counts = import_records(parse_records(raw))
        except RecordsError as error:
            raise CommandError(
                "Nothing was imported:\n" + "\n".join(f"  {p}" for p in error.problems)
            ) from None
        summary = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {summary}."))
