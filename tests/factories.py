"""factory_boy factories for people, quizzes and curriculum pages, and a small-curriculum builder.

Wagtail pages are created in the tree with `parent.add_child(instance=...)`; pass `parent=`.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import Page, Site

from assessments.models import Choice, Question, QuestionKind, Quiz, Survey, SurveyItem
from courses.models import (
    Assignment,
    CurriculumPage,
    HomePage,
    LessonPage,
    ModulePage,
)
from lms.models import Agency, Person, Unit

PASSWORD = "pw-for-tests-only-1234"


class UserFactory(factory.django.DjangoModelFactory):
    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)


class AgencyFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Agency {n} Police Department")
    slug = factory.Sequence(lambda n: f"agency-{n}")

    class Meta:
        model = Agency


class UnitFactory(factory.django.DjangoModelFactory):
    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Unit {n}")

    class Meta:
        model = Unit


class PersonFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    badge_number = factory.Sequence(lambda n: f"B-{n:04d}")
    rank = "Officer"

    class Meta:
        model = Person


class QuizFactory(factory.django.DjangoModelFactory):
    title = factory.Sequence(lambda n: f"Quiz {n}")
    pass_mark = 80
    max_attempts = 3
    cooldown_minutes = 0
    time_limit_minutes = None
    questions_per_attempt = None
    shuffle = True

    class Meta:
        model = Quiz


class QuestionFactory(factory.django.DjangoModelFactory):
    quiz = factory.SubFactory(QuizFactory)
    kind = QuestionKind.SINGLE
    sort_order = factory.Sequence(lambda n: n)
    prompt = factory.Sequence(lambda n: f"<p>Question {n}: which option applies?</p>")
    explanation = factory.Sequence(lambda n: f"<p>Explanation {n}.</p>")

    class Meta:
        model = Question


class ChoiceFactory(factory.django.DjangoModelFactory):
    question = factory.SubFactory(QuestionFactory)
    sort_order = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"Option {n}")
    is_correct = False

    class Meta:
        model = Choice


def add_question(quiz: Quiz, kind: str, flags: list[bool], texts: list[str] | None = None):
    """A question of `kind` with one choice per flag (True marks a right choice)."""
    question = QuestionFactory(quiz=quiz, kind=kind)
    texts = texts or [f"Option {chr(65 + i)}" for i in range(len(flags))]
    for order, (flag, text) in enumerate(zip(flags, texts, strict=True)):
        ChoiceFactory(question=question, sort_order=order, text=text, is_correct=flag)
    return question


def make_quiz(**kwargs) -> Quiz:
    """Four questions: single, multiple select (two right), true/false, scenario."""
    quiz = QuizFactory(**kwargs)
    add_question(quiz, QuestionKind.SINGLE, [True, False, False])
    add_question(quiz, QuestionKind.MULTIPLE, [True, True, False])
    add_question(quiz, QuestionKind.TRUE_FALSE, [True, False], ["True", "False"])
    add_question(quiz, QuestionKind.SCENARIO, [False, True])
    return quiz


class _PageFactory(factory.django.DjangoModelFactory):
    """Creates the page below `parent` (required) through Wagtail's tree API."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            raise ValueError("Pass parent= to create a page in the tree.")
        return parent.add_child(instance=model_class(*args, **kwargs))


class HomePageFactory(_PageFactory):
    title = "Common Ground"
    slug = factory.Sequence(lambda n: f"common-ground-{n}")

    class Meta:
        model = HomePage


class CurriculumPageFactory(_PageFactory):
    title = factory.Sequence(lambda n: f"Curriculum {n}")
    slug = factory.Sequence(lambda n: f"curriculum-{n}")
    summary = "A short test curriculum."

    class Meta:
        model = CurriculumPage


class ModulePageFactory(_PageFactory):
    title = factory.Sequence(lambda n: f"Module {n}")
    slug = factory.Sequence(lambda n: f"module-{n}")
    number = 1
    summary = "A test module."
    minutes = 30
    credit_hours = Decimal("1.25")
    quiz = None

    class Meta:
        model = ModulePage


class LessonPageFactory(_PageFactory):
    title = factory.Sequence(lambda n: f"Lesson {n}")
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    summary = "A test lesson."
    minutes = 10
    body = factory.LazyFunction(
        lambda: [
            {"type": "rich_text", "value": "<p>Lesson text.</p>"},
            {
                "type": "reflection_prompt",
                "value": {"prompt": "When did a conversation change how a call went?"},
            },
        ]
    )

    class Meta:
        model = LessonPage


class AssignmentFactory(factory.django.DjangoModelFactory):
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    recertification_months = None

    class Meta:
        model = Assignment


def make_home() -> HomePage:
    """A HomePage under Wagtail's root, made the default site's root."""
    home = HomePageFactory(parent=Page.get_first_root_node())
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    else:
        site.root_page = home
        site.save()
    return home


