"""Import, first step: the whole document checked, nothing written. Errors name the place.

Each image, document, module, lesson, quiz question and the survey is checked on its own and
every problem found is kept, so one ExchangeError lists them all (within one of those parts,
checking stops at its first problem).
"""

import base64
import binascii
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import FileExtensionValidator
from django.db import models
from wagtail import blocks
from wagtail.documents import get_document_model
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageChooserBlock
from wagtail.images.fields import WagtailImageField
from wagtail.models import Page

from assessments.models import Choice, Question, Quiz, validate_question_choices
from authoring.exchange.format import (
    FORMAT,
    MAX_FILE_BYTES,
    QUIZ_FIELDS,
    VERSION,
    ExchangeError,
    first_block_error,
    map_raw,
    survey_model,
    survey_settings,
)
from courses.models import CurriculumPage, HomePage, LessonPage, ModulePage
from lms.errors import ErrorCode
from lms.json_input import JsonInputError, integer_limits, integer_problem, load_json
from lms.sanitize import clean_html, clean_text

SORT_ORDERS = integer_limits(Question._meta.get_field("sort_order"))


@dataclass
class MediaFile:
    ref: str
    title: str
    filename: str
    data: bytes
    alt: str = ""
    width: int = 0
    height: int = 0


@dataclass
class LessonPlan:
    fields: dict
    body: list  # raw StreamField data, images and documents still by reference
    where: str  # the lesson's place in the document: "modules[0].lessons[2]"


@dataclass
class ModulePlan:
    fields: dict
    quiz: dict | None
    lessons: list[LessonPlan] = field(default_factory=list)


@dataclass
class Plan:
    curriculum: dict
    survey: dict | None
    modules: list[ModulePlan]
    images: dict[str, MediaFile]
    documents: dict[str, MediaFile]


class _Problems:
    """Checks run one after another, each one's problem kept instead of ending the check."""

    def __init__(self):
        self.errors: list[ExchangeError] = []

    def check(self, function, *args, **kwargs):
        """`function(*args, **kwargs)`, or None when it raised ExchangeError (kept)."""
        try:
            return function(*args, **kwargs)
        except ExchangeError as error:
            self.errors.append(error)
            return None


def _json_type_ok(model_field: models.Field, value: Any) -> bool:
    if value is None:
        return True  # the field says whether it may be empty
    if isinstance(model_field, models.BooleanField):
        return isinstance(value, bool)
    if isinstance(model_field, models.DecimalField):
        return isinstance(value, str | int | float) and not isinstance(value, bool)
    if isinstance(model_field, models.IntegerField):
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


def _object(data: Any, where: str) -> dict:
    if not isinstance(data, dict):
        raise ExchangeError("expected an object", where=where)
    return data


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _list(data: dict, key: str, where: str, *, required: bool = True) -> list:
    if key not in data and not required:
        return []
    value = data.get(key)
    if not isinstance(value, list):
        raise ExchangeError("expected a list" if key in data else "missing", where=_at(where, key))
    return value


def _fields(model, data: dict, names, where: str, *, optional=()) -> dict:
    """Values for `names`, each cleaned by the model field itself (type, length, range)."""
    values = {}
    for name in names:
        here = _at(where, name)
        if name not in data:
            if name in optional:
                continue
            raise ExchangeError("missing", where=here)
        model_field = model._meta.get_field(name)
        if not _json_type_ok(model_field, data[name]):
            raise ExchangeError(f"unexpected value {data[name]!r}", where=here)
        limits = integer_limits(model_field)
        if limits and data[name] is not None and (problem := integer_problem(data[name], limits)):
            raise ExchangeError(problem, where=here)
        try:
            values[name] = model_field.clean(data[name], None)
        except ValidationError as error:
            raise ExchangeError(" ".join(error.messages), where=here) from None
    return values


def _unique(values: list, place: Callable[[int], str]) -> None:
    """Each value once; a repeat is reported where it repeats, naming the first use."""
    first: dict = {}
    for index, value in enumerate(values):
        if value in first:
            raise ExchangeError(
                f"{value!r} is already used by {place(first[value])}", where=place(index)
            )
        first[value] = index


