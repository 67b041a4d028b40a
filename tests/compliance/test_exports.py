"""Exports prepared in the background: asked for on the staff pages (a POST), built by the
task, listed under *My exports*, downloaded by the requester only (or a whole-agency
coordinator of the same agency), retried when the build fails, pruned when expired."""

import csv
import io
import itertools
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import PurePosixPath

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from compliance import services
from compliance.exporting.models import ExportRequest, ExportStatus, exports_storage
from compliance.exporting.services import NO_ACCESS, build_export, request_export
from compliance.exports import STATE_CSV_COLUMNS
from lms.audit import Action
from lms.models import AuditEvent
from tests.compliance.conftest import PDF
from tests.tasks import run_on_commit, run_tasks

ASK = "/compliance/staff/exports/new/"
MINE = "/compliance/staff/exports/"


def ask(client, **data):
    """Post the export form as the page does; the build is queued when the request commits."""
    with run_on_commit(execute=True):
        return client.post(ASK, data)


def download(client, export: ExportRequest):
    return client.get(f"{MINE}{export.pk}/")


def content(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def submit(officer, entry_data, **extra):
    data = {**entry_data, "hours": Decimal(entry_data["hours"]), **extra}
    data["completed_on"] = timezone.localdate() - timedelta(days=10)
    return services.external_entry_submit(person=officer, data=data, by=officer.user)


def this_year() -> dict[str, str]:
    today = timezone.localdate()
    return {"start": (today - timedelta(days=30)).isoformat(), "end": today.isoformat()}


def files_of(export: ExportRequest) -> list[str]:
    """The files in the export's own folder of the exports storage."""
    folder = str(PurePosixPath(export.file.name).parent)
    return exports_storage().listdir(folder)[1]


def officer_entry(export: ExportRequest):
    return export.person.training_entries.get()


@pytest.fixture
def evidence_export(client, command_a, officer, entry_data):
    """An evidence package asked for by command staff of A, about the officer, with one
    evidence file; not yet built."""
    services.external_entry_submit(
        person=officer,
        data={**entry_data, "hours": Decimal(6), "completed_on": timezone.localdate()},
        evidence=SimpleUploadedFile("letter.pdf", PDF),
        by=officer.user,
    )
    client.force_login(command_a.user)
    ask(client, kind="evidence-package", person=str(officer.pk))
    return ExportRequest.objects.get()


# --- The round trip -------------------------------------------------------------------------


def test_the_state_csv_is_queued_built_then_downloaded_with_its_documented_columns(
    officer, client, command_a, coordinator, entry_data
):
    entry = services.entry_approve(
        entry=submit(officer, entry_data, title="=HYPERLINK(1)"), by=coordinator
    )
    submit(officer, entry_data, title="Still pending")
    client.force_login(command_a.user)

    response = ask(client, kind="state-csv", **this_year())

    assert response.status_code == 302 and response["Location"] == MINE
    export = ExportRequest.objects.get()
    assert (export.status, export.kind, export.requested_by, export.agency_id) == (
        ExportStatus.QUEUED,
        "state-csv",
        command_a.user,
        command_a.agency_id,
    )
    assert export.parameters == this_year()
    event = AuditEvent.objects.get(action=Action.REPORT_EXPORTED)
    assert event.data["format"] == "state-csv" and event.data["export"] == export.pk
    page = client.get(MINE)
    assert "is being prepared" in page.content.decode()
    assert "Queued" in page.content.decode()
    assert download(client, export).status_code == 404, "nothing to download yet"

    assert run_tasks() == 1

    export.refresh_from_db()
    assert export.status == ExportStatus.READY and export.size > 0
    assert export.expires_at > timezone.now() + timedelta(days=6)
    assert f"{MINE}{export.pk}/" in client.get(MINE).content.decode()
    response = download(client, export)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="training-{this_year()["start"]}-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(content(response).decode("utf-8-sig"))))
    assert rows[0] == STATE_CSV_COLUMNS
    assert len(rows) == 2  # the pending entry is not reported
    row = dict(zip(STATE_CSV_COLUMNS, rows[1], strict=True))
    assert (row["record_id"], row["officer_state_id"], row["title"], row["hours"]) == (
        str(entry.pk),
        "MN-12345",
        "'=HYPERLINK(1)",
        "6.00",
    )
    assert row["category_names"] == "Crisis intervention and mental illness crises"
    assert AuditEvent.objects.filter(
        action=Action.EXPORT_DOWNLOADED, data__export=export.pk
    ).exists()


def test_the_annual_declaration_is_built_as_a_pdf(officer, client, command_a, agency_a):
    client.force_login(command_a.user)
    year = timezone.localdate().year
    ask(client, kind="declaration-pdf", year=str(year))
    run_tasks()

    export = ExportRequest.objects.get()
    response = download(client, export)
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="declaration-{agency_a.slug}-{year}.pdf"' in response["Content-Disposition"]
    assert content(response).startswith(b"%PDF")


def test_the_evidence_package_holds_transcript_certificates_and_evidence(
    evidence_export, client, officer, certificate
):
    run_tasks()

    evidence_export.refresh_from_db()
    assert evidence_export.person == officer
    archive = zipfile.ZipFile(io.BytesIO(content(download(client, evidence_export))))
    names = archive.namelist()
    assert names[0] == "transcript.pdf"
    assert f"certificates/{certificate.serial}.pdf" in names
    evidence = next(n for n in names if n.startswith("evidence/"))
    assert archive.read(evidence) == PDF
    assert archive.read("transcript.pdf").startswith(b"%PDF")
    assert archive.testzip() is None
    assert AuditEvent.objects.get(action=Action.REPORT_EXPORTED).person_id == officer.pk


# --- Who may download --------------------------------------------------------------------------


def test_only_the_requester_or_a_coordinator_of_the_agency_downloads(
    evidence_export, client, make_command_staff, agency_a, coordinator, coordinator_b, command_b
):
    run_tasks()
    other_command = make_command_staff(agency_a)

    for user in (coordinator_b, command_b.user, other_command.user):
        client.force_login(user)
        assert download(client, evidence_export).status_code == 404
        assert f"{MINE}{evidence_export.pk}/" not in client.get(MINE).content.decode()
    client.force_login(coordinator)
    assert content(download(client, evidence_export)).startswith(b"PK")


def test_officers_are_forbidden_every_export_page(officer, client):
    client.force_login(officer.user)
    assert client.get(MINE).status_code == 403
    assert ask(client, kind="state-csv", **this_year()).status_code == 403
    assert client.get(f"{MINE}1/").status_code == 403
    assert not ExportRequest.objects.exists()


def test_my_exports_is_a_fixed_number_of_queries(
    officer, client, command_a, django_assert_max_num_queries
):
    client.force_login(command_a.user)
    for _ in range(3):
        ask(client, kind="evidence-package", person=str(officer.pk))
        ask(client, kind="state-csv", **this_year())
    run_tasks()
    with django_assert_max_num_queries(12):
        response = client.get(MINE)
    assert response.content.decode().count(f"{MINE}") >= 6


def test_the_service_refuses_an_officer_too_whatever_the_door(officer):
    with pytest.raises(PermissionDenied):
        request_export(user=officer.user, kind="state-csv", data=this_year())
    assert not ExportRequest.objects.exists()


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "everything"}, "kind: Unknown export kind."),
        ({"kind": "state-csv", "start": "2026-02-01", "end": "2026-01-01"}, "end: Not before"),
        ({"kind": "state-csv", "start": "x", "end": "2026-01-01"}, "start: Enter a valid date."),
        ({"kind": "state-csv", "start": "2000-01-01", "end": "2026-01-01"}, "end: At most ten"),
        ({"kind": "state-csv"}, "start: This field is required."),
        ({"kind": "declaration-pdf", "year": "2999"}, "year: Not a future year."),
        ({"kind": "evidence-package", "person": "²"}, "person: Must be an officer's id."),
    ],
)
def test_bad_input_is_refused_clearly_and_nothing_is_written(
    officer, client, command_a, data, message
):
    client.force_login(command_a.user)
    response = ask(client, **data, next="/compliance/staff/")
    assert response.status_code == 302 and response["Location"] == "/compliance/staff/"
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any(m.startswith(message) and m.endswith("Nothing was queued.") for m in shown), shown
    assert not ExportRequest.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.REPORT_EXPORTED).exists()
    assert not DBTaskResult.objects.exists()


