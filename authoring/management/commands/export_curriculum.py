import json

from django.core.management.base import BaseCommand, CommandError

from authoring.exchange import ExchangeError, export_curriculum
from courses.models import CurriculumPage, HomePage
from lms.audit import Action, record_event


class Command(BaseCommand):
    help = (
        "Write a curriculum (live pages, quizzes, survey, embedded images and documents) "
        "as one JSON file, to standard output or --output FILE."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", metavar="SLUG", help="The curriculum page's slug.")
        parser.add_argument("--output", "-o", metavar="FILE", help="Write here, not to stdout.")
        parser.add_argument(
            "--home", type=int, metavar="PAGE_ID", help="The home page it is under, if ambiguous."
        )

    def handle(self, *args, **options):
        curricula = CurriculumPage.objects.filter(slug=options["slug"])
        if options["home"] is not None:
            curricula = curricula.filter(path__startswith=self._home_path(options["home"]))
        found = list(curricula[:2])
        if not found:
            raise CommandError(f"No curriculum with the slug “{options['slug']}”.")
        if len(found) > 1:
            raise CommandError(
                f"Several curricula have the slug “{options['slug']}”; "
                "pass --home with the id of the home page it is under."
            )
        curriculum = found[0]
        try:
            data = export_curriculum(curriculum)
        except ExchangeError as error:
            raise CommandError(error.message) from None
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if options["output"]:
            try:
                with open(options["output"], "w", encoding="utf-8") as file:
                    file.write(text)
            except OSError as error:
                raise CommandError(f"Cannot write {options['output']}: {error.strerror}.") from None
        else:
            self.stdout.write(text, ending="")
        record_event(
            action=Action.CURRICULUM_EXPORTED,
            obj=curriculum,
            actor_username="manage.py",
            data={"slug": curriculum.slug},
        )
        if options["output"]:
            self.stderr.write(
                f"Exported “{curriculum.title}”: {len(data['modules'])} modules, "
                f"{len(data['images'])} images, {len(data['documents'])} documents."
            )

    @staticmethod
    def _home_path(home_id: int) -> str:
        home = HomePage.objects.filter(pk=home_id).first()
        if home is None:
            raise CommandError(f"No home page with the id {home_id}.")
        return home.path
