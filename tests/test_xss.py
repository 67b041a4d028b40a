"""Sanitisation proof: hostile markup in every author-editable field renders inert everywhere.

A corpus of XSS payloads goes into each field an author can edit: lesson blocks, page
fields, quiz questions and choices. The learner then walks every page that shows them and
calls the API, and each response is parsed as a browser would (html5lib) and searched for
anything live: script-capable elements, event-handler attributes, URLs with a script or
data scheme. Each field value starts with a marker, so a test also proves the field was
rendered at all (an empty page would pass vacuously).

Quiz questions and choices are written with `update()`, past the sanitising `save()`, so
what is proven is the render path, not only the save path.
"""

import json
import re
from io import BytesIO

import html5lib
import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.search.backends import get_search_backend

from assessments.models import (
    Attempt,
    Choice,
    Question,
    QuestionKind,
    Survey,
    SurveyItem,
    SurveyPhase,
)
from assessments.surveys import survey_submit
from courses.models import Certificate
from lms.sanitize import clean_html, clean_text
from tests.factories import (
    AssignmentFactory,
    ChoiceFactory,
    CurriculumPageFactory,
    LessonPageFactory,
    ModulePageFactory,
    QuestionFactory,
    QuizFactory,
    make_survey,
)
from tests.helpers import correct_answers

PAYLOADS = [
    # script elements
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<svg><script>alert(1)</script></svg>",
    "<template><script>alert(1)</script></template>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    '<img src="x" ONERROR="alert(1)"/>',
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    '<a href="#" onclick="alert(1)">click</a>',
    '<a onmouseover="alert(1)">hover</a>',
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
    '<a href="https://ok.example/" onfocus="alert(1)" autofocus>ok</a>',
    "<input autofocus onfocus=alert(1)>",
    '<video><source onerror="alert(1)"></video>',
    # script and data URLs
    '<a href="javascript:alert(1)">js</a>',
    '<a href="JaVaScRiPt:alert(1)">mixed case</a>',
    '<a href="jav&#x09;ascript:alert(1)">tab entity</a>',
    '<a href="jav&#x0A;ascript:alert(1)">newline entity</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">decimal</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">named colon</a>',
    '<a href=" &#14;  javascript:alert(1)">leading control</a>',
    '<a href="java\tscript:alert(1)">raw tab</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<a href="vbscript:msgbox(1)">vbscript</a>',
    '<img src="javascript:alert(1)">',
    '<svg><a xlink:href="javascript:alert(1)"><text>svg link</text></a></svg>',
    # MathML and namespace confusion
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">math link</math>',
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    # CSS
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="width: expression(alert(1))">css expression</p>',
    '<div style="background:url(javascript:alert(1))">css url</div>',
    # embedding and navigation
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:image/svg+xml,&lt;svg onload=alert(1)&gt;">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    # malformed and unclosed markup
    "<img src=x onerror=alert(1)//",
    "<<script>script>alert(1)<</script>/script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<textarea><script>alert(1)</script></textarea>",
    "<xmp><script>alert(1)</script></xmp>",
    # comment tricks
    "<!--><script>alert(1)</script>-->",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "<!-- --!><img src=x onerror=alert(1)> -->",
    # escapes: entity-encoded, and unicode escapes written out or decoded
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    '<img src=x onerror="\\u0061lert(1)">',
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
]
# Payloads that are inert even unsanitised; every other one is live when served raw.
INERT_WHEN_RAW = {
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "<textarea><script>alert(1)</script></textarea>",
    "<xmp><script>alert(1)</script></xmp>",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "<img src=x onerror=alert(1)//",  # dropped at end of input; live when followed by more
}
# One value for the fields too short for the whole corpus (titles are at most 200 characters).
SHORT = '<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>'
EVERYTHING = "\n".join(PAYLOADS)

# --- The checker ------------------------------------------------------------------------------

