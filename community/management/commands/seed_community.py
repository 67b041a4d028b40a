"""Seed the community demo (community/demo.py); seed_demo runs it too."""

from django.core.management.base import BaseCommand

from community.demo import seed_community_demo


class Command(BaseCommand):
    help = "Create the community demo: public pages, a past youth dialogue, an upcoming forum."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(seed_community_demo()))
