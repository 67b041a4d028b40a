"""Curriculum exchange: export to JSON and import back, the commands and the admin pages."""

import copy
import io
import json
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from assessments.models import Quiz
from authoring import exchange
from authoring.exchange import (
    ExchangeError,
    export_curriculum,
    import_curriculum,
    parse_document,
)
from authoring.permissions import user_can_exchange_curricula
from authoring.wagtail_hooks import curriculum_listing_export_button
from courses.models import CurriculumPage, HomePage, LessonPage, ModulePage
from lms.audit import Action
from lms.errors import ErrorCode
from lms.models import AuditEvent
from tests.factories import (
    AssignmentFactory,
    UserFactory,
    branching_scenario_value,
    make_curriculum,
)

Image = get_image_model()
Document = get_document_model()
NEW_SLUG = "imported-copy"


def png_bytes(size=(4, 3), colour=(200, 30, 30)) -> bytes:
    buffer = BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def counts() -> dict[str, int]:
    return {
        "pages": Page.objects.count(),
        "quizzes": Quiz.objects.count(),
        "images": Image.objects.count(),
        "documents": Document.objects.count(),
    }


def stored_documents() -> set[str]:
    return (
        set(default_storage.listdir("documents")[1])
        if default_storage.exists("documents")
        else set()
    )


SOURCES = [
    {
        "citation": "Tyler, Tom R. Why People Obey the Law. Yale University Press, 1990.",
        "url": "",
        "cited_as": "Tyler, 1990",
    },
    {
        "citation": "Goldstein, Herman. Problem-Oriented Policing. New York: McGraw-Hill, 1990.",
        "url": "https://popcenter.asu.edu/",
        "cited_as": "",
    },
]
JOB_AID = [
    {"heading": "Before", "items": ["Greet first.", "Say why you are there."]},
    {"heading": "After", "items": ["Thank them."]},
]


def roundtrip_json(data: dict) -> dict:
    return json.loads(json.dumps(data))


@pytest.fixture
def media_curriculum(home):
    """A curriculum whose first lesson shows an image, a document and a captioned video, and
    (when the site has surveys) with a perception survey."""
    bundle = make_curriculum(home, modules=2, lessons=2)
    image = Image.objects.create(
        title="Radio handset",
        file=ImageFile(BytesIO(png_bytes()), name="radio.png"),
        description="A black radio handset on a desk",
    )
    policy = Document.objects.create(
        title="Use of force policy", file=ContentFile(b"%PDF-1.4 policy", name="policy.pdf")
    )
    clip = Document.objects.create(title="Clip", file=ContentFile(b"\x00mp4", name="clip.mp4"))
    captions = Document.objects.create(
        title="Clip captions", file=ContentFile(b"WEBVTT\n\n", name="clip.vtt")
    )
    module = bundle.modules[0].page
    module.objectives = [
        {"type": "objective", "value": "Open every contact with a greeting."},
        {"type": "objective", "value": "Listen before acting."},
    ]
    module.sources = [{"type": "source", "value": source} for source in SOURCES]
    module.job_aid_title, module.job_aid_intro = "Contact checklist", "Before any contact."
    module.job_aid_sections = [{"type": "section", "value": section} for section in JOB_AID]
    module.save()
    bundle.page.intro = '<p>Why <a href="https://example.org/trust">trust</a> matters.</p>'
    bundle.page.save()
    lesson = bundle.modules[0].lessons[0]
    lesson.body = [
        {"type": "rich_text", "value": "<p>Greet people <strong>first</strong>.</p>"},
        {
            "type": "callout",
            "value": {"tone": "tip", "title": "Listen", "text": "<p>Listen before acting.</p>"},
        },
        {
            "type": "image",
            "value": {"image": image.pk, "alt_text": "Radio on a desk", "caption": "The radio"},
        },
        {"type": "document", "value": {"document": policy.pk, "description": "Read it."}},
        {
            "type": "video",
            "value": {
                "title": "Foot patrol",
                "video": clip.pk,
                "captions": captions.pk,
                "transcript": "<p>An officer walks the beat.</p>",
            },
        },
        {"type": "key_takeaways", "value": {"items": ["Greet first", "Listen"]}},
        {"type": "branching_scenario", "value": branching_scenario_value()},
    ]
    lesson.save()
    survey_model = exchange.survey_model()
    if survey_model is not None:
        item_model = survey_model._meta.get_field("items").related_model
        survey = survey_model.objects.create(title="Community trust", intro="Two minutes.")
        for order, text in enumerate(["I trust officers.", "Officers listen.", "I feel safe."]):
            item_model.objects.create(
                survey=survey, statement=text, allow_comment=order == 2, sort_order=order
            )
        page = bundle.page
        page.survey, page.pre_survey_before_module, page.post_survey_after_module = survey, 1, 2
        page.save()
    return bundle


