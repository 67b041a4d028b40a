"""Create or update the state rule sets from compliance/rulesets/*.yaml (all checked first)."""

from django.core.management.base import BaseCommand, CommandError

from compliance.rules import RuleSetError
from compliance.services import rule_sets_load


class Command(BaseCommand):
    help = "Load the state rule sets from compliance/rulesets/ (every file checked first)."

    def handle(self, *args, **options):
        try:
            created, updated = rule_sets_load()
        except RuleSetError as error:
            raise CommandError("\n".join(error.problems)) from None
        self.stdout.write(self.style.SUCCESS(f"Rule sets: {created} created, {updated} updated."))
