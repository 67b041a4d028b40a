"""What the cluster's database template holds beyond `seed_demo`, and the facts the tests read
from it. Both run inside the cluster's own Django (production settings), by `manage.py shell`:

    seed(password)  once per template: learners of their own for each test, one learner five
                    modules in with the last two modules' lessons read, a draft revision of a
                    lesson waiting to be published
    facts()         at every run: one JSON line with the ids and right answers the tests use
"""

import json

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from assessments.models import Choice
from authoring.management.commands.seed_demo import Command as SeedDemo
from courses.models import CurriculumPage, LessonPage
from courses.progress import services
from courses.progress.selectors import curriculum_outlines
from lms import roles
from lms.models import Agency, Person, PersonnelCategory

LEARNERS = 12  # cluster-01 …: one or two per test, never shared
CERTIFICATE_LEARNER = "cluster-cert"
MODULES_DONE = 5  # the certificate learner has passed these; the last two are left
DRAFT_TITLE_SUFFIX = " (revised)"


def _learner(command: SeedDemo, username: str, password: str, badge: str) -> None:
    agency = Agency.objects.get(slug="riverside-pd")
    unit = agency.units.order_by("pk").first()
    command._person(
        username,
        "Cluster",
        username.title(),
        agency,
        unit.name,
        badge,
        "Officer",
        PersonnelCategory.SWORN,
        password,
        False,
    )
    get_user_model().objects.get(username=username).groups.add(roles.ensure_roles()[roles.LEARNER])


def seed(password: str) -> None:
    call_command("seed_demo", password=password, verbosity=0)
    command = SeedDemo()
    with transaction.atomic():
        for n in range(1, LEARNERS + 1):
            _learner(command, f"cluster-{n:02d}", password, f"C-{n:03d}")
        _learner(command, CERTIFICATE_LEARNER, password, "C-999")
        person = Person.objects.get(user__username=CERTIFICATE_LEARNER)
        outline = curriculum_outlines([CurriculumPage.objects.live().get()])[0]
        command._demo_progress(CERTIFICATE_LEARNER, outline.page, MODULES_DONE, False)
        for module in outline.modules[MODULES_DONE:]:
            for lesson in module.lessons:
                services.lesson_complete(person=person, lesson=lesson)
        lesson = LessonPage.objects.live().order_by("path").first()
        lesson.title += DRAFT_TITLE_SUFFIX
        lesson.save_revision()  # a draft: the live page keeps its title until it is published


def facts() -> None:
    outline = curriculum_outlines([CurriculumPage.objects.live().get()])[0]
    quizzes = [m.page.quiz_id for m in outline.modules]
    right = {}
    for question_id, choice_id in Choice.objects.filter(
        question__quiz_id__in=quizzes, is_correct=True
    ).values_list("question_id", "pk"):
        right.setdefault(str(question_id), []).append(choice_id)
    draft = LessonPage.objects.live().order_by("path").first()
    print(  # read by tests/cluster/conftest.py
        json.dumps(
            {
                "modules": [
                    {
                        "id": m.page.pk,
                        "quiz": m.page.quiz_id,
                        "lessons": [lesson.pk for lesson in m.lessons],
                    }
                    for m in outline.modules
                ],
                "right_answers": right,
                "draft_lesson": {
                    "id": draft.pk,
                    "url": draft.url,
                    "live_title": draft.title,
                    "draft_title": draft.get_latest_revision_as_object().title,
                },
            }
        )
    )