LIVE_ELEMENTS = {"script", "iframe", "object", "embed", "style", "frame", "frameset", "applet"}
LIVE_ELEMENTS |= {"base", "portal", "fencedframe"}
# html5lib parses as if scripting were off; browsers read <noscript> as raw text, where a
# `</noscript>` inside an attribute ends it (mutation XSS). Content never needs one.
LIVE_ELEMENTS |= {"noscript"}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "poster", "background", "cite",
    "codebase", "dynsrc", "lowsrc", "longdesc", "ping", "manifest", "xlink:href", "srcset",
}  # fmt: skip
LIVE_SCHEMES = ("javascript:", "data:", "vbscript:")
# Browsers drop ASCII whitespace and control characters from URLs before reading the scheme.
IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f-\x9f]+")


def _local(name: str) -> str:
    """`{namespace}name` (html5lib's foreign elements and attributes) to `name`."""
    return name.rsplit("}", 1)[-1].lower()


def live_scheme(url: str) -> bool:
    """`url` as parsed (html5lib has already decoded its character references once, as a
    browser does; decoding again would flag `javascript&amp;colon;`, which is inert)."""
    return IGNORED_IN_URLS.sub("", url).lower().startswith(LIVE_SCHEMES)


def is_own_static_script(element) -> bool:
    """Our templates' scripts: an empty element loading a file from /static/."""
    return element.get("src", "").startswith("/static/") and not (element.text or "").strip()


def live_markup(document: str, *, fragment: bool = False) -> list[str]:
    """Everything in `document` a browser would run or navigate to, as readable findings."""
    parse = html5lib.parseFragment if fragment else html5lib.parse
    root = parse(document, namespaceHTMLElements=False)
    findings = []
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments
            continue
        tag = _local(element.tag)
        if tag == "script" and is_own_static_script(element):
            pass
        elif tag in LIVE_ELEMENTS:
            findings.append(f"<{tag}> element")
        if tag == "meta" and "http-equiv" in {_local(a) for a in element.attrib}:
            findings.append("<meta http-equiv>")
        if tag == "link" and not element.get("href", "").startswith("/static/"):
            findings.append(f"<link href={element.get('href')!r}>")
        for raw_name, value in element.attrib.items():
            name = _local(raw_name)
            if raw_name.endswith("}href"):
                name = "xlink:href"
            if name.startswith("on"):
                findings.append(f"<{tag} {name}=...> event handler")
            elif name == "srcdoc":
                findings.append(f"<{tag} srcdoc>")
            elif name in URL_ATTRIBUTES and any(
                live_scheme(part) for part in re.split(r",\s*", value)
            ):
                findings.append(f"<{tag} {name}={value!r}>")
            elif name == "style" and re.search(r"expression|javascript|url\(", value, re.I):
                findings.append(f"<{tag} style={value!r}>")
    return findings


def json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def assert_inert_page(response, *markers: str) -> str:
    assert response.status_code == 200, response.status_code
    content = response.content.decode()
    assert live_markup(content) == []
    missing = [m for m in markers if m not in content]
    assert missing == [], f"not rendered: {missing}"
    return content


def assert_inert_json(response, *markers: str):
    assert response.status_code in (200, 201), (response.status_code, response.content)
    data = response.json()
    findings = {s: f for s in json_strings(data) if (f := live_markup(s, fragment=True))}
    assert findings == {}
    text = json.dumps(data)
    missing = [m for m in markers if m not in text]
    assert missing == [], f"not in the response: {missing}"
    return data


# --- The checker catches what it should, and the allow-list holds per payload -------------------


@pytest.mark.parametrize("payload", sorted(set(PAYLOADS) - INERT_WHEN_RAW))
def test_each_payload_is_live_when_served_raw(payload):
    assert live_markup(f"<!doctype html><p>{payload}</p><p>after</p>") != []


