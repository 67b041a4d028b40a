"""`manage.py check_content [--path FOLDER]`: the content check (authoring.content_check) over
the curriculum files: every module's figures, each broken rule as a FAIL line, and a non-zero
exit when any rule is broken."""

from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from authoring.content_check import check_directory, format_report
from authoring.curriculum_data import DATA_DIR


class Command(BaseCommand):
    help = (
        "Print each module's content figures (pool, application share, longest-correct share, "
        "multiple-select spread, explained wrong choices, sources, branching scenarios, job aid, "
        "stated and derived minutes) and fail when any content rule is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            type=Path,
            default=DATA_DIR,
            metavar="FOLDER",
            help="The folder of module-*.yaml files (default: the shipped curriculum).",
        )

    def handle(self, *args, path: Path, **options):
        if not path.is_dir():
            raise CommandError(f"{path} is not a folder.")
        try:
            reports = check_directory(path)
        except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as error:
            raise CommandError(f"Cannot read the module files in {path}: {error}") from None
        if not reports:
            raise CommandError(f"{path} has no module-*.yaml files.")
        self.stdout.write(format_report(reports))
        broken = sum(len(report.problems) for report in reports)
        failing = sum(1 for report in reports if report.problems)
        if broken:
            raise CommandError(
                f"{broken} content rule{'s' if broken != 1 else ''} broken in {failing} of "
                f"{len(reports)} module{'s' if len(reports) != 1 else ''}."
            )
        self.stdout.write(self.style.SUCCESS(f"All {len(reports)} modules meet every rule."))