def _block_snapshot(block):
    value = block.value
    if block.block_type == "image":
        with value["image"].open_file() as file:
            data = file.read()
        return (
            "image",
            data,
            value["image"].title,
            value["image"].description,
            value["alt_text"],
            value["caption"],
        )
    if block.block_type == "document":
        document = value["document"]
        return ("document", document.title, document.file.read(), value["description"])
    if block.block_type == "video":
        return (
            "video",
            value["title"],
            value["video"].file.read(),
            value["captions"].file.read(),
            value["transcript"].source,
        )
    return block.render()


def snapshot(curriculum: CurriculumPage) -> dict:
    """What a curriculum says, independent of database ids."""
    curriculum.refresh_from_db()
    modules = []
    for module in ModulePage.objects.child_of(curriculum).order_by("number"):
        quiz = module.quiz
        modules.append(
            {
                "page": (module.number, module.slug, module.title, module.summary),
                "numbers": (module.minutes, module.credit_hours),
                "objectives": [str(block.value) for block in module.objectives],
                "sources": [dict(block.value) for block in module.sources],
                "job_aid": (
                    module.job_aid_title,
                    module.job_aid_intro,
                    [(s.value["heading"], list(s.value["items"])) for s in module.job_aid_sections],
                ),
                "quiz": quiz
                and {
                    "rules": [getattr(quiz, name) for name in exchange.QUIZ_FIELDS],
                    "live": quiz.live,
                    "questions": [
                        (
                            q.kind,
                            q.prompt,
                            q.explanation,
                            [(c.text, c.is_correct) for c in q.choices.order_by("sort_order")],
                        )
                        for q in quiz.questions.order_by("sort_order")
                    ],
                },
                "lessons": [
                    {
                        "page": (lesson.slug, lesson.title, lesson.summary, lesson.minutes),
                        "body": [_block_snapshot(block) for block in lesson.body],
                    }
                    for lesson in LessonPage.objects.child_of(module).order_by("path")
                ],
            }
        )
    survey = getattr(curriculum, "survey", None)
    return {
        "page": (curriculum.title, curriculum.slug, curriculum.summary, curriculum.intro),
        "survey": survey
        and {
            "title": survey.title,
            "intro": survey.intro,
            "settings": (curriculum.pre_survey_before_module, curriculum.post_survey_after_module),
            "items": list(
                survey.items.order_by("sort_order").values_list("statement", "allow_comment")
            ),
        },
        "modules": modules,
    }


def delete_everything_of(bundle) -> None:
    quizzes = [module.quiz for module in bundle.modules if module.quiz]
    survey = getattr(bundle.page, "survey", None)
    media = []
    for lesson in bundle.lessons:
        for block in lesson.body:
            if block.block_type == "image":
                media.append(block.value["image"])
            elif block.block_type == "document":
                media.append(block.value["document"])
            elif block.block_type == "video":
                media += [block.value["video"], block.value["captions"]]
    Page.objects.get(pk=bundle.page.pk).delete()
    for obj in [*quizzes, *media, *([survey] if survey else [])]:
        obj.delete()


# --- Round trip -------------------------------------------------------------------------------


