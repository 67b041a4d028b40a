"""Export: a curriculum's live pages, quizzes, survey and media as one JSON-ready document."""

import base64
import os
from typing import Any

from django.utils import timezone
from wagtail import blocks
from wagtail.documents import get_document_model
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageChooserBlock
from wagtail.rich_text import expand_db_html

from assessments.models import Quiz
from authoring.exchange.format import (
    FORMAT,
    QUIZ_FIELDS,
    VERSION,
    ExchangeError,
    map_raw,
    survey_model,
    survey_settings,
)
from courses.models import CurriculumPage, LessonPage, ModulePage


class _MediaExport:
    """Images and documents met while walking lesson bodies, each embedded once."""

    def __init__(self):
        self.images: dict[int, dict] = {}
        self.documents: dict[int, dict] = {}

    def leaf(self, block: blocks.Block, raw: Any, where: str) -> Any:
        if isinstance(block, ImageChooserBlock):
            return self._ref(self.images, get_image_model(), "image", raw, where)
        if isinstance(block, DocumentChooserBlock):
            return self._ref(self.documents, get_document_model(), "document", raw, where)
        if isinstance(block, blocks.ChooserBlock):
            raise ExchangeError(f"cannot export a {type(block).__name__}", where=where)
        if isinstance(block, blocks.RichTextBlock):
            return expand_db_html(raw or "")  # page links become plain links
        return raw

    def _ref(self, found: dict, model, kind: str, pk: Any, where: str) -> str | None:
        if pk is None:
            return None
        if pk not in found:
            obj = model.objects.filter(pk=pk).first()
            if obj is None:
                raise ExchangeError(f"{kind} {pk} no longer exists", where=where)
            try:
                with obj.open_file() as file:
                    data = file.read()
            except OSError as error:
                raise ExchangeError(f"the file of {kind} {pk} cannot be read ({error})") from None
            entry = {
                "ref": f"{kind}-{obj.pk}",
                "title": obj.title,
                "filename": os.path.basename(obj.file.name),
                "data": base64.b64encode(data).decode("ascii"),
            }
            if kind == "image":
                entry["alt"] = getattr(obj, "description", "")
            found[pk] = entry
        return found[pk]["ref"]


def _export_quiz(quiz: Quiz, lesson_slugs: dict[int, str]) -> dict:
    """The quiz and its pool; a question's lesson by its slug among `lesson_slugs` (the
    module's live lessons), or None."""
    questions = quiz.questions.order_by("sort_order", "pk").prefetch_related("choices")
    return {
        **{name: getattr(quiz, name) for name in QUIZ_FIELDS},
        "questions": [
            {
                "kind": question.kind,
                "lesson": lesson_slugs.get(question.lesson_id),
                "level": question.level,
                "prompt": question.prompt,
                "explanation": question.explanation,
                "sort_order": question.sort_order,
                "choices": [
                    {
                        "text": c.text,
                        "is_correct": c.is_correct,
                        "feedback": c.feedback,
                        "sort_order": c.sort_order,
                    }
                    for c in sorted(question.choices.all(), key=lambda c: (c.sort_order, c.pk))
                ],
            }
            for question in questions
        ],
    }


def export_sources(module: ModulePage) -> list[dict]:
    """The module's sources, each {citation, url, cited_as} (empty strings when not given)."""
    return [
        {
            "citation": source.value["citation"],
            "url": source.value["url"] or "",
            "cited_as": source.value["cited_as"] or "",
        }
        for source in module.sources
    ]


def export_job_aid(module: ModulePage) -> dict | None:
    """The module's job aid as {title, intro, sections: [{heading, items}]}, or None."""
    if not module.job_aid_title:
        return None
    return {
        "title": module.job_aid_title,
        "intro": module.job_aid_intro,
        "sections": [
            {"heading": section.value["heading"], "items": list(section.value["items"])}
            for section in module.job_aid_sections
        ],
    }


def _export_survey(survey) -> dict:
    return {
        "title": survey.title,
        "intro": survey.intro,
        "items": [
            {
                "statement": i.statement,
                "allow_comment": i.allow_comment,
                "reversed": i.reversed,
                "sort_order": i.sort_order,
            }
            for i in survey.items.order_by("sort_order", "pk")
        ],
    }


def export_curriculum(curriculum: CurriculumPage) -> dict:
    """The curriculum's live pages, quizzes, survey and media as one JSON-ready document."""
    if not curriculum.live:
        raise ExchangeError(f"“{curriculum.title}” is not live; only live curricula are exported.")
    media = _MediaExport()
    body_block = LessonPage.body.field.stream_block
    modules = []
    live_modules = ModulePage.objects.live().child_of(curriculum).select_related("quiz")
    for m_index, module in enumerate(live_modules.order_by("number", "path")):
        lessons = []
        live_lessons = list(LessonPage.objects.live().child_of(module).order_by("path"))
        for l_index, lesson in enumerate(live_lessons):
            where = f"modules[{m_index}].lessons[{l_index}].body"
            lessons.append(
                {
                    "slug": lesson.slug,
                    "title": lesson.title,
                    "summary": lesson.summary,
                    "minutes": lesson.minutes,
                    "body": map_raw(body_block, list(lesson.body.raw_data), media.leaf, where),
                }
            )
        modules.append(
            {
                "number": module.number,
                "slug": module.slug,
                "title": module.title,
                "summary": module.summary,
                "objectives": [item["value"] for item in module.objectives.raw_data],
                "minutes": module.minutes,
                "credit_hours": str(module.credit_hours),
                "quiz": _export_quiz(module.quiz, {lsn.pk: lsn.slug for lsn in live_lessons})
                if module.quiz
                else None,
                "lessons": lessons,
                "sources": export_sources(module),
                "job_aid": export_job_aid(module),
            }
        )
    survey = getattr(curriculum, "survey", None) if survey_model() else None
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "curriculum": {
            "title": curriculum.title,
            "slug": curriculum.slug,
            "summary": curriculum.summary,
            "intro": expand_db_html(curriculum.intro or ""),
            **{name: getattr(curriculum, name) for name in survey_settings()},
        },
        "survey": _export_survey(survey) if survey else None,
        "modules": modules,
        "images": list(media.images.values()),
        "documents": list(media.documents.values()),
    }