def test_the_corpus_is_large_enough():
    assert len(PAYLOADS) >= 25
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_clean_html_leaves_nothing_live(payload):
    assert live_markup(clean_html(payload), fragment=True) == []
    assert live_markup(f"<p>{clean_html(payload)}</p><p>after</p>") == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_clean_text_leaves_no_markup_at_all(payload):
    cleaned = clean_text(payload)
    assert live_markup(cleaned, fragment=True) == []
    root = html5lib.parseFragment(cleaned, namespaceHTMLElements=False)
    assert [e.tag for e in root.iter() if isinstance(e.tag, str)] == ["DOCUMENT_FRAGMENT"]


# --- Hostile content through every page and endpoint -----------------------------------------


def mark(i: int, field: str) -> str:
    """A harmless marker that proves field `field` of item `i` was rendered."""
    return f"zq{i}{field}zq"


def lesson_body(i: int, payload: str, *, image, video, captions, document) -> list[dict]:
    def m(field):
        return mark(i, field)

    return [
        {"type": "rich_text", "value": f"<p>{m('rich')}</p>{payload}"},
        {
            "type": "callout",
            "value": {
                "tone": "note",
                "title": f"{m('calloutt')} {payload}",
                "text": f"<p>{m('calloutx')}</p>{payload}",
            },
        },
        {
            "type": "scenario",
            "value": {
                "title": f"{m('scent')} {payload}",
                "situation": f"<p>{m('scens')}</p>{payload}",
                "options": [
                    {
                        "choice": f"{m('optc')} {payload}",
                        "outcome": f"{m('opto')} {payload}",
                        "recommended": True,
                    },
                    {"choice": payload, "outcome": payload, "recommended": False},
                ],
            },
        },
        {
            "type": "reflection_prompt",
            "value": {"prompt": f"{m('reflp')} {payload}", "guidance": f"{m('reflg')} {payload}"},
        },
        {"type": "key_takeaways", "value": {"items": [f"{m('take')} {payload}", payload]}},
        {
            "type": "image",
            "value": {
                "image": image.pk,
                "alt_text": f"{m('alt')} {payload}",
                "caption": f"{m('caption')} {payload}",
            },
        },
        {
            "type": "video",
            "value": {
                "title": f"{m('videot')} {payload}",
                "video": video.pk,
                "captions": captions.pk,
                "transcript": f"<p>{m('transcript')}</p>{payload}",
            },
        },
        {
            "type": "document",
            "value": {"document": document.pk, "description": f"{m('docd')} {payload}"},
        },
    ]


LESSON_FIELDS = [
    "title", "summary", "rich", "calloutt", "calloutx", "scent", "scens", "optc", "opto",
    "reflp", "reflg", "take", "alt", "caption", "videot", "transcript", "docd",
]  # fmt: skip


