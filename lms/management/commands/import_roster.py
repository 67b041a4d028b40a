from django.core.management.base import BaseCommand, CommandError

from lms.models import Agency
from lms.roster import RosterError, import_roster


class Command(BaseCommand):
    help = "Import an agency's roster from a CSV file: all rows or, on any problem, none."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, metavar="SLUG", help="The agency's slug.")
        parser.add_argument("file", metavar="FILE.csv", help="The roster, UTF-8 CSV.")

    def handle(self, *args, **options):
        try:
            agency = Agency.objects.get(slug=options["agency"])
        except Agency.DoesNotExist:
            raise CommandError(f"No agency with the slug “{options['agency']}”.") from None
        try:
            with open(options["file"], "rb") as file:
                result = import_roster(agency=agency, file=file)
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}.") from None
        except RosterError as error:
            for problem in error.errors:
                self.stderr.write(str(problem))
            raise CommandError(error.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Roster imported into {agency}: {result.created} added, {result.updated} "
                f"updated, {result.unchanged} unchanged; {result.units_created} units created."
            )
        )