def test_export_then_import_recreates_the_curriculum_with_its_quizzes_and_media(
    media_curriculum, home, agency_a, learner, client
):
    before = snapshot(media_curriculum.page)
    data = roundtrip_json(export_curriculum(media_curriculum.page))
    assert (data["format"], data["version"]) == ("common-ground-curriculum", 1)
    assert len(data["images"]) == 1 and len(data["documents"]) == 3
    assert (data["survey"] is None) == (exchange.survey_model() is None)
    assert data["modules"][0]["lessons"][0]["body"][2]["value"]["image"] == data["images"][0]["ref"]
    delete_everything_of(media_curriculum)
    emptied = counts()

    page = import_curriculum(data, home=home)

    assert page.get_parent().pk == home.pk
    assert snapshot(page) == before
    assert counts() == {
        "pages": emptied["pages"] + 1 + 2 + 4,
        "quizzes": emptied["quizzes"] + 2,
        "images": emptied["images"] + 1,
        "documents": emptied["documents"] + 3,
    }
    AssignmentFactory(curriculum=page, agency=agency_a)
    client.force_login(learner.user)
    lesson = LessonPage.objects.descendant_of(page).get(
        slug=data["modules"][0]["lessons"][0]["slug"]
    )
    response = client.get(lesson.url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Greet people <strong>first</strong>." in content
    assert 'alt="Radio on a desk"' in content
    module = ModulePage.objects.child_of(page).get(number=1)
    assert client.get(module.url).status_code == 200


def test_imported_quizzes_are_published_so_attempts_can_name_a_revision(curriculum, home):
    data = roundtrip_json(export_curriculum(curriculum.page))
    data["curriculum"]["slug"] = NEW_SLUG
    page = import_curriculum(data, home=home)
    for module in ModulePage.objects.child_of(page).select_related("quiz"):
        assert module.quiz.live and module.quiz.live_revision_id is not None
    assert all(p.live for p in Page.objects.descendant_of(page, inclusive=True))


def test_export_leaves_out_draft_pages(curriculum):
    lesson = curriculum.modules[1].lessons[1]
    lesson.unpublish()
    data = export_curriculum(CurriculumPage.objects.get(pk=curriculum.page.pk))
    slugs = [lesson["slug"] for lesson in data["modules"][1]["lessons"]]
    assert slugs == [curriculum.modules[1].lessons[0].slug]


def test_a_curriculum_that_is_not_live_is_not_exported(curriculum):
    curriculum.page.unpublish()
    with pytest.raises(ExchangeError, match="not live"):
        export_curriculum(CurriculumPage.objects.get(pk=curriculum.page.pk))


def test_export_names_the_block_whose_image_no_longer_exists(media_curriculum):
    lesson = LessonPage.objects.get(pk=media_curriculum.modules[0].lessons[0].pk)
    lesson.body[2].value["image"].delete()
    with pytest.raises(ExchangeError, match=r"modules\[0\]\.lessons\[0\]\.body\[2\]\.image: image"):
        export_curriculum(CurriculumPage.objects.get(pk=media_curriculum.page.pk))


def test_import_writes_one_audit_event_naming_the_actor(curriculum, home, coordinator):
    data = roundtrip_json(export_curriculum(curriculum.page))
    data["curriculum"]["slug"] = NEW_SLUG
    page = import_curriculum(data, home=home, actor=coordinator)
    event = AuditEvent.objects.get(action=Action.CURRICULUM_IMPORTED)
    assert (event.actor_id, event.object_id) == (coordinator.pk, str(page.pk))
    assert event.data["modules"] == 2


# --- Malformed files: an error naming the place, and nothing written ---------------------------


@pytest.fixture
def exported(curriculum) -> dict:
    """The base curriculum's export under a slug not yet used below the home page."""
    data = roundtrip_json(export_curriculum(curriculum.page))
    data["curriculum"]["slug"] = NEW_SLUG
    return data


def _two_correct(data):
    question = next(q for q in data["modules"][0]["quiz"]["questions"] if q["kind"] == "single")
    for choice in question["choices"]:
        choice["is_correct"] = True


def _unsound_scenario() -> dict:
    value = branching_scenario_value()
    value["steps"][2]["choices"][1]["next"] = "gone"
    return value


def _set(path, value):
    def mutate(data):
        *parents, last = path
        target = data
        for key in parents:
            target = target[key]
        target[last] = value

    return mutate


MALFORMED = {
    "wrong format tag": (_set(["format"], "moodle-backup"), "not a curriculum export"),
    "unknown version": (_set(["version"], 2), "version 2 is not supported"),
    "missing modules": (lambda d: d.pop("modules"), "modules: missing"),
    "unknown block type": (
        _set(["modules", 1, "lessons", 0, "body"], [{"type": "iframe", "value": "x"}]),
        "modules[1].lessons[0].body[0]: unknown block type 'iframe'",
    ),
    "unknown block field": (
        _set(
            ["modules", 1, "lessons", 1, "body"],
            [{"type": "key_takeaways", "value": {"items": ["a"], "script": "x"}}],
        ),
        "modules[1].lessons[1].body[0]: unknown field 'script'",
    ),
    "single choice with two correct": (
        _two_correct,
        "modules[0].quiz.questions[0].choices: A single choice question needs exactly one",
    ),
    "duplicate module number": (
        _set(["modules", 1, "number"], 1),
        "modules[1].number: 1 is already used by modules[0].number",
    ),
    "duplicate module slug": (
        lambda d: d["modules"][1].update(slug=d["modules"][0]["slug"]),
        "modules[1].slug: ",
    ),
    "bad base64": (
        _set(
            ["images"],
            [{"ref": "image-1", "title": "Radio", "filename": "radio.png", "data": "!!not base64"}],
        ),
        "images[0].data: not valid base64",
    ),
    "image that is no image": (
        _set(
            ["images"],
            [{"ref": "i", "title": "Radio", "filename": "radio.png", "data": "aGVsbG8="}],
        ),
        "images[0].data:",
    ),
    "unknown image reference": (
        _set(
            ["modules", 0, "lessons", 0, "body"],
            [{"type": "image", "value": {"image": "image-9", "alt_text": "x", "caption": ""}}],
        ),
        "modules[0].lessons[0].body[0].image: unknown image reference 'image-9'",
    ),
    "title too long": (
        _set(["modules", 0, "title"], "x" * 300),
        "modules[0].title: Ensure this value has at most 255 characters",
    ),
    "number that is text": (_set(["modules", 0, "minutes"], "many"), "modules[0].minutes"),
    "unsound branching scenario": (
        _set(
            ["modules", 1, "lessons", 0, "body"],
            [{"type": "branching_scenario", "value": _unsound_scenario()}],
        ),
        "modules[1].lessons[0].body[0]: Step 'wait', choice 2: leads to 'gone', which is not",
    ),
    "sources that are not a list": (
        _set(["modules", 0, "sources"], "Tyler 1990"),
        "modules[0].sources: expected a list",
    ),
    "a source without a citation": (
        _set(["modules", 0, "sources"], [{"url": "https://example.org/"}]),
        "modules[0].sources[0].citation: This field is required.",
    ),
    "a source with an unknown field": (
        _set(["modules", 0, "sources"], [{"citation": "Tyler, 1990.", "doi": "x"}]),
        "modules[0].sources[0]: unknown field 'doi'",
    ),
    "a source address that is not a web address": (
        _set(["modules", 0, "sources"], [{"citation": "Tyler, 1990.", "url": "javascript:x"}]),
        "modules[0].sources[0].url:",
    ),
    "a job aid without a title": (
        _set(["modules", 0, "job_aid"], {"sections": []}),
        "modules[0].job_aid.title: a job aid needs a title",
    ),
    "a job aid section without lines": (
        _set(
            ["modules", 0, "job_aid"],
            {"title": "Checklist", "sections": [{"heading": "Before", "items": []}]},
        ),
        "modules[0].job_aid.sections[0].items:",
    ),
    "a job aid with an unknown field": (
        _set(["modules", 0, "job_aid"], {"title": "Checklist", "sections": [], "pdf": "x"}),
        "modules[0].job_aid: unknown field 'pdf'",
    ),
    "pool smaller than questions per attempt": (
        _set(["modules", 0, "quiz", "questions_per_attempt"], 99),
        "modules[0].quiz.questions_per_attempt: the pool has only 4 questions",
    ),
    "duplicate lesson slug": (
        lambda d: _rename_lesson(d, 0, 1, d["modules"][0]["lessons"][0]["slug"]),
        "modules[0].lessons[1].slug: ",
    ),
    "a question naming a lesson of another module": (
        lambda d: d["modules"][0]["quiz"]["questions"][0].update(
            lesson=d["modules"][1]["lessons"][0]["slug"]
        ),
        "modules[0].quiz.questions[0].lesson: ",
    ),
    "a level that is not one": (
        lambda d: d["modules"][0]["quiz"]["questions"][0].update(level="expert"),
        "modules[0].quiz.questions[0].level: ",
    ),
    "feedback that is not text": (
        lambda d: d["modules"][0]["quiz"]["questions"][0]["choices"][0].update(feedback=3),
        "modules[0].quiz.questions[0].choices[0].feedback: ",
    ),
    "a review policy that is not one": (
        lambda d: d["modules"][0]["quiz"].update(review_policy="sometimes"),
        "modules[0].quiz.review_policy: ",
    ),
}


def _rename_lesson(data: dict, module: int, lesson: int, slug: str) -> None:
    """A lesson's slug changed, and the questions naming it with it."""
    old = data["modules"][module]["lessons"][lesson]["slug"]
    data["modules"][module]["lessons"][lesson]["slug"] = slug
    for question in data["modules"][module]["quiz"]["questions"]:
        if question["lesson"] == old:
            question["lesson"] = slug


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_file_is_refused_naming_the_place_and_writes_nothing(exported, home, case):
    mutate, message = MALFORMED[case]
    data = copy.deepcopy(exported)
    mutate(data)
    before = counts()
    with pytest.raises(ExchangeError) as raised:
        import_curriculum(data, home=home)
    assert message in raised.value.message
    assert raised.value.code == ErrorCode.INVALID
    assert counts() == before


def test_block_error_found_only_with_real_media_rolls_back_the_media_already_created(
    exported, home
):
    """A video with neither captions nor transcript is refused by VideoBlock.clean, which
    needs the document rows: they are created, then rolled back with everything else."""
    exported["documents"] = [
        {"ref": "clip", "title": "Clip", "filename": "clip.mp4", "data": "AG1wNA=="}
    ]
    exported["modules"][1]["lessons"][1]["body"] = [
        {"type": "video", "value": {"title": "x" * 200, "video": "clip", "transcript": "<p>T</p>"}}
    ]
    before, files_before = counts(), stored_documents()
    with pytest.raises(ExchangeError, match=r"modules\[1\]\.lessons\[1\]\.body\[0\]\.title"):
        import_curriculum(exported, home=home)
    assert counts() == before
    assert stored_documents() == files_before


def test_file_that_is_not_json_is_refused():
    with pytest.raises(ExchangeError, match="not valid JSON"):
        parse_document(b"{modules: [")


def test_curriculum_slug_already_used_below_home_is_a_conflict(curriculum, home):
    data = roundtrip_json(export_curriculum(curriculum.page))
    before = counts()
    with pytest.raises(ExchangeError) as raised:
        import_curriculum(data, home=home)
    assert raised.value.code == ErrorCode.CONFLICT
    assert f"curriculum.slug: “{home.title}” already has a page" in raised.value.message
    assert counts() == before


def test_rich_text_is_sanitised_on_import(exported, home):
    exported["modules"][0]["lessons"][0]["body"] = [
        {"type": "rich_text", "value": '<p onclick="x()">Hi<script>alert(1)</script></p>'}
    ]
    exported["curriculum"]["intro"] = "<p>Intro</p><iframe src='https://evil.example'></iframe>"
    page = import_curriculum(exported, home=home)
    lesson = LessonPage.objects.descendant_of(page).order_by("path").first()
    assert lesson.body.raw_data[0]["value"] == "<p>Hialert(1)</p>"
    assert page.intro == "<p>Intro</p>"


# --- Commands ---------------------------------------------------------------------------------


def test_export_command_writes_json_to_stdout(curriculum):
    out = io.StringIO()
    call_command("export_curriculum", curriculum.page.slug, stdout=out)
    data = json.loads(out.getvalue())
    assert data["curriculum"]["slug"] == curriculum.page.slug
    assert len(data["modules"]) == 2


def test_export_command_with_unknown_slug_fails(db):
    with pytest.raises(CommandError, match="No curriculum with the slug"):
        call_command("export_curriculum", "no-such-curriculum", stdout=io.StringIO())


def test_export_then_import_commands_through_a_file(curriculum, home, tmp_path):
    path = tmp_path / "curriculum.json"
    call_command("export_curriculum", curriculum.page.slug, output=str(path), stderr=io.StringIO())
    data = json.loads(path.read_text())
    data["curriculum"]["slug"] = NEW_SLUG
    path.write_text(json.dumps(data))
    out = io.StringIO()
    call_command("import_curriculum", str(path), stdout=out)
    assert "2 modules, 4 lessons, 2 quizzes, 0 images, 0 documents" in out.getvalue()
    assert CurriculumPage.objects.child_of(home).filter(slug=NEW_SLUG).exists()


def test_import_command_reads_standard_input(exported, home, monkeypatch):
    raw = json.dumps(exported).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw)))
    call_command("import_curriculum", "-", stdout=io.StringIO())
    assert CurriculumPage.objects.child_of(home).filter(slug=NEW_SLUG).exists()