def _decode(entry: dict, where: str) -> bytes:
    if not isinstance(entry.get("data"), str):
        raise ExchangeError(
            "missing" if "data" not in entry else "expected text", where=f"{where}.data"
        )
    try:
        return base64.b64decode(entry["data"], validate=True)
    except (binascii.Error, ValueError):
        raise ExchangeError("not valid base64", where=f"{where}.data") from None


def _filename(entry: dict, where: str) -> str:
    name = entry.get("filename")
    name = os.path.basename(name.replace("\\", "/")) if isinstance(name, str) else ""
    if not name.strip(". "):
        raise ExchangeError("expected a file name", where=f"{where}.filename")
    return name


def _media_entry(entry: Any, index: int, model, kind: str, refs: dict):
    """What image and document entries share, checked: a reference used once (kept in
    `refs`, so lesson bodies may name it even when the entry has a problem), a title that
    fits the model, a file name and decodable bytes."""
    where = f"{kind}[{index}]"
    entry = _object(entry, where)
    ref = entry.get("ref")
    if not isinstance(ref, str) or not ref or ref in refs:
        raise ExchangeError("expected a reference used once", where=f"{where}.ref")
    refs[ref] = None
    title = _fields(model, entry, ["title"], where)["title"]
    return where, entry, ref, title, _filename(entry, where), _decode(entry, where)


def _check_image(entry: Any, index: int, refs: dict) -> None:
    where, entry, ref, title, filename, data = _media_entry(
        entry, index, get_image_model(), "images", refs
    )
    alt = entry.get("alt") or ""
    if not isinstance(alt, str) or len(alt) > 255:
        raise ExchangeError("expected text of at most 255 characters", where=f"{where}.alt")
    try:
        checked = WagtailImageField().clean(SimpleUploadedFile(filename, data))
    except ValidationError as error:
        raise ExchangeError(" ".join(error.messages), where=f"{where}.data") from None
    width, height = checked.image.get_size()
    refs[ref] = MediaFile(ref, title, filename, data, alt=alt, width=width, height=height)


def _check_document(entry: Any, index: int, refs: dict) -> None:
    extensions = getattr(settings, "WAGTAILDOCS_EXTENSIONS", None)
    max_bytes = getattr(settings, "WAGTAILDOCS_MAX_UPLOAD_SIZE", None)
    where, _entry, ref, title, filename, data = _media_entry(
        entry, index, get_document_model(), "documents", refs
    )
    if extensions:
        try:
            FileExtensionValidator(extensions)(SimpleUploadedFile(filename, b""))
        except ValidationError as error:
            raise ExchangeError(" ".join(error.messages), where=f"{where}.filename") from None
    if max_bytes and len(data) > max_bytes:
        raise ExchangeError(f"larger than {max_bytes} bytes", where=f"{where}.data")
    refs[ref] = MediaFile(ref, title, filename, data)


def _check_media(entries: list, check, problems: _Problems) -> dict[str, MediaFile | None]:
    """Entries by reference; None for an entry with a problem (reported in `problems`)."""
    refs: dict[str, MediaFile | None] = {}
    for index, entry in enumerate(entries):
        problems.check(check, entry, index, refs)
    return refs


def _check_body(raw: Any, where: str, images: dict, documents: dict) -> list:
    """Shape, block types and media references of a lesson body; rich text sanitised."""

    def leaf(block: blocks.Block, value: Any, here: str) -> Any:
        for chooser, refs, kind in (
            (ImageChooserBlock, images, "image"),
            (DocumentChooserBlock, documents, "document"),
        ):
            if isinstance(block, chooser):
                if value is not None and (not isinstance(value, str) or value not in refs):
                    raise ExchangeError(f"unknown {kind} reference {value!r}", where=here)
                return value
        if isinstance(block, blocks.ChooserBlock):
            raise ExchangeError(f"a {type(block).__name__} cannot be imported", where=here)
        if isinstance(block, blocks.RichTextBlock):
            if value is not None and not isinstance(value, str):
                raise ExchangeError("expected HTML text", where=here)
            return clean_html(value)
        return value

    return map_raw(LessonPage.body.field.stream_block, raw, leaf, where)