def test_the_evidence_package_of_another_agencys_officer_is_404_and_writes_nothing(
    officer, client, command_b
):
    client.force_login(command_b.user)
    assert ask(client, kind="evidence-package", person=str(officer.pk)).status_code == 404
    assert not ExportRequest.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.REPORT_EXPORTED).exists()


def test_a_next_address_off_the_site_is_not_followed(client, command_a):
    client.force_login(command_a.user)
    response = ask(client, kind="nope", next="https://evil.example/")
    assert response["Location"] == MINE


# --- Failure, retries and reruns ---------------------------------------------------------------


def test_a_failing_build_is_retried_with_backoff_then_marked_failed_with_the_reason(
    evidence_export, client
):
    # The evidence file is gone from its storage: every attempt fails reading it.
    entry = officer_entry(evidence_export)
    entry.evidence.storage.delete(entry.evidence.name)

    run_tasks()
    evidence_export.refresh_from_db()
    assert evidence_export.status == ExportStatus.QUEUED
    assert evidence_export.error.startswith("FileNotFoundError")
    assert "Retrying after an error" in client.get(MINE).content.decode()
    for _ in range(3):
        retry = DBTaskResult.objects.filter(status="READY").get()
        run_tasks(now=retry.run_after)

    attempts = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [a.status for a in attempts] == ["FAILED"] * 4
    waits = [b.run_after - a.finished_at for a, b in itertools.pairwise(attempts)]
    assert [round(w.total_seconds() / 60) for w in waits] == [1, 2, 4]
    evidence_export.refresh_from_db()
    assert evidence_export.status == ExportStatus.FAILED
    assert evidence_export.error.startswith("Failed after 4 attempts. FileNotFoundError")
    assert not evidence_export.file
    page = client.get(MINE).content.decode()
    assert "Failed" in page and "Failed after 4 attempts" in page
    assert download(client, evidence_export).status_code == 404


