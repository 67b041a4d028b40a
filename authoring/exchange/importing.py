"""Import, second step: a checked document written in one transaction, files last."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from wagtail import blocks
from wagtail.documents import get_document_model
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Page, Site
from wagtail.utils.file import hash_filelike

from assessments.models import Choice, Question, Quiz
from authoring.exchange.checking import MediaFile, Plan, check_document
from authoring.exchange.format import (
    ExchangeError,
    first_block_error,
    map_raw,
    survey_model,
)
from authoring.site import ensure_home_page
from courses.models import CurriculumPage, HomePage, LessonPage, ModulePage
from lms.audit import Action, record_event


def _media_row(model, item: MediaFile, **extra) -> tuple[models.Model, bytes]:
    """A row whose file name is provisional: the bytes are stored by `_store_files`."""
    name = model._meta.get_field("file").generate_filename(model(), item.filename)
    row = model(
        title=item.title,
        file=name,
        file_size=len(item.data),
        file_hash=hash_filelike(ContentFile(item.data)),
        **extra,
    )
    row.save()
    return row, item.data


def _store_files(rows: list[tuple[models.Model, bytes]]) -> None:
    """Write the files of new media rows; on failure remove those already written."""
    written = []
    try:
        for row, data in rows:
            storage = row.file.storage
            max_length = row._meta.get_field("file").max_length
            name = storage.save(row.file.name, ContentFile(data), max_length=max_length)
            written.append((storage, name))
            if name != row.file.name:
                type(row).objects.filter(pk=row.pk).update(file=name)
    except Exception:
        for storage, name in written:
            storage.delete(name)
        raise


def _create_quiz(quiz: dict, actor, lessons: dict[str, LessonPage]) -> Quiz:
    """The quiz and its pool; `lessons` maps the module's lesson slugs to their new pages."""
    row = Quiz.objects.create(**quiz["fields"])
    for question in quiz["questions"]:
        saved = Question.objects.create(
            quiz=row, lesson=lessons.get(question["lesson_slug"]), **question["fields"]
        )
        for choice in question["choices"]:
            Choice.objects.create(question=saved, **choice)
    row.save_revision(user=actor).publish(user=actor)  # attempts name the revision served
    return row


def _create_survey(survey: dict, actor):
    model = survey_model()
    item_model = model._meta.get_field("items").related_model
    row = model.objects.create(**survey["fields"])
    for item in survey["items"]:
        item_model.objects.create(survey=row, **item)
    row.save_revision(user=actor).publish(user=actor)
    return row


def _add_child(parent: Page, page: Page, where: str) -> Page:
    try:
        return parent.add_child(instance=page)
    except ValidationError as error:
        raise ExchangeError(" ".join(error.messages), where=where) from None


def _write(plan: Plan, home: HomePage, actor) -> CurriculumPage:
    home = HomePage.objects.get(pk=home.pk)  # fresh tree counters for add_child
    image_model, document_model = get_image_model(), get_document_model()
    images = {
        ref: _media_row(
            image_model, item, width=item.width, height=item.height, description=item.alt
        )
        for ref, item in plan.images.items()
    }
    documents = {ref: _media_row(document_model, item) for ref, item in plan.documents.items()}

    def by_id(block: blocks.Block, value: Any, where: str) -> Any:
        if value is not None and isinstance(block, ImageChooserBlock):
            return images[value][0].pk
        if value is not None and isinstance(block, DocumentChooserBlock):
            return documents[value][0].pk
        return value

    body_block = LessonPage.body.field.stream_block
    bodies = {}
    for module in plan.modules:
        for lesson in module.lessons:
            where = f"{lesson.where}.body"
            raw = map_raw(body_block, lesson.body, by_id, where)
            try:
                bodies[id(lesson)] = body_block.clean(body_block.to_python(raw))
            except ValidationError as error:
                raise first_block_error(error, where) from None

    extra = {}
    if plan.survey:
        extra["survey"] = _create_survey(plan.survey, actor)
    curriculum = _add_child(home, CurriculumPage(**plan.curriculum, **extra), "curriculum")
    for m_index, module in enumerate(plan.modules):
        page = _add_child(curriculum, ModulePage(**module.fields), f"modules[{m_index}]")
        lessons = {}
        for lesson in module.lessons:
            lessons[lesson.fields["slug"]] = _add_child(
                page, LessonPage(**lesson.fields, body=bodies[id(lesson)]), lesson.where
            )
        if module.quiz:  # after the lessons, so its questions can name them
            page.quiz = _create_quiz(module.quiz, actor, lessons)
            page.save(update_fields=["quiz"])
    record_event(
        action=Action.CURRICULUM_IMPORTED,
        actor=actor,
        obj=curriculum,
        data={
            "slug": curriculum.slug,
            "modules": len(plan.modules),
            "lessons": sum(len(m.lessons) for m in plan.modules),
            "images": len(images),
            "documents": len(documents),
        },
    )
    _store_files([*images.values(), *documents.values()])
    return curriculum


@transaction.atomic
def import_curriculum(data: dict, *, home: HomePage, actor=None) -> CurriculumPage:
    """Create the curriculum of an exported document below `home`, all of it or nothing.

    The pages, quizzes and survey are published at once (an import is a coordinator's act,
    not an authoring draft); images and documents are created anew, never matched.
    """
    return _write(check_document(data, home=home), home, actor)


def default_home() -> HomePage:
    """The default site's home page, or the only home page there is; on a database that has
    none yet (freshly migrated), a new one. Call it inside the import's transaction."""
    site = Site.objects.filter(is_default_site=True).first()
    home = site and HomePage.objects.filter(pk=site.root_page_id).first()
    if home:
        return home
    homes = list(HomePage.objects.all()[:2])
    if not homes:
        return ensure_home_page()
    if len(homes) != 1:
        raise ExchangeError("Choose the home page to import into.")
    return homes[0]
