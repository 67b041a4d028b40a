"""Seed the curriculum, the role groups, two demo agencies and the demo accounts of API.md."""

import random
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.models import GroupPagePermission

from assessments.models import Survey, SurveyPhase
from assessments.surveys import survey_submit
from authoring.content_check import check_directory
from authoring.curriculum_data import DATA_DIR, CurriculumDataError, load_curriculum
from authoring.site import ensure_home_page
from authoring.workflow import ensure_review_workflow
from courses.models import Assignment, HomePage, TrainingRecord
from courses.progress import services
from courses.progress.selectors import (
    SurveyStatus,
    curriculum_outlines,
    learner_progress,
    survey_status,
    surveys_answered,
)
from lms import roles
from lms.models import Agency, Person, PersonnelCategory, Unit

AGENCIES = [
    {
        "slug": "riverside-pd",
        "name": "Riverside Police Department",
        "units": [
            "Patrol North",
            "Patrol South",
            "Investigations",
            "Community Services",
            "Training Academy",
        ],
    },
    {
        "slug": "lakeside-pd",
        "name": "Lakeside Police Department",
        "units": ["First Precinct", "Second Precinct", "Support Services"],
    },
]

# username, first, last, agency slug, unit, badge, rank, category, role
ACCOUNTS = [
    (
        "officer",
        "Dana",
        "Reyes",
        "riverside-pd",
        "Patrol North",
        "R-1042",
        "Officer",
        PersonnelCategory.SWORN,
        roles.LEARNER,
    ),
    (
        "officer2",
        "Sam",
        "Okafor",
        "lakeside-pd",
        "First Precinct",
        "L-2210",
        "Officer",
        PersonnelCategory.SWORN,
        roles.LEARNER,
    ),
    (
        "trainer",
        "Morgan",
        "Lee",
        "riverside-pd",
        "Training Academy",
        "R-0871",
        "Sergeant",
        PersonnelCategory.SWORN,
        roles.TRAINER,
    ),
    (
        "coordinator",
        "Avery",
        "Chen",
        "riverside-pd",
        "Training Academy",
        "R-0520",
        "Lieutenant",
        PersonnelCategory.SWORN,
        roles.COORDINATOR,
    ),
    (
        "command",
        "Jordan",
        "Price",
        "riverside-pd",
        "Patrol North",
        "R-0110",
        "Captain",
        PersonnelCategory.LEADER,
        roles.COMMAND_STAFF,
    ),
    (
        "command2",
        "Riley",
        "Novak",
        "lakeside-pd",
        "First Precinct",
        "L-0105",
        "Captain",
        PersonnelCategory.LEADER,
        roles.COMMAND_STAFF,
    ),
]

# Further learners, so rosters and reports have people in them.
ROSTER = [
    ("riverside-pd", "Patrol North", "R-1101", "Officer", "Alex", "Morales", "sworn"),
    ("riverside-pd", "Patrol North", "R-1102", "Officer", "Priya", "Natarajan", "sworn"),
    ("riverside-pd", "Patrol South", "R-1201", "Corporal", "Marcus", "Bell", "sworn"),
    ("riverside-pd", "Patrol South", "R-1202", "Officer", "Hannah", "Kowalski", "sworn"),
    ("riverside-pd", "Investigations", "R-1301", "Detective", "Luis", "Ortega", "sworn"),
    (
        "riverside-pd",
        "Community Services",
        "R-1401",
        "Dispatcher",
        "Grace",
        "Whitfield",
        "civilian",
    ),
    ("riverside-pd", "Community Services", "", "Council Member", "Elaine", "Brooks", "elected"),
    ("riverside-pd", "Patrol North", "R-1103", "Officer", "Daniel", "Okoro", "sworn"),
    ("riverside-pd", "Patrol South", "R-1203", "Officer", "Mei", "Chen", "sworn"),
    ("riverside-pd", "Investigations", "R-1302", "Sergeant", "Samuel", "Price", "sworn"),
    ("riverside-pd", "Training Academy", "R-1001", "Lieutenant", "Nadia", "Rahman", "leader"),
    ("lakeside-pd", "First Precinct", "L-2301", "Officer", "Tomas", "Silva", "sworn"),
    ("lakeside-pd", "Second Precinct", "L-2401", "Sergeant", "Keisha", "Grant", "sworn"),
    ("lakeside-pd", "Support Services", "L-2501", "Records Clerk", "Owen", "Fischer", "civilian"),
]