def _check_quiz(data: dict, where: str, problems: _Problems, slugs: set) -> dict | None:
    """The quiz; `slugs` are the module's lesson slugs, which its questions' `lesson` names."""
    optional = set(QUIZ_FIELDS) - {"title", "pass_mark", "max_attempts"}
    fields_ = problems.check(_fields, Quiz, data, QUIZ_FIELDS, where, optional=optional)
    questions = _list(data, "questions", where)
    if not questions:
        raise ExchangeError("a quiz needs at least one question", where=f"{where}.questions")
    checked = [
        problems.check(_check_question, question, f"{where}.questions[{q_index}]", q_index, slugs)
        for q_index, question in enumerate(questions)
    ]
    if fields_ is None or None in checked:
        return None
    per_attempt = fields_.get("questions_per_attempt")
    if per_attempt and per_attempt > len(questions):
        raise ExchangeError(
            f"the pool has only {len(questions)} questions", where=f"{where}.questions_per_attempt"
        )
    return {"fields": fields_, "questions": checked}


def _check_question(question: Any, here: str, q_index: int, slugs: set) -> dict:
    """A question; its `lesson` (a slug of the module's lessons, or null: documents from
    before questions named one) is kept as `lesson_slug` for the writer to resolve."""
    question = _object(question, here)
    values = _fields(
        Question, question, ["kind", "level", "prompt", "explanation"], here, optional={"level"}
    )
    values["prompt"] = clean_html(values["prompt"])
    values["explanation"] = clean_html(values["explanation"])
    values["sort_order"] = _sort_order(question, q_index, here)
    lesson = question.get("lesson")
    if lesson is not None and (not isinstance(lesson, str) or lesson not in slugs):
        raise ExchangeError(f"{lesson!r} is not a lesson of this module", where=f"{here}.lesson")
    choices = []
    for c_index, choice in enumerate(_list(question, "choices", here)):
        there = f"{here}.choices[{c_index}]"
        values_ = _fields(
            Choice,
            _object(choice, there),
            ["text", "is_correct", "feedback"],
            there,
            optional={"feedback"},
        )
        if "feedback" in values_:
            values_["feedback"] = clean_text(values_["feedback"])
        choices.append({**values_, "sort_order": _sort_order(choice, c_index, there)})
    try:
        validate_question_choices(
            values["kind"], [c["is_correct"] for c in choices], [c["text"] for c in choices]
        )
    except ValidationError as error:
        raise ExchangeError(" ".join(error.messages), where=f"{here}.choices") from None
    return {"fields": values, "lesson_slug": lesson, "choices": choices}


def _sort_order(data: dict, default: int, where: str) -> int:
    value = data.get("sort_order", default)
    if problem := integer_problem(value, SORT_ORDERS):
        raise ExchangeError(problem, where=f"{where}.sort_order")
    return value


def _check_survey(data: Any) -> dict | None:
    if data is None:
        return None
    model = survey_model()
    if model is None:
        raise ExchangeError("this site has no perception surveys", where="survey")
    data = _object(data, "survey")
    item_model = model._meta.get_field("items").related_model
    items = _list(data, "items", "survey")
    if not items:
        raise ExchangeError("a survey needs at least one statement", where="survey.items")
    return {
        "fields": _fields(model, data, ["title", "intro"], "survey", optional={"intro"}),
        "items": [
            {
                **_fields(
                    item_model,
                    _object(item, f"survey.items[{i}]"),
                    ["statement", "allow_comment", "reversed"],
                    f"survey.items[{i}]",
                    optional={"allow_comment", "reversed"},
                ),
                "sort_order": _sort_order(item, i, f"survey.items[{i}]"),
            }
            for i, item in enumerate(items)
        ],
    }