def test_a_rerun_after_an_interrupted_build_leaves_one_file(evidence_export, client):
    run_tasks()
    evidence_export.refresh_from_db()
    first = content(download(client, evidence_export))
    # A worker killed mid-task: the row left running, a partial file at the export's name.
    ExportRequest.objects.filter(pk=evidence_export.pk).update(status=ExportStatus.RUNNING)
    with exports_storage().open(evidence_export.file.name, "wb") as partial:
        partial.write(b"PK partial")

    assert build_export.call(export_id=evidence_export.pk) == "ready"
    assert build_export.call(export_id=evidence_export.pk) == "nothing to do"

    evidence_export.refresh_from_db()
    assert files_of(evidence_export) == [PurePosixPath(evidence_export.file.name).name]
    again = content(download(client, evidence_export))
    assert zipfile.ZipFile(io.BytesIO(again)).namelist() == (
        zipfile.ZipFile(io.BytesIO(first)).namelist()
    )


def test_a_requester_who_lost_their_role_before_the_build_gets_a_failed_export(
    evidence_export, command_a
):
    command_a.user.groups.clear()
    run_tasks()
    evidence_export.refresh_from_db()
    assert (evidence_export.status, evidence_export.error) == (ExportStatus.FAILED, NO_ACCESS)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL", "a refusal is not retried"


# --- Pruning -----------------------------------------------------------------------------------


def test_prune_removes_expired_exports_and_their_files_and_keeps_the_rest(
    officer, client, command_a, settings
):
    settings.COMPLIANCE_EXPORT_DAYS = 3
    client.force_login(command_a.user)
    ask(client, kind="state-csv", **this_year())
    ask(client, kind="declaration-pdf", year=str(timezone.localdate().year))
    run_tasks()
    old, fresh = ExportRequest.objects.order_by("pk")
    assert timedelta(days=2) < fresh.expires_at - timezone.now() <= timedelta(days=3)
    ExportRequest.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    assert exports_storage().exists(old.file.name)

    out = io.StringIO()
    call_command("prune_exports", stdout=out)

    assert "Removed 1 expired exports (kept 3 days)." in out.getvalue()
    assert list(ExportRequest.objects.all()) == [fresh]
    assert not exports_storage().exists(old.file.name)
    assert exports_storage().exists(fresh.file.name)