DUE_IN_DAYS = 90
RECERTIFICATION_MONTHS = 12

# Demo progress, so oversight pages and the item analysis have something to show: username ->
# (modules passed, whether each module's quiz is failed once first). Answers are simulated
# (`_demo_answers`). Applied once, to people with no record yet.
DEMO_PROGRESS = {
    "alex.morales": (7, False),
    "luis.ortega": (7, True),
    "priya.natarajan": (3, True),
    "grace.whitfield": (2, False),
    "marcus.bell": (1, True),
    "keisha.grant": (7, False),
    "tomas.silva": (4, True),
    "daniel.okoro": (7, False),
    "mei.chen": (7, True),
    "samuel.price": (7, False),
    "nadia.rahman": (7, False),
}
# Demo survey answers, given through the survey service when the survey is open to the person
# (before: not yet started; after: module 7 completed), once. Riverside has eleven learners
# answering before and six after, so its report shows the shift; Lakeside has none, and its
# report stays suppressed (fewer than SURVEY_MIN_GROUP_SIZE respondents).
DEMO_SURVEY_PRE = [
    "alex.morales",
    "luis.ortega",
    "priya.natarajan",
    "grace.whitfield",
    "marcus.bell",
    "hannah.kowalski",
    "elaine.brooks",
    "daniel.okoro",
    "mei.chen",
    "samuel.price",
    "nadia.rahman",
]
DEMO_SURVEY_POST = [
    "alex.morales",
    "luis.ortega",
    "daniel.okoro",
    "mei.chen",
    "samuel.price",
    "nadia.rahman",
]
# A unit whose own assignment is already past due, so the overdue list is not empty.
OVERDUE_UNIT = ("riverside-pd", "Patrol South", 14)


def _demo_survey_answers(items, seed: int, phase: str) -> dict[str, int]:
    """Plausible, deterministic answers: middling before, a little higher after."""
    answers = {}
    for i, item in enumerate(items):
        before = 2 + (i * 2 + seed) % 3
        lift = (i + seed) % 2 + (1 if i in (2, 8) else 0)
        answers[str(item.pk)] = min(5, before + lift) if phase == SurveyPhase.POST else before
    return answers


def _correct_answers(questions: list[dict]) -> dict[str, list[int]]:
    return {str(q["id"]): [c["id"] for c in q["choices"] if c["correct"]] for q in questions}