def _check_module(
    data: Any, where: str, images: dict, documents: dict, problems: _Problems
) -> ModulePlan | None:
    """The module, or None when any part of it has a problem (each kept in `problems`)."""
    data = _object(data, where)
    names = ["number", "slug", "title", "summary", "minutes", "credit_hours"]
    values = problems.check(_fields, ModulePage, data, names, where)
    objectives = problems.check(_check_objectives, data, where)
    sources = problems.check(_check_sources, data, where)
    job_aid = problems.check(_check_job_aid, data, where)
    if "quiz" in data and data["quiz"] is not None:
        raw_lessons = data.get("lessons") if isinstance(data.get("lessons"), list) else []
        slugs = {lsn.get("slug") for lsn in raw_lessons if isinstance(lsn, dict)}
        quiz = problems.check(
            lambda: _check_quiz(
                _object(data["quiz"], f"{where}.quiz"), f"{where}.quiz", problems, slugs
            )
        )
        quiz_ok = quiz is not None
    else:
        quiz, quiz_ok = None, True
    lessons = [
        problems.check(_check_lesson, lesson, f"{where}.lessons[{index}]", images, documents)
        for index, lesson in enumerate(_list(data, "lessons", where))
    ]
    if None in (values, objectives, sources, job_aid) or not quiz_ok or None in lessons:
        return None
    values["objectives"] = objectives
    values["sources"] = sources
    values.update(job_aid)
    _unique([lesson.fields["slug"] for lesson in lessons], lambda i: f"{where}.lessons[{i}].slug")
    return ModulePlan(fields=values, quiz=quiz, lessons=lessons)


def _check_objectives(data: dict, where: str):
    objectives = _list(data, "objectives", where, required=False)
    for index, objective in enumerate(objectives):
        if not isinstance(objective, str):
            raise ExchangeError("expected text", where=f"{where}.objectives[{index}]")
    raw_objectives = [{"type": "objective", "value": o} for o in objectives]
    objectives_block = ModulePage.objectives.field.stream_block
    try:
        return objectives_block.clean(objectives_block.to_python(raw_objectives))
    except ValidationError as error:
        raise first_block_error(error, f"{where}.objectives") from None


def _stream(field_name: str, raw: list, where: str):
    """`raw` cleaned by the module's StreamField `field_name` (its blocks' own rules)."""
    stream_block = ModulePage._meta.get_field(field_name).stream_block
    try:
        return stream_block.clean(stream_block.to_python(raw))
    except ValidationError as error:
        raise first_block_error(error, where) from None


def _check_sources(data: dict, where: str):
    """The optional `sources`: a list of {citation, url?, cited_as?}."""
    here = f"{where}.sources"
    sources = _list(data, "sources", where, required=False)
    for index, source in enumerate(sources):
        source = _object(source, f"{here}[{index}]")
        if unknown := sorted(set(source) - {"citation", "url", "cited_as"}):
            raise ExchangeError(f"unknown field {unknown[0]!r}", where=f"{here}[{index}]")
        for key, value in source.items():
            if not isinstance(value, str):
                raise ExchangeError("expected text", where=f"{here}[{index}].{key}")
    raw = [{"type": "source", "value": source} for source in sources]
    return _stream("sources", raw, here)


def _plain(block: blocks.Block, value: Any, where: str) -> Any:
    return value