def test_import_command_reports_the_error_and_writes_nothing(exported, tmp_path):
    exported["modules"][1]["lessons"][0]["body"] = [{"type": "iframe", "value": ""}]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(exported))
    before = counts()
    with pytest.raises(CommandError, match=r"modules\[1\]\.lessons\[0\]\.body\[0\]: unknown"):
        call_command("import_curriculum", str(path), stdout=io.StringIO())
    assert counts() == before


def test_import_command_refuses_a_file_that_is_not_json(tmp_path, db):
    path = tmp_path / "notes.json"
    path.write_text("hello")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_curriculum", str(path), stdout=io.StringIO())


def test_import_command_into_a_database_without_a_home_page_creates_one(exported, tmp_path):
    """An academy's fresh installation: migrated, nothing seeded."""
    for home_page in HomePage.objects.all():
        home_page.delete()
    path = tmp_path / "curriculum.json"
    path.write_text(json.dumps(exported))

    call_command("import_curriculum", str(path), stdout=io.StringIO())

    home = HomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
    curriculum = CurriculumPage.objects.child_of(home).get(slug=NEW_SLUG)
    assert LessonPage.objects.descendant_of(curriculum).live().count() == 4


def test_failed_import_into_an_empty_database_leaves_no_home_page(exported, tmp_path):
    for home_page in HomePage.objects.all():
        home_page.delete()
    exported["modules"][0]["lessons"][0]["body"] = [{"type": "iframe", "value": ""}]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(exported))

    with pytest.raises(CommandError, match="unknown block type"):
        call_command("import_curriculum", str(path), stdout=io.StringIO())
    assert not HomePage.objects.exists()


