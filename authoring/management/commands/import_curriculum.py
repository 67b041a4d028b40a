from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from authoring.exchange import (
    ExchangeError,
    default_home,
    import_curriculum,
    parse_document,
)
from courses.models import HomePage, LessonPage, ModulePage
from lms.management.input_files import read_input_file


class Command(BaseCommand):
    help = (
        "Create a curriculum from a file written by export_curriculum: all of it, or on any "
        "problem nothing. A curriculum whose slug is already used is refused (no merging)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="The JSON file, or - for standard input.")
        parser.add_argument(
            "--home",
            type=int,
            metavar="PAGE_ID",
            help="The home page to import below (default: the default site's).",
        )

    def handle(self, *args, **options):
        raw = read_input_file(options["file"])
        try:
            with transaction.atomic():  # a home page made for the import goes if it fails
                home = self._home(options["home"])
                data = parse_document(raw)
                curriculum = import_curriculum(data, home=home)
        except ExchangeError as error:
            raise CommandError(error.message) from None
        modules = ModulePage.objects.child_of(curriculum)
        created = [
            f"{modules.count()} modules",
            f"{LessonPage.objects.descendant_of(curriculum).count()} lessons",
            f"{modules.filter(quiz__isnull=False).count()} quizzes",
            f"{len(data.get('images') or [])} images",
            f"{len(data.get('documents') or [])} documents",
        ]
        if data.get("survey"):
            created.append("1 survey")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported “{curriculum.title}” below “{home.title}” (page {curriculum.pk}, "
                f"{curriculum.url_path}): {', '.join(created)}."
            )
        )

    @staticmethod
    def _home(home_id: int | None) -> HomePage:
        if home_id is None:
            return default_home()
        home = HomePage.objects.filter(pk=home_id).first()
        if home is None:
            raise CommandError(f"No home page with the id {home_id}.")
        return home
