"""The compliance part of the demo (run by seed_demo after its own seeding; idempotent).

Riverside follows the California rule set and Lakeside the Minnesota one (API.md, "Demo
data"). Officers get state numbers, dates and ledger entries relative to today, written through
the services (so each has its audit event): Lakeside shows all four statuses; Riverside shows
what California's fixed two-year cycle allows on the day (near the cycle's end, everyone not yet
compliant is at risk; an officer cannot be deficient in the cycle under way). External entries
await approval in both agencies (Riverside's `coordinator` decides them); one was rejected.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from compliance import cycles, services
from compliance.models import ComplianceProfile, EntrySource, RuleSet, TrainingEntry
from compliance.selectors import officer_dates, rule_set_of
from lms.models import Agency, Person

RULE_SETS = {"riverside-pd": "ca-post", "lakeside-pd": "mn-post"}
PSP = ["psp_firearms", "psp_driving", "psp_arrest_control", "psp_communications", "use_of_force"]
EVIDENCE = b"%PDF-1.4\n% demo certificate of completion\n%%EOF\n"

# username -> licence expiry (days from today; Minnesota) and entries:
# (title, provider, categories, hours, days after the cycle start (None: days before today),
#  "approved" | "pending" | "rejected")
RIVERSIDE = {
    "alex.morales": [
        ("Tactical firearms qualification", "Riverside Range", ["psp_firearms"], 4, 30, "approved"),
        (
            "Emergency vehicle operations",
            "POST-certified presenter",
            ["psp_driving"],
            4,
            60,
            "approved",
        ),
        (
            "Arrest and control techniques",
            "Regional academy",
            ["psp_arrest_control"],
            4,
            90,
            "approved",
        ),
        ("Tactical communications", "Regional academy", ["psp_communications"], 2, 120, "approved"),
        ("Use of force policy and scenarios", "Riverside PD", ["use_of_force"], 4, 150, "approved"),
        ("Report writing refresher", "Community college", ["cpt_other"], 6, 200, "approved"),
    ],
    "command": [
        ("Tactical firearms qualification", "Riverside Range", ["psp_firearms"], 4, 40, "approved"),
        ("Driver awareness", "POST-certified presenter", ["psp_driving"], 4, 80, "approved"),
        (
            "Arrest and control techniques",
            "Regional academy",
            ["psp_arrest_control"],
            4,
            95,
            "approved",
        ),
        (
            "Crisis communications for supervisors",
            "Regional academy",
            ["psp_communications"],
            4,
            130,
            "approved",
        ),
        (
            "Use of force review board training",
            "Riverside PD",
            ["use_of_force"],
            4,
            170,
            "approved",
        ),
        ("Supervisory leadership", "Community college", ["cpt_other"], 8, 210, "approved"),
    ],
    "officer": [
        ("Tactical firearms qualification", "Riverside Range", ["psp_firearms"], 4, 45, "approved"),
        (
            "Emergency vehicle operations",
            "POST-certified presenter",
            ["psp_driving"],
            4,
            300,
            "approved",
        ),
        (
            "Arrest and control techniques",
            "Regional academy",
            ["psp_arrest_control"],
            4,
            None,
            "pending",
        ),
        ("Tactical communications", "Regional academy", ["psp_communications"], 2, None, "pending"),
    ],
    "priya.natarajan": [
        ("Interview and interrogation", "Community college", ["cpt_other"], 10, 100, "approved"),
        ("Use of force update", "Riverside PD", ["use_of_force"], 2, None, "pending"),
    ],
    "hannah.kowalski": [
        ("Online wellness webinar", "Unknown provider", ["cpt_other"], 8, None, "rejected"),
    ],
}
LAKESIDE = {
    # compliant: two years into the licence period, everything done
    "keisha.grant": (
        300,
        [
            (
                "Crisis intervention team training",
                "Lakeside PD",
                ["crisis_intervention"],
                10,
                40,
                "approved",
            ),
            (
                "Autism awareness for first responders",
                "Regional academy",
                ["autism"],
                4,
                80,
                "approved",
            ),
            (
                "Conflict management",
                "Regional academy",
                ["conflict_management"],
                1,
                120,
                "approved",
            ),
            ("Implicit bias", "Regional academy", ["implicit_bias"], 1, 160, "approved"),
            ("Investigations update", "Community college", ["ce_other"], 32, 200, "approved"),
        ],
    ),
    # deficient: no use of force in the first licence year, which has ended
    "tomas.silva": (
        400,
        [
            (
                "Crisis intervention team training",
                "Lakeside PD",
                ["crisis_intervention"],
                6,
                420,
                "approved",
            ),
            ("Patrol tactics", "Community college", ["ce_other"], 12, 450, "approved"),
        ],
    ),
    # on track: early in the licence period
    "officer2": (
        900,
        [
            (
                "Crisis intervention team training",
                "Lakeside PD",
                ["crisis_intervention"],
                6,
                20,
                "approved",
            ),
            (
                "Autism awareness for first responders",
                "Regional academy",
                ["autism"],
                4,
                None,
                "pending",
            ),
        ],
    ),
    # at risk: 45 days to the licence's expiry, autism hours missing
    "command2": (
        45,
        [
            (
                "Crisis intervention team training",
                "Lakeside PD",
                ["crisis_intervention"],
                10,
                60,
                "approved",
            ),
            (
                "Conflict management",
                "Regional academy",
                ["conflict_management"],
                1,
                100,
                "approved",
            ),
            ("Implicit bias", "Regional academy", ["implicit_bias"], 1, 130, "approved"),
            ("Leadership in policing", "University extension", ["ce_other"], 30, 300, "approved"),
        ],
    ),
}
# Use of force in each Minnesota licence year begun, for everyone but the deficient officer.
USE_OF_FORCE_EVERY_YEAR = {"keisha.grant", "officer2", "command2"}


class Command(BaseCommand):
    help = "Seed the compliance demo: rule sets, agencies' choices, officers' ledgers."

    def handle(self, *args, **options):
        with transaction.atomic():
            services.rule_sets_load()
            posted = services.internal_entries_sync()
            seeded = self._seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Compliance demo: {posted} module completions posted, ledgers for {seeded} "
                "officers."
            )
        )

    def _seed(self) -> int:
        today = timezone.localdate()
        coordinator = get_user_model().objects.filter(username="coordinator").first()
        seeded = 0
        for slug, code in RULE_SETS.items():
            agency = Agency.objects.filter(slug=slug).first()
            if agency is None:
                continue
            if not hasattr(agency, "compliance"):
                services.agency_rule_set_choose(
                    agency=agency, rule_set=RuleSet.objects.get(code=code)
                )
            for person in Person.objects.filter(agency=agency).select_related("user"):
                ComplianceProfile.objects.get_or_create(
                    person=person,
                    defaults={
                        "state_id": f"{code.split('-')[0].upper()}-{person.pk:06d}",
                        "hired_on": today - timedelta(days=365 * 6 + person.pk * 17),
                    },
                )
        for username, entries in RIVERSIDE.items():
            seeded += self._ledger(username, entries, today, coordinator, licence_days=None)
        for username, (licence_days, entries) in LAKESIDE.items():
            seeded += self._ledger(username, entries, today, None, licence_days=licence_days)
        return seeded

    def _ledger(self, username, entries, today: date, decider, *, licence_days) -> int:
        person = Person.objects.filter(user__username=username).select_related("user").first()
        if (
            person is None
            or TrainingEntry.objects.filter(person=person, source=EntrySource.EXTERNAL).exists()
        ):
            return 0
        if licence_days is not None:
            profile = ComplianceProfile.objects.get(person=person)
            profile.licence_expires_on = today + timedelta(days=licence_days)
            profile.save(update_fields=["licence_expires_on"])
        rules = rule_set_of(person.agency_id).rules
        cycle = cycles.cycle_at(rules.cycle, today, officer_dates(person))
        items = list(entries)
        if username in USE_OF_FORCE_EVERY_YEAR:
            start = cycle.start
            while start <= today:
                offset = (start - cycle.start).days + 10
                items.append(
                    (
                        "Use of force annual training",
                        "Lakeside PD",
                        ["use_of_force"],
                        2,
                        offset,
                        "approved",
                    )
                )
                start = cycles.add_months(start, 12)
        for title, provider, categories, hours, offset, outcome in items:
            if offset is None:
                day = today - timedelta(days=5)
            else:
                day = min(cycle.start + timedelta(days=offset), today)
            entry = services.external_entry_submit(
                person=person,
                data={
                    "title": title,
                    "provider": provider,
                    "completed_on": day,
                    "hours": Decimal(hours),
                    "categories": categories,
                    "course_number": "",
                },
                evidence=SimpleUploadedFile("certificate.pdf", EVIDENCE),
                by=person.user,
            )
            if outcome == "approved":
                services.entry_approve(entry=entry, by=decider)
            elif outcome == "rejected":
                services.entry_reject(
                    entry=entry,
                    by=decider,
                    reason="No certificate of completion from a recognised provider.",
                )
        return 1