def make_hostile_curriculum(home, agency):
    """A curriculum assigned to `agency` with the corpus in every author-editable field."""
    buffer = BytesIO()
    PILImage.new("RGB", (4, 3), (20, 90, 160)).save(buffer, "PNG")
    image = get_image_model().objects.create(
        title=SHORT, file=ImageFile(buffer, name="hostile.png")
    )
    documents = get_document_model().objects
    video = documents.create(title=SHORT, file=ContentFile(b"\x00mp4", name="hostile.mp4"))
    captions = documents.create(title=SHORT, file=ContentFile(b"WEBVTT\n", name="hostile.vtt"))
    document = documents.create(
        title=f"{mark(0, 'doct')} {SHORT}", file=ContentFile(b"%PDF", name="hostile.pdf")
    )

    home.intro = f"<p>{mark(0, 'homeintro')}</p>{EVERYTHING}"
    home.save()
    curriculum = CurriculumPageFactory(
        parent=home,
        title=f"{mark(0, 'curt')} {SHORT}",
        summary=f"{mark(0, 'curs')} {EVERYTHING}",
        intro=f"<p>{mark(0, 'curi')}</p>{EVERYTHING}",
    )
    AssignmentFactory(curriculum=curriculum, agency=agency)

    quiz = QuizFactory(title=f"{mark(0, 'quizt')} {SHORT}", shuffle=False, pass_mark=80)
    for i, payload in enumerate(PAYLOADS):
        question = QuestionFactory(quiz=quiz, kind=QuestionKind.SINGLE, sort_order=i)
        right = ChoiceFactory(question=question, sort_order=0, is_correct=True)
        wrong = ChoiceFactory(question=question, sort_order=1, is_correct=False)
        # Past the sanitising save(): the render path alone must make these safe.
        Question.objects.filter(pk=question.pk).update(
            prompt=f"<p>{mark(i, 'prompt')}</p>{payload}",
            explanation=f"<p>{mark(i, 'expl')}</p>{payload}",
        )
        Choice.objects.filter(pk=right.pk).update(text=f"{mark(i, 'choice')} {payload}")
        Choice.objects.filter(pk=wrong.pk).update(text=payload)

    module = ModulePageFactory(
        parent=curriculum,
        number=1,
        title=f"{mark(0, 'modt')} {SHORT}",
        summary=f"{mark(0, 'mods')} {EVERYTHING}",
        objectives=[
            {"type": "objective", "value": f"{mark(i, 'obj')} {p}"} for i, p in enumerate(PAYLOADS)
        ],
        quiz=quiz,
    )
    lessons = [
        LessonPageFactory(
            parent=module,
            title=f"{mark(i, 'title')} {payload}",
            seo_title=f"{mark(i, 'seo')} {payload}",
            summary=f"{mark(i, 'summary')} {payload}",
            body=lesson_body(
                i, payload, image=image, video=video, captions=captions, document=document
            ),
        )
        for i, payload in enumerate(PAYLOADS)
    ]
    return curriculum, module, lessons, quiz


@pytest.fixture
def hostile(home, agency_a):
    return make_hostile_curriculum(home, agency_a)


def test_learner_pages_render_hostile_content_inert(client, learner, home, hostile):
    curriculum, module, lessons, _ = hostile
    client.force_login(learner.user)

    for i, lesson in enumerate(lessons):
        # Marking complete redirects to the lesson with a message naming it.
        response = client.post(reverse("lesson-complete", args=[lesson.pk]), follow=True)
        assert_inert_page(response, *(mark(i, f) for f in [*LESSON_FIELDS, "seo"]))
        assert f"{mark(i, 'title')}" in response.content.decode().split('class="messages"')[1]

    assert_inert_page(
        client.get(module.url),
        mark(0, "modt"),
        mark(0, "mods"),
        *(mark(i, "obj") for i in range(len(PAYLOADS))),
        *(mark(i, "title") for i in range(len(PAYLOADS))),
    )
    assert_inert_page(client.get(curriculum.url), mark(0, "curt"), mark(0, "curs"), mark(0, "curi"))
    assert_inert_page(client.get(home.url), mark(0, "homeintro"), mark(0, "curt"), mark(0, "curs"))
    assert_inert_page(client.get(reverse("my-training")), mark(0, "curt"), mark(0, "modt"))

    backend = get_search_backend()
    for page in [module, *lessons]:
        backend.add(page)
    assert_inert_page(client.get(reverse("search"), {"q": "alert"}), "result")
    found = client.get(reverse("search"), {"q": mark(3, "title")})
    assert_inert_page(found, mark(3, "title"), mark(3, "summary"), mark(0, "modt"))
    for payload in PAYLOADS:
        assert_inert_page(client.get(reverse("search"), {"q": payload}))