# --- Admin ------------------------------------------------------------------------------------


IMPORT_URL = "/admin/curricula/import/"


def upload(data: dict | bytes, name="curriculum.json") -> SimpleUploadedFile:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, raw, content_type="application/json")


def test_coordinator_imports_a_curriculum_from_the_admin(client, coordinator, exported, home):
    client.force_login(coordinator)
    assert reverse("authoring_curriculum_import") == IMPORT_URL
    page_response = client.get(IMPORT_URL)
    assert page_response.status_code == 200
    assert 'type="file"' in page_response.content.decode()

    response = client.post(IMPORT_URL, {"file": upload(exported), "home": home.pk}, follow=True)

    page = CurriculumPage.objects.child_of(home).get(slug=NEW_SLUG)
    content = response.content.decode()
    assert response.redirect_chain[-1][0] == IMPORT_URL
    assert "imported" in content
    assert reverse("wagtailadmin_pages:edit", args=[page.pk]) in content
    assert AuditEvent.objects.filter(
        action=Action.CURRICULUM_IMPORTED, actor_id=coordinator.pk
    ).exists()


def test_admin_import_of_a_malformed_file_shows_the_error_and_writes_nothing(
    client, coordinator, exported, home
):
    client.force_login(coordinator)
    exported["modules"][0]["quiz"]["questions"][0]["choices"][1]["is_correct"] = True
    before = counts()
    response = client.post(IMPORT_URL, {"file": upload(exported), "home": home.pk})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Nothing was imported" in content
    assert "modules[0].quiz.questions[0].choices" in content
    assert counts() == before