@dataclass
class ModuleBundle:
    page: ModulePage
    lessons: list[LessonPage]

    @property
    def quiz(self) -> Quiz | None:
        return self.page.quiz


@dataclass
class CurriculumBundle:
    page: CurriculumPage
    modules: list[ModuleBundle] = field(default_factory=list)

    @property
    def lessons(self) -> list[LessonPage]:
        return [lesson for module in self.modules for lesson in module.lessons]


def add_module(
    bundle: CurriculumBundle, *, lessons: int = 2, with_quiz: bool = True, **quiz_kwargs
) -> ModuleBundle:
    """Append a numbered module with `lessons` lessons and (by default) a four-question quiz."""
    quiz_defaults = {"pass_mark": 80, "max_attempts": 3, "questions_per_attempt": None}
    quiz = make_quiz(**{**quiz_defaults, **quiz_kwargs}) if with_quiz else None
    number = len(bundle.modules) + 1
    page = ModulePageFactory(parent=bundle.page, number=number, quiz=quiz)
    module = ModuleBundle(
        page=page, lessons=[LessonPageFactory(parent=page) for _ in range(lessons)]
    )
    if quiz and module.lessons:  # each question names a lesson of its module, in turn
        for index, question in enumerate(quiz.questions.order_by("sort_order", "pk")):
            question.lesson = module.lessons[index % len(module.lessons)]
            question.save(update_fields=["lesson"])
    bundle.modules.append(module)
    return module


def make_curriculum(
    home: HomePage, *, modules: int = 2, lessons: int = 2, **quiz_kwargs
) -> CurriculumBundle:
    bundle = CurriculumBundle(page=CurriculumPageFactory(parent=home))
    for _ in range(modules):
        add_module(bundle, lessons=lessons, **quiz_kwargs)
    return bundle


def load_curriculum_bundle(curriculum_id: int) -> CurriculumBundle:
    """Fresh page objects of a curriculum already in the database, in module and reading order."""
    page = CurriculumPage.objects.get(pk=curriculum_id)
    modules = ModulePage.objects.child_of(page).select_related("quiz").order_by("number", "path")
    return CurriculumBundle(
        page=page,
        modules=[
            ModuleBundle(page=m, lessons=list(LessonPage.objects.child_of(m).order_by("path")))
            for m in modules
        ],
    )


class SurveyFactory(factory.django.DjangoModelFactory):
    title = factory.Sequence(lambda n: f"Survey {n}")
    intro = "A few statements, before and after."

    class Meta:
        model = Survey


class SurveyItemFactory(factory.django.DjangoModelFactory):
    survey = factory.SubFactory(SurveyFactory)
    sort_order = factory.Sequence(lambda n: n)
    statement = factory.Sequence(lambda n: f"Statement {n}: I agree with this.")
    allow_comment = False

    class Meta:
        model = SurveyItem


def make_survey(*, items: int = 3, comment_on: tuple[int, ...] = (), **kwargs) -> Survey:
    """A published survey with `items` statements; those at indexes `comment_on` take comments."""
    survey = SurveyFactory(**kwargs)
    for i in range(items):
        SurveyItemFactory(survey=survey, sort_order=i, allow_comment=i in comment_on)
    return survey


def branching_scenario_value(title: str = "The box cutter on Alder Court") -> dict:
    """A sound branching scenario in the curriculum files' shape: arrival has two choices,
    `talk` and `wait`; `talk` leads to `calm` (an ending) or `deeper`; `wait` and `deeper`
    each lead to `calm` or `tense` (endings). Two decisions on most paths, three on one."""

    def decision(step_id, *targets):
        return {
            "id": step_id,
            "situation": f"<p>The situation at {step_id}.</p>",
            "choices": [
                {
                    "text": f"Go to {t} from {step_id}",
                    "consequence": f"So it comes to {t}.",
                    "next": t,
                }
                for t in targets
            ],
        }

    def ending(step_id, rating):
        return {
            "id": step_id,
            "situation": f"<p>It ends {step_id}.</p>",
            "outcome": {
                "rating": rating,
                "went_well": f"Went well at {step_id}.",
                "to_improve": f"To improve at {step_id}.",
            },
        }

    return {
        "title": title,
        "setting": "<p>Dispatch: a man with a box cutter outside the pharmacy.</p>",
        "steps": [
            decision("arrival", "talk", "wait"),
            decision("talk", "calm", "deeper"),
            decision("wait", "calm", "tense"),
            decision("deeper", "calm", "tense"),
            ending("calm", "good"),
            ending("tense", "poor"),
        ],
    }


def add_branching_scenario(lesson: LessonPage, **kwargs) -> str:
    """Append a branching scenario to the live lesson's body; returns its block id."""
    body = [
        {"type": b.block_type, "value": b.block.get_prep_value(b.value), "id": b.id}
        for b in lesson.body
    ]
    body.append({"type": "branching_scenario", "value": branching_scenario_value(**kwargs)})
    lesson.body = body
    lesson.save()
    lesson.refresh_from_db()
    return lesson.body[-1].id