def _demo_answers(
    questions: list[dict], *, seed: str, ability: float, pass_mark: int, passing: bool
) -> dict[str, list[int]]:
    """Plausible, deterministic answers, so the item analysis of the demo shows figures: each
    question has its own difficulty, each learner an ability; a wrong answer favours the
    first distractor (some distractors are then rarely picked). The attempt is then made to
    pass or to fail as the demo needs, by changing as few answers as that takes."""
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    right = _correct_answers(questions)
    answers, correct = {}, []
    for q in questions:
        difficulty = random.Random(q["id"]).random()  # noqa: S311 (the same for everyone)
        wrong = [c["id"] for c in q["choices"] if not c["correct"]]
        is_right = not wrong or rng.random() < ability - 0.45 * difficulty + 0.2
        if is_right:
            answers[str(q["id"])] = right[str(q["id"])]
        else:
            weights = [6, 3, 1, 1][: len(wrong)]
            answers[str(q["id"])] = [rng.choices(wrong, weights=weights)[0]]
        correct.append(is_right)
    needed = -(-pass_mark * len(questions) // 100)  # correct answers needed to pass
    for index, q in enumerate(questions):
        count = sum(correct)
        if (passing and count >= needed) or (not passing and count < needed):
            break
        wrong = [c["id"] for c in q["choices"] if not c["correct"]]
        if passing and not correct[index]:
            answers[str(q["id"])], correct[index] = right[str(q["id"])], True
        elif not passing and correct[index] and wrong:
            answers[str(q["id"])], correct[index] = [wrong[0]], False
    return answers


def _refuse_content_that_breaks_a_rule() -> None:
    """The content check (authoring.content_check) before anything is written."""
    broken = [
        f"{report.name}: {problem}"
        for report in check_directory(DATA_DIR)
        for problem in report.problems
    ]
    if broken:
        raise CommandError("The curriculum breaks content rules:\n" + "\n".join(broken))


class Command(BaseCommand):
    help = "Create the curriculum, role groups, demo agencies and demo accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for every demo account.")
        parser.add_argument(
            "--curriculum-only",
            action="store_true",
            help="Only the roles, home page and curriculum: no agencies, people or progress "
            "(a site to restore records into with import_records).",
        )

    def handle(self, *args, password=None, curriculum_only=False, **options):
        _refuse_content_that_breaks_a_rule()
        if curriculum_only:
            with transaction.atomic():
                groups = roles.ensure_roles()
                home = ensure_home_page()
                try:
                    curriculum, pages_created = load_curriculum(home)
                except CurriculumDataError as error:
                    raise CommandError(str(error)) from None
                self._grant_page_permissions(groups, home)
                ensure_review_workflow(home)
            self.stdout.write(
                self.style.SUCCESS(f"Seeded “{curriculum.title}”: {pages_created} pages created.")
            )
            return
        generated = password is None
        password = password or secrets.token_urlsafe(12)
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError("Password rejected: " + " ".join(error.messages)) from None
        try:
            with transaction.atomic():
                summary = self._seed(password, reset_passwords=not generated)
                # The community demo (community/demo.py), by name: authoring imports no app
                # above it.
                call_command("seed_community", stdout=self.stdout)
        except CurriculumDataError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(summary))
        # The compliance demo (rule sets, ledgers): by name, as authoring imports no app above.
        call_command("seed_compliance_demo", stdout=self.stdout)
        if generated:
            self.stdout.write(
                f"Password for accounts created now: {password} "
                "(existing accounts keep theirs; pass --password to set one for all)."
            )

    def _seed(self, password: str, *, reset_passwords: bool) -> str:
        """Create what is missing. Existing accounts get `password` only when it was given."""
        groups = roles.ensure_roles()
        home = ensure_home_page()
        curriculum, pages_created = load_curriculum(home)
        self._grant_page_permissions(groups, home)
        ensure_review_workflow(home)
        agencies = {}
        for spec in AGENCIES:
            agency, _ = Agency.objects.get_or_create(
                slug=spec["slug"], defaults={"name": spec["name"]}
            )
            for unit in spec["units"]:
                Unit.objects.get_or_create(agency=agency, name=unit)
            agencies[agency.slug] = agency
            Assignment.objects.get_or_create(
                curriculum=curriculum,
                agency=agency,
                defaults={
                    "due_date": timezone.localdate() + timedelta(days=DUE_IN_DAYS),
                    "recertification_months": RECERTIFICATION_MONTHS,
                },
            )
        users_created = 0
        for username, first, last, slug, unit, badge, rank, category, role in ACCOUNTS:
            users_created += self._person(
                username,
                first,
                last,
                agencies[slug],
                unit,
                badge,
                rank,
                category,
                password,
                reset_passwords,
            )
            get_user_model().objects.get(username=username).groups.add(groups[role])
        for slug, unit, badge, rank, first, last, category in ROSTER:
            username = f"{first}.{last}".lower()
            users_created += self._person(
                username,
                first,
                last,
                agencies[slug],
                unit,
                badge,
                rank,
                category,
                password,
                reset_passwords,
            )
            get_user_model().objects.get(username=username).groups.add(groups[roles.LEARNER])
        agency_slug, unit_name, days_ago = OVERDUE_UNIT
        Assignment.objects.get_or_create(
            curriculum=curriculum,
            unit=Unit.objects.get(agency__slug=agency_slug, name=unit_name),
            defaults={
                "due_date": timezone.localdate() - timedelta(days=days_ago),
                "recertification_months": RECERTIFICATION_MONTHS,
            },
        )
        surveyed = sum(
            self._demo_survey(username, curriculum, SurveyPhase.PRE) for username in DEMO_SURVEY_PRE
        )
        progressed = sum(
            self._demo_progress(username, curriculum, modules, fail_first)
            for username, (modules, fail_first) in DEMO_PROGRESS.items()
        )
        surveyed += sum(
            self._demo_survey(username, curriculum, SurveyPhase.POST)
            for username in DEMO_SURVEY_POST
        )
        return (
            f"Seeded “{curriculum.title}”: {pages_created} pages created, "
            f"{users_created} accounts created, demo progress for {progressed} learners, "
            f"{surveyed} demo survey responses."
        )

    def _demo_survey(self, username, curriculum, phase) -> int:
        """Answer the curriculum's survey as a learner would, when it is open to them."""
        survey = Survey.objects.filter(pk=curriculum.survey_id, live=True).first()
        if survey is None:
            return 0
        person = Person.objects.select_related("user").get(user__username=username)
        answered = surveys_answered(person.user, [survey.pk]).get(survey.pk, set())
        progress = learner_progress(person=person, curricula=[curriculum])[0]
        if survey_status(progress, phase, answered) != SurveyStatus.OPEN:
            return 0
        survey_submit(
            survey=survey,
            user=person.user,
            phase=phase,
            answers=_demo_survey_answers(
                survey.items.order_by("sort_order", "pk"), person.pk, phase
            ),
            comments={},
        )
        return 1

    def _demo_progress(self, username, curriculum, modules_to_pass, fail_first) -> int:
        """Walk a learner through the real services: read lessons, take quizzes."""
        person = Person.objects.select_related("user").get(user__username=username)
        if TrainingRecord.objects.filter(person=person, curriculum=curriculum).exists():
            return 0
        for outline in curriculum_outlines([curriculum])[0].modules[:modules_to_pass]:
            for lesson in outline.lessons:
                services.lesson_complete(person=person, lesson=lesson)
            ability = 0.45 + (person.pk * 37 % 50) / 100  # 0.45 to 0.94, by person
            for passing in ([False] if fail_first else []) + [True]:
                attempt, _ = services.module_quiz_start(person=person, module=outline.page)
                services.module_quiz_submit(
                    person=person,
                    module=outline.page,
                    attempt=attempt,
                    answers=_demo_answers(
                        attempt.questions,
                        seed=f"{username}:{attempt.pk}",
                        ability=ability - (0.3 if not passing else 0),
                        pass_mark=attempt.pass_mark,
                        passing=passing,
                    ),
                )
        return 1

    def _grant_page_permissions(self, groups, home: HomePage) -> None:
        actions = {
            roles.TRAINER: ["add_page", "change_page"],
            roles.COORDINATOR: ["add_page", "change_page", "publish_page"],
        }
        for role, codenames in actions.items():
            for codename in codenames:
                GroupPagePermission.objects.get_or_create(
                    group=groups[role],
                    page=home,
                    permission=Permission.objects.get(
                        content_type__app_label="wagtailcore", codename=codename
                    ),
                )

    def _person(
        self, username, first, last, agency, unit, badge, rank, category, password, reset_password
    ) -> int:
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@{agency.slug}.example.org",
            },
        )
        if created or (reset_password and not user.check_password(password)):
            user.set_password(password)
            user.save(update_fields=["password"])
        Person.objects.get_or_create(
            user=user,
            defaults={
                "agency": agency,
                "unit": Unit.objects.get(agency=agency, name=unit),
                "badge_number": badge,
                "rank": rank,
                "personnel_category": category,
            },
        )
        return int(created)
