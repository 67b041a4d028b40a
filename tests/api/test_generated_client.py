"""A Python client generated from /api/v1/schema/, as an agency's IT staff would make one.

`openapi-python-client` (pinned in requirements-dev.txt) generates a package from the schema the
API serves, failing on any warning; every module of it must import; then the learner's journey
and the command staff's report run through the generated code against pytest-django's live
server, with `raise_on_unexpected_status` so an undocumented status code fails the test.

The generator's config turns off its post hooks (they would run ruff on the output) and reads
`application/pdf` as bytes and `application/vc+jwt` (a credential, compact JWS) as text: the
generator only knows JSON, text and octet-stream bodies.
"""

import importlib
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from types import ModuleType, SimpleNamespace

import pytest
from django.test import Client

from lms import roles
from tests.factories import (
    PASSWORD,
    AgencyFactory,
    AssignmentFactory,
    PersonFactory,
    make_curriculum,
    make_home,
)
from tests.helpers import correct_answers

PACKAGE = "common_ground_client"
CONFIG = """\
post_hooks: []
content_type_overrides:
  application/pdf: application/octet-stream
  application/vc+jwt: text/plain
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker) -> Iterator[ModuleType]:
    """The client package generated from the schema the running app serves, importable."""
    workdir = tmp_path_factory.mktemp("generated-client")
    with django_db_blocker.unblock():
        response = Client().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    (workdir / "schema.json").write_bytes(response.content)
    (workdir / "config.yaml").write_text(CONFIG)
    run = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path=schema.json",
            f"--output-path={PACKAGE}",
            "--meta=none",
            "--config=config.yaml",
            "--fail-on-warning",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(workdir))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(workdir))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_every_generated_module_imports(generated):
    failures = {}
    modules = list(pkgutil.walk_packages(generated.__path__, f"{PACKAGE}."))
    for module in modules:
        try:
            importlib.import_module(module.name)
        except Exception as error:  # reported together below
            failures[module.name] = repr(error)
    assert not failures
    names = {module.name for module in modules}
    assert f"{PACKAGE}.api.auth.auth_token_create" in names
    assert f"{PACKAGE}.api.reports.reports_completion_csv_retrieve" in names


def load(package: ModuleType) -> SimpleNamespace:
    """The generated operations and models by short name."""

    def operation(tag: str, name: str) -> ModuleType:
        return importlib.import_module(f"{package.__name__}.api.{tag}.{name}")

    return SimpleNamespace(
        client=importlib.import_module(f"{package.__name__}.client"),
        models=importlib.import_module(f"{package.__name__}.models"),
        token=operation("auth", "auth_token_create"),
        curricula=operation("curricula", "curricula_list"),
        lesson_complete=operation("lessons", "lessons_complete_create"),
        attempt_start=operation("quizzes", "quizzes_attempts_create"),
        attempt_submit=operation("attempts", "attempts_submit_create"),
        my_progress=operation("me", "me_progress_retrieve"),
        my_certificates=operation("me", "me_certificates_list"),
        verify=operation("certificates", "certificates_retrieve"),
        pdf=operation("certificates", "certificates_pdf_retrieve"),
        report=operation("reports", "reports_completion_retrieve"),
        report_csv=operation("reports", "reports_completion_csv_retrieve"),
    )


@pytest.fixture
def opened() -> Iterator[ExitStack]:
    """Clients entered here are closed after the test: an open keep-alive connection keeps its
    live-server thread, and that thread's database connection, alive past the test run."""
    with ExitStack() as stack:
        yield stack


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_learner_journey_and_report_run_through_the_generated_client(
    generated, live_server, opened
):
    curriculum = make_curriculum(make_home(), modules=1, lessons=2)
    [module] = curriculum.modules
    agency = AgencyFactory()
    AssignmentFactory(curriculum=curriculum.page, agency=agency)
    officer = PersonFactory(agency=agency, user__first_name="Dana", user__last_name="Reyes")
    staff = PersonFactory(agency=agency, rank="Captain")
    staff.user.groups.add(roles.ensure_roles()[roles.COMMAND_STAFF])

    api = load(generated)
    models = api.models
    anonymous = opened.enter_context(
        api.client.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    )

    def sign_in(username: str):
        body = models.TokenRequest(username=username, password=PASSWORD)
        token = api.token.sync(client=anonymous, body=body)
        assert isinstance(token, models.TokenResponse)
        return opened.enter_context(
            api.client.AuthenticatedClient(
                base_url=live_server.url,
                token=token.token,
                prefix="Token",
                raise_on_unexpected_status=True,
            )
        )

    # Wrong credentials: a 400 with field errors, parsed into the documented model.
    refused = api.token.sync_detailed(
        client=anonymous, body=models.TokenRequest(username=officer.user.username, password="x")
    )
    assert refused.status_code == 400
    assert isinstance(refused.parsed, models.FieldErrors)
    assert refused.parsed.additional_properties["non_field_errors"]

    learner = sign_in(officer.user.username)
    [outline] = api.curricula.sync(client=learner)
    assert outline.id == curriculum.page.pk
    [module_outline] = outline.modules
    assert [lesson.id for lesson in module_outline.lessons] == [
        lesson.pk for lesson in module.lessons
    ]

    for lesson in module_outline.lessons:
        done = api.lesson_complete.sync_detailed(lesson_id=lesson.id, client=learner)
        assert done.status_code == 201
        assert isinstance(done.parsed, models.LessonCompletion)

    started = api.attempt_start.sync_detailed(quiz_id=module_outline.quiz.id, client=learner)
    assert started.status_code == 201
    attempt = started.parsed
    assert isinstance(attempt, models.Attempt)
    answers = correct_answers(question.to_dict() for question in attempt.questions)
    body = models.SubmitRequest(answers=models.SubmitRequestAnswers.from_dict(answers))
    result = api.attempt_submit.sync(attempt_id=attempt.id, client=learner, body=body)
    assert isinstance(result, models.AttemptResult)
    assert (result.score, result.passed) == (100, True)

    # A second submit: 409, its {"detail"} body parsed into the documented model.
    again = api.attempt_submit.sync_detailed(attempt_id=attempt.id, client=learner, body=body)
    assert again.status_code == 409
    assert isinstance(again.parsed, models.Error)
    assert again.parsed.detail

    [progress] = api.my_progress.sync(client=learner).curricula
    assert (progress.id, progress.percent_complete) == (curriculum.page.pk, 100)
    assert progress.completed_at is not None
    [certificate] = api.my_certificates.sync(client=learner)
    assert isinstance(certificate, models.Certificate)
    verified = api.verify.sync(code=certificate.code, client=anonymous)
    assert isinstance(verified, models.PublicCertificate)
    assert (verified.status, verified.holder_name) == ("valid", "Dana Reyes")
    unknown = api.verify.sync_detailed(code="NO-SUCH-CODE", client=anonymous)
    assert unknown.status_code == 404
    assert isinstance(unknown.parsed, models.Error)
    pdf = api.pdf.sync(code=certificate.code, client=learner)
    assert pdf.payload.read(5) == b"%PDF-"

    command = sign_in(staff.user.username)
    page = api.report.sync(
        client=command,
        curriculum=curriculum.page.pk,
        status=models.ReportStatus.COMPLETED,
    )
    assert isinstance(page, models.CompletionReportPage)
    assert page.count == 1
    assert [(row.name, row.certificate_code) for row in page.results] == [
        ("Dana Reyes", certificate.code)
    ]
    csv = api.report_csv.sync(
        client=command,
        curriculum=curriculum.page.pk,
        status=models.ReportStatus.COMPLETED,
    )
    assert isinstance(csv, str)
    header, *rows = csv.strip().splitlines()
    assert "badge" in header.lower()
    assert len(rows) == 1
    assert "Dana Reyes" in rows[0]
    assert certificate.code in rows[0]

    # A learner is not command staff: 403, documented and parsed.
    denied = api.report.sync_detailed(client=learner)
    assert denied.status_code == 403
    assert isinstance(denied.parsed, models.Error)