def test_admin_import_of_a_file_that_is_not_json_shows_the_error(client, coordinator, home):
    client.force_login(coordinator)
    response = client.post(IMPORT_URL, {"file": upload(b"<html>"), "home": home.pk})
    assert "not valid JSON" in response.content.decode()


def test_trainer_cannot_open_or_post_the_import_page(client, trainer, exported, home):
    client.force_login(trainer)
    before = counts()
    assert client.get(IMPORT_URL).status_code in (302, 403)
    response = client.post(IMPORT_URL, {"file": upload(exported), "home": home.pk})
    assert response.status_code in (302, 403)
    assert counts() == before


def test_coordinator_downloads_a_curriculum_as_json(client, coordinator, curriculum):
    client.force_login(coordinator)
    response = client.get(reverse("authoring_curriculum_export", args=[curriculum.page.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert json.loads(response.content)["curriculum"]["slug"] == curriculum.page.slug
    assert AuditEvent.objects.filter(action=Action.CURRICULUM_EXPORTED).exists()


def test_trainer_cannot_download_a_curriculum(client, trainer, curriculum):
    client.force_login(trainer)
    response = client.get(reverse("authoring_curriculum_export", args=[curriculum.page.pk]))
    assert response.status_code in (302, 403)
    assert response.get("Content-Disposition") is None


def test_only_coordinators_and_superusers_may_exchange_curricula(coordinator, trainer, learner):
    superuser = UserFactory(is_superuser=True)
    assert user_can_exchange_curricula(coordinator)
    assert user_can_exchange_curricula(superuser)
    assert not user_can_exchange_curricula(trainer)
    assert not user_can_exchange_curricula(learner.user)


def test_export_button_is_offered_on_curricula_to_coordinators_only(
    curriculum, coordinator, trainer
):
    url = reverse("authoring_curriculum_export", args=[curriculum.page.pk])
    buttons = list(
        curriculum_listing_export_button(Page.objects.get(pk=curriculum.page.pk), coordinator)
    )
    assert [b.url for b in buttons] == [url]
    assert not list(curriculum_listing_export_button(curriculum.page, trainer))
    assert not list(curriculum_listing_export_button(curriculum.modules[0].page, coordinator))


def test_explorer_lists_the_export_action_for_a_curriculum(client, curriculum, home):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(reverse("wagtailadmin_explore", args=[home.pk]))
    assert response.status_code == 200
    assert (
        reverse("authoring_curriculum_export", args=[curriculum.page.pk])
        in response.content.decode()
    )


def test_import_menu_item_is_shown_to_coordinators(client, coordinator):
    client.force_login(coordinator)
    assert IMPORT_URL in client.get(reverse("wagtailadmin_home")).content.decode()


# --- Hostile files: nesting, numbers out of range, several problems at once -------------------

DEEP = "[" * 100_000 + "]" * 100_000


def test_import_command_refuses_json_nested_too_deeply(tmp_path, db):
    path = tmp_path / "deep.json"
    path.write_text(DEEP)

    with pytest.raises(CommandError, match="nested too deeply"):
        call_command("import_curriculum", str(path), stdout=io.StringIO())


@pytest.mark.parametrize("document", ['{"version": NaN}', '{"version": 1e999}'])
def test_import_command_refuses_numbers_json_does_not_have(tmp_path, db, document):
    path = tmp_path / "odd.json"
    path.write_text(document)

    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_curriculum", str(path), stdout=io.StringIO())


def test_admin_import_of_json_nested_too_deeply_shows_the_error(client, coordinator, home):
    client.force_login(coordinator)

    response = client.post(IMPORT_URL, {"file": upload(DEEP.encode()), "home": home.pk})

    assert response.status_code == 200
    assert "nested too deeply" in response.content.decode()


OUT_OF_RANGE = {
    # Past SQLite's 64-bit integers, and past PostgreSQL's integer (fine on SQLite): both refused.
    "sort order past 64 bits": (
        _set(["modules", 0, "quiz", "questions", 0, "sort_order"], 10**30),
        "modules[0].quiz.questions[0].sort_order: must be an integer from",
    ),
    "choice sort order past 32 bits": (
        _set(["modules", 0, "quiz", "questions", 0, "choices", 0, "sort_order"], 2**40),
        "modules[0].quiz.questions[0].choices[0].sort_order: must be an integer from",
    ),
    "minutes past 32 bits": (
        _set(["modules", 0, "minutes"], 2**40),
        "modules[0].minutes: must be an integer from",
    ),
}


@pytest.mark.parametrize("case", OUT_OF_RANGE, ids=list(OUT_OF_RANGE))
def test_numbers_out_of_the_databases_range_are_refused(exported, home, case):
    mutate, message = OUT_OF_RANGE[case]
    mutate(exported)
    before = counts()

    with pytest.raises(ExchangeError) as raised:
        import_curriculum(exported, home=home)

    assert message in raised.value.message
    assert counts() == before


def test_admin_import_lists_every_problem_of_the_file(client, coordinator, exported, home):
    exported["modules"][0]["quiz"]["questions"][0]["sort_order"] = 10**30
    exported["modules"][0]["title"] = "x" * 300
    exported["modules"][1]["lessons"][0]["body"] = [{"type": "iframe", "value": ""}]
    exported["survey"] = {"title": "", "items": []} if exchange.survey_model() else None
    client.force_login(coordinator)
    before = counts()

    response = client.post(IMPORT_URL, {"file": upload(exported), "home": home.pk})

    content = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported" in content
    for place in [
        "modules[0].title",
        "modules[0].quiz.questions[0].sort_order",
        "modules[1].lessons[0].body[0]",
    ]:
        assert place in content, place
    assert counts() == before


def test_an_export_made_before_sources_and_job_aids_still_imports(exported, home):
    for module in exported["modules"]:
        assert module.pop("sources") == [] and module.pop("job_aid") is None
    page = import_curriculum(exported, home=home)
    module = ModulePage.objects.child_of(page).get(number=1)
    assert (list(module.sources), module.job_aid_title) == ([], "")


def test_sources_and_job_aid_are_exported_as_plain_data(media_curriculum):
    module = export_curriculum(media_curriculum.page)["modules"][0]
    assert module["sources"] == SOURCES
    assert module["job_aid"] == {
        "title": "Contact checklist",
        "intro": "Before any contact.",
        "sections": JOB_AID,
    }
    body = module["lessons"][0]["body"]
    assert body[-1]["type"] == "branching_scenario"
    assert body[-1]["value"]["title"] == "The box cutter on Alder Court"


def test_questions_keep_their_lesson_level_feedback_and_review_policy_through_the_exchange(
    curriculum, home
):
    module = curriculum.modules[0]
    quiz = module.quiz
    quiz.review_policy = "immediately"
    quiz.save()
    question = quiz.questions.order_by("sort_order").first()
    question.lesson, question.level = module.lessons[1], "application"
    question.save()
    choice = question.choices.order_by("sort_order").last()
    choice.feedback = "Paperwork can wait; safety cannot."
    choice.save()

    data = roundtrip_json(export_curriculum(curriculum.page))
    exported_question = data["modules"][0]["quiz"]["questions"][0]
    assert exported_question["lesson"] == module.lessons[1].slug
    assert exported_question["level"] == "application"
    assert exported_question["choices"][-1]["feedback"] == "Paperwork can wait; safety cannot."
    data["curriculum"]["slug"] = NEW_SLUG
    imported = import_curriculum(data, home=home)

    new_module = ModulePage.objects.child_of(imported).get(number=module.page.number)
    new_quiz = new_module.quiz
    assert new_quiz.pk != quiz.pk and new_quiz.review_policy == "immediately"
    new_question = new_quiz.questions.order_by("sort_order").first()
    assert new_question.lesson.get_parent().pk == new_module.pk  # the copy's lesson, by slug
    assert new_question.lesson.slug == module.lessons[1].slug
    assert new_question.level == "application"
    assert (
        new_question.choices.order_by("sort_order").last().feedback
        == "Paperwork can wait; safety cannot."
    )