def _check_job_aid(data: dict, where: str) -> dict:
    """The optional `job_aid` ({title, intro?, sections: [{heading, items}]}) as the module's
    job_aid_* fields; null or absent: no job aid."""
    here = f"{where}.job_aid"
    aid = data.get("job_aid")
    if aid is None:
        return {}
    aid = _object(aid, here)
    if unknown := sorted(set(aid) - {"title", "intro", "sections"}):
        raise ExchangeError(f"unknown field {unknown[0]!r}", where=here)
    fields_ = {}
    for key, name in (("title", "job_aid_title"), ("intro", "job_aid_intro")):
        value = aid.get(key) or ""
        limit = ModulePage._meta.get_field(name).max_length
        if not isinstance(value, str) or (limit and len(value) > limit):
            raise ExchangeError(
                f"expected text of at most {limit} characters", where=f"{here}.{key}"
            )
        fields_[name] = value.strip()
    if not fields_["job_aid_title"]:
        raise ExchangeError("a job aid needs a title", where=f"{here}.title")
    sections = _list(aid, "sections", here)
    raw = [{"type": "section", "value": section} for section in sections]
    map_raw(ModulePage.job_aid_sections.field.stream_block, raw, _plain, f"{here}.sections")
    fields_["job_aid_sections"] = _stream("job_aid_sections", raw, f"{here}.sections")
    return fields_


def _check_lesson(lesson: Any, here: str, images: dict, documents: dict) -> LessonPlan:
    lesson = _object(lesson, here)
    fields_ = _fields(
        LessonPage, lesson, ["slug", "title", "summary", "minutes"], here, optional={"minutes"}
    )
    if "body" not in lesson:
        raise ExchangeError("missing", where=f"{here}.body")
    body = _check_body(lesson["body"], f"{here}.body", images, documents)
    return LessonPlan(fields=fields_, body=body, where=here)


def check_document(data: Any, *, home: HomePage) -> Plan:
    """Everything the import will write, checked; raises ExchangeError listing every problem
    found (a wrong format or version alone, since nothing else can be read then)."""
    if not isinstance(data, dict):
        raise ExchangeError("The file does not hold a JSON object.")
    if data.get("format") != FORMAT:
        raise ExchangeError(f"not a curriculum export (format is {data.get('format')!r})")
    if data.get("version") != VERSION:
        raise ExchangeError(
            f"version {data.get('version')!r} is not supported (this site reads version {VERSION})"
        )
    problems = _Problems()
    images = _check_media(
        problems.check(_list, data, "images", "", required=False) or [], _check_image, problems
    )
    documents = _check_media(
        problems.check(_list, data, "documents", "", required=False) or [],
        _check_document,
        problems,
    )
    curriculum = problems.check(_check_curriculum, data)
    modules = [
        problems.check(_check_module, module, f"modules[{index}]", images, documents, problems)
        for index, module in enumerate(problems.check(_list, data, "modules", "") or [])
    ]
    survey = problems.check(_check_survey, data.get("survey"))
    if not problems.errors:
        problems.check(_unique, [m.fields["number"] for m in modules], _module_place("number"))
        problems.check(_unique, [m.fields["slug"] for m in modules], _module_place("slug"))
    if problems.errors:
        raise ExchangeError.several(problems.errors)
    if Page.objects.child_of(home).filter(slug=curriculum["slug"]).exists():
        raise ExchangeError(
            f"“{home.title}” already has a page with the slug “{curriculum['slug']}”; "
            "delete or rename it first (imports never merge)",
            where="curriculum.slug",
            code=ErrorCode.CONFLICT,
        )
    return Plan(curriculum, survey, modules, images, documents)


def _module_place(name: str) -> Callable[[int], str]:
    return lambda index: f"modules[{index}].{name}"


def _check_curriculum(data: dict) -> dict:
    info = _object(data.get("curriculum"), "curriculum")
    settings_names = survey_settings()
    curriculum = _fields(
        CurriculumPage,
        info,
        ["title", "slug", "summary", "intro", *settings_names],
        "curriculum",
        optional={"intro", *settings_names},
    )
    curriculum["intro"] = clean_html(curriculum.get("intro", ""))
    return curriculum


def parse_document(raw: bytes | str) -> dict:
    """The JSON document from an uploaded or read file."""
    if len(raw) > MAX_FILE_BYTES:
        raise ExchangeError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    try:
        data = load_json(raw)
    except JsonInputError as error:
        raise ExchangeError(f"The file is {error}.") from None
    if not isinstance(data, dict):
        raise ExchangeError("The file does not hold a JSON object.")
    return data