def test_quiz_pages_and_api_render_hostile_content_inert(
    client, api_for, learner, hostile, make_command_staff, agency_a
):
    curriculum, _module, lessons, quiz = hostile
    api = api_for(learner.user)
    client.force_login(learner.user)
    count = len(PAYLOADS)

    assert_inert_json(
        api.get(reverse("api-curricula")),
        mark(0, "curt"),
        mark(0, "modt"),
        *(mark(i, "title") for i in range(count)),
    )
    for lesson in lessons:
        api.post(reverse("api-lesson-complete", args=[lesson.pk]))

    started = assert_inert_json(
        api.post(reverse("api-attempt-start", args=[quiz.pk])),
        *(mark(i, "prompt") for i in range(count)),
        *(mark(i, "choice") for i in range(count)),
    )
    attempt = Attempt.objects.get(pk=started["id"])
    assert_inert_page(
        client.get(reverse("attempt-take", args=[attempt.pk])),
        mark(0, "quizt"),
        *(mark(i, "prompt") for i in range(count)),
        *(mark(i, "choice") for i in range(count)),
    )

    assert_inert_json(
        api.post(
            reverse("api-attempt-submit", args=[attempt.pk]),
            {"answers": correct_answers(attempt.questions)},
            format="json",
        ),
        *(mark(i, "expl") for i in range(count)),
    )
    assert_inert_page(
        client.get(reverse("attempt-result", args=[attempt.pk])),
        mark(0, "quizt"),
        *(mark(i, "prompt") for i in range(count)),
        *(mark(i, "expl") for i in range(count)),
        *(mark(i, "choice") for i in range(count)),
    )

    # Passing the only module completes the curriculum: its title is copied to a certificate.
    certificate = Certificate.objects.get(person=learner, curriculum=curriculum)
    assert_inert_page(client.get(reverse("my-training")), mark(0, "curt"), mark(0, "modt"))
    assert_inert_page(client.get(reverse("my-certificates")), mark(0, "curt"))
    assert_inert_page(client.get(reverse("certificate-verify", args=[certificate.code])))
    assert_inert_json(api.get(reverse("api-my-certificates")), mark(0, "curt"))
    assert_inert_json(api.get(reverse("api-certificate", args=[certificate.code])))

    command = make_command_staff(agency_a)
    client.force_login(command.user)
    dashboard = client.get(reverse("oversight-dashboard"), {"curriculum": curriculum.pk})
    assert_inert_page(dashboard, mark(0, "curt"))
    assert_inert_page(client.get(reverse("oversight-transcript", args=[learner.pk])))


def test_survey_pages_render_hostile_content_inert(
    client, learner, hostile, make_command_staff, agency_a, settings
):
    """Survey title, intro and statements: on the learner's prompt and form and in the
    command-staff report (past the sanitising save(), like the quiz fields above)."""
    curriculum = hostile[0]
    survey = make_survey(items=len(PAYLOADS), comment_on=(0,))
    Survey.objects.filter(pk=survey.pk).update(
        title=f"{mark(0, 'survt')} {SHORT}", intro=f"{mark(0, 'survi')} {EVERYTHING}"
    )
    statements = list(survey.items.order_by("sort_order", "pk"))
    for i, (item, payload) in enumerate(zip(statements, PAYLOADS, strict=True)):
        SurveyItem.objects.filter(pk=item.pk).update(statement=f"{mark(i, 'stmt')} {payload}")
    curriculum.survey = survey
    curriculum.save()
    client.force_login(learner.user)

    assert "/training/surveys/" in assert_inert_page(client.get(reverse("my-training")))
    form = client.get(reverse("survey-take", args=[curriculum.pk, SurveyPhase.PRE]))
    assert_inert_page(
        form, mark(0, "survt"), mark(0, "survi"), *(mark(i, "stmt") for i in range(len(PAYLOADS)))
    )
    answers = {f"item-{item.pk}": "4" for item in statements}
    submitted = client.post(
        reverse("survey-take", args=[curriculum.pk, SurveyPhase.PRE]),
        answers | {f"comment-{statements[0].pk}": EVERYTHING},
        follow=True,
    )
    assert_inert_page(submitted)

    survey_submit(  # the service, not the page: the post survey opens after the last module
        survey=survey,
        user=learner.user,
        phase=SurveyPhase.POST,
        answers={str(item.pk): 5 for item in statements},
    )
    settings.SURVEY_MIN_GROUP_SIZE = 1
    client.force_login(make_command_staff(agency_a).user)
    report = client.get(reverse("oversight-surveys"), {"curriculum": curriculum.pk})
    assert_inert_page(report, mark(0, "survt"), *(mark(i, "stmt") for i in range(len(PAYLOADS))))
