"""The compliance pages, exports and reminders, as officers, coordinators and command staff use
them."""

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from compliance import services
from compliance.exports import zip_stream
from compliance.models import (
    AgencyRuleSet,
    ComplianceProfile,
    ComplianceReminderLog,
    CycleAdjustment,
    EntryStatus,
    ModuleCategories,
    RuleSet,
    TrainingEntry,
)
from compliance.reminders import send_compliance_reminders, threshold
from compliance.wagtail_hooks import RuleSetForm
from lms.audit import Action
from lms.models import AuditEvent
from tests.compliance.conftest import PDF
from tests.factories import PersonFactory
from tests.helpers import pass_module


def submit(officer, entry_data, **extra):
    data = {**entry_data, "hours": Decimal(entry_data["hours"]), **extra}
    data["completed_on"] = date.fromisoformat(data["completed_on"])
    return services.external_entry_submit(person=officer, data=data, by=officer.user)


def test_my_compliance_shows_the_standing_and_the_ledger(officer, client, curriculum):
    pass_module(officer, curriculum.modules[0])
    client.force_login(officer.user)
    response = client.get("/compliance/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Minnesota POST continuing education" in page
    assert "Current cycle" in page and "Autism" in page
    assert curriculum.modules[0].page.title in page


def test_submitting_on_the_page_stores_a_pending_entry_with_its_evidence(
    officer, client, entry_data
):
    client.force_login(officer.user)
    upload = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    response = client.post("/compliance/records/", {**entry_data, "evidence": upload})
    assert response.status_code == 302
    entry = TrainingEntry.objects.get(person=officer)
    assert (entry.status, entry.evidence_type, entry.categories) == (
        EntryStatus.PENDING,
        "application/pdf",
        ["crisis_intervention"],
    )


@pytest.mark.parametrize(
    "change",
    [{"hours": "-1"}, {"completed_on": "2026-02-30"}, {"categories": "nope"}, {"title": ""}],
)
def test_a_bad_submission_on_the_page_is_a_400_and_nothing_is_written(
    officer, client, entry_data, change
):
    client.force_login(officer.user)
    before = TrainingEntry.objects.count(), AuditEvent.objects.count()
    response = client.post("/compliance/records/", {**entry_data, **change})
    assert response.status_code == 400
    assert b"Nothing was saved" in response.content
    assert (TrainingEntry.objects.count(), AuditEvent.objects.count()) == before


def test_a_file_that_is_not_a_pdf_or_image_is_refused_on_the_page(officer, client, entry_data):
    client.force_login(officer.user)
    upload = SimpleUploadedFile(
        "letter.pdf", b"MZ\x90\x00 executable", content_type="application/pdf"
    )
    response = client.post("/compliance/records/", {**entry_data, "evidence": upload})
    assert response.status_code == 400
    assert not TrainingEntry.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/compliance/staff/",
        "/compliance/staff/queue/",
        "/compliance/staff/mapping/",
        "/compliance/staff/rule-set/",
        "/compliance/staff/state.csv?start=2026-01-01&end=2026-12-31",
        "/compliance/staff/declaration.pdf?year=2026",
    ],
)
def test_learners_are_refused_the_staff_pages(officer, client, path):
    client.force_login(officer.user)
    assert client.get(path).status_code == 403


def test_another_agencys_officer_is_404_on_every_officer_page(
    officer, client, coordinator_b, on_rule_set, agency_b
):
    on_rule_set("wa-cjtc", agency=agency_b)
    client.force_login(coordinator_b)
    for path in ("", "evidence.zip"):
        assert client.get(f"/compliance/staff/people/{officer.pk}/{path}").status_code == 404
    for action, data in [
        ("waiver", {"reason": "x"}),
        ("extension", {"deadline": "2027-01-01", "reason": "x"}),
        ("dates", {"certified_on": "2020-01-01"}),
    ]:
        response = client.post(f"/compliance/staff/people/{officer.pk}/{action}/", data)
        assert response.status_code == 404
    assert not CycleAdjustment.objects.exists()
    assert ComplianceProfile.objects.get(person=officer).certified_on is None


def test_the_dashboard_counts_by_status_and_unit_and_lists_those_at_risk_first_by_deadline(
    officer, client, command_a, agency_a
):
    soon = PersonFactory(agency=agency_a, user__first_name="Soon", user__last_name="Due")
    ComplianceProfile.objects.create(
        person=soon, licence_expires_on=timezone.localdate() + timedelta(days=20)
    )
    client.force_login(command_a.user)
    response = client.get("/compliance/staff/")
    assert response.status_code == 200
    # Both missed Minnesota's yearly use of force in a licence year already over: deficient.
    assert response.context["counts"] == {
        "compliant": 0,
        "on_track": 0,
        "at_risk": 0,
        "deficient": 2,
    }
    assert [row.name for row in response.context["at_risk"]] == ["Soon Due", "Dana Reyes"]
    assert response.context["by_unit"] == [
        ("No unit", {"compliant": 0, "on_track": 0, "at_risk": 0, "deficient": 2}, 2)
    ]
    assert client.get("/compliance/staff/?status=on_track").context["page"].paginator.count == 0
    filtered = client.get("/compliance/staff/?status=deficient")
    assert {row.status for row in filtered.context["page"]} == {"deficient"}
    assert client.get("/compliance/staff/?status=late").status_code == 302
    assert client.get("/compliance/staff/?unit=999999").status_code == 404


def test_a_coordinator_decides_from_the_queue(officer, client, coordinator, entry_data):
    first = submit(officer, entry_data)
    second = submit(officer, entry_data, title="Second course")
    client.force_login(coordinator)
    queue = client.get("/compliance/staff/queue/")
    assert queue.status_code == 200 and b"Second course" in queue.content
    client.post(f"/compliance/staff/records/{first.pk}/approve/")
    client.post(f"/compliance/staff/records/{second.pk}/reject/", {"reason": ""})
    assert TrainingEntry.objects.get(pk=second.pk).status == EntryStatus.PENDING  # no reason
    client.post(f"/compliance/staff/records/{second.pk}/reject/", {"reason": "Duplicate."})
    statuses = dict(TrainingEntry.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "approved", second.pk: "rejected"}


def test_command_staff_may_read_but_not_decide(officer, client, command_a, entry_data):
    entry = submit(officer, entry_data)
    client.force_login(command_a.user)
    assert client.get("/compliance/staff/queue/").status_code == 403
    assert client.post(f"/compliance/staff/records/{entry.pk}/approve/").status_code == 403
    assert TrainingEntry.objects.get(pk=entry.pk).status == EntryStatus.PENDING


def test_a_coordinator_reverses_an_approved_entry_with_a_reason(
    officer, client, coordinator, entry_data
):
    entry = services.entry_approve(entry=submit(officer, entry_data), by=coordinator)
    client.force_login(coordinator)
    client.post(f"/compliance/staff/records/{entry.pk}/reverse/", {"reason": "Wrong officer."})
    reversal = TrainingEntry.objects.get(reverses=entry)
    assert reversal.hours == -entry.hours
    assert AuditEvent.objects.get(action=Action.TRAINING_REVERSED).data["reason"] == (
        "Wrong officer."
    )
    page = client.get(f"/compliance/staff/people/{officer.pk}/")
    assert b"reversed" in page.content


def test_a_waiver_where_the_rule_set_allows_one(learner, client, coordinator, on_rule_set):
    on_rule_set("tx-tcole")
    client.force_login(coordinator)
    url = f"/compliance/staff/people/{learner.pk}/waiver/"
    client.post(url, {"category": "legislative_update", "reason": ""})  # no reason: refused
    assert not CycleAdjustment.objects.exists()
    client.post(url, {"category": "legislative_update", "reason": "Military deployment."})
    waiver = CycleAdjustment.objects.get()
    assert (waiver.kind, waiver.category, waiver.hours, waiver.granted_by) == (
        "waiver",
        "legislative_update",
        None,
        coordinator,
    )
    assert AuditEvent.objects.filter(action=Action.COMPLIANCE_WAIVER, person_id=learner.pk).exists()


def test_minnesota_allows_no_waiver(officer, client, coordinator):
    client.force_login(coordinator)
    client.post(f"/compliance/staff/people/{officer.pk}/waiver/", {"reason": "Please."})
    assert not CycleAdjustment.objects.exists()


def test_a_washington_extension_of_at_most_three_months(learner, client, coordinator, on_rule_set):
    on_rule_set("wa-cjtc")
    year = timezone.localdate().year
    client.force_login(coordinator)
    url = f"/compliance/staff/people/{learner.pk}/extension/"
    client.post(url, {"deadline": f"{year + 1}-04-01", "reason": "Medical leave."})  # too far
    assert not CycleAdjustment.objects.exists()
    client.post(url, {"deadline": f"{year + 1}-03-31", "reason": "Medical leave."})
    assert CycleAdjustment.objects.get().deadline == date(year + 1, 3, 31)
    cycle = client.get(f"/compliance/staff/people/{learner.pk}/").context["compliance"]
    assert cycle.standings[0].deadline == date(year + 1, 3, 31)


def test_a_coordinator_sets_an_officers_dates(learner, client, coordinator, on_rule_set):
    on_rule_set("fl-cjstc")
    client.force_login(coordinator)
    client.post(
        f"/compliance/staff/people/{learner.pk}/dates/",
        {"state_id": "FL-1", "certified_on": "2023-08-01"},
    )
    profile = ComplianceProfile.objects.get(person=learner)
    assert (profile.state_id, profile.certified_on) == ("FL-1", date(2023, 8, 1))
    page = client.get(f"/compliance/staff/people/{learner.pk}/")
    assert page.context["compliance"].standings[0].deadline == date(2027, 6, 30)
    client.post(f"/compliance/staff/people/{learner.pk}/dates/", {"certified_on": "2990-01-01"})
    assert ComplianceProfile.objects.get(person=learner).certified_on == date(2023, 8, 1)


def test_the_module_mapping_page(officer, client, coordinator, curriculum):
    client.force_login(coordinator)
    module = curriculum.modules[0].page
    response = client.get("/compliance/staff/mapping/")
    assert response.status_code == 200
    client.post("/compliance/staff/mapping/", {f"module-{module.pk}": ["autism", "nope"]})
    assert not ModuleCategories.objects.exists()  # an unknown category: nothing changed
    client.post("/compliance/staff/mapping/", {f"module-{module.pk}": ["autism"]})
    assert ModuleCategories.objects.get().categories == ["autism"]
    assert AuditEvent.objects.filter(action=Action.COMPLIANCE_MAPPING).count() == 1


def test_choosing_the_agencys_rule_set(learner, client, coordinator, rule_sets, agency_a):
    client.force_login(coordinator)
    assert client.get("/compliance/staff/rule-set/").status_code == 200
    client.post("/compliance/staff/rule-set/", {"rule_set": "il-lestb"})
    assert AgencyRuleSet.objects.get(agency=agency_a).rule_set.code == "il-lestb"
    client.post("/compliance/staff/rule-set/", {"rule_set": "made-up"})
    assert AgencyRuleSet.objects.get(agency=agency_a).rule_set.code == "il-lestb"


@pytest.mark.parametrize(
    ("path", "to"),
    [
        ("/compliance/staff/state.csv?start=2026-01-01&end=2026-12-31", "/compliance/staff/"),
        ("/compliance/staff/declaration.pdf?year=2026", "/compliance/staff/"),
        ("/compliance/staff/people/{officer}/evidence.zip", "/compliance/staff/people/{officer}/"),
    ],
)
def test_the_old_download_addresses_send_staff_to_the_form_that_prepares_the_export(
    officer, client, command_a, path, to
):
    client.force_login(command_a.user)
    response = client.get(path.format(officer=officer.pk))
    assert response.status_code == 302
    assert response["Location"] == to.format(officer=officer.pk)
    assert not AuditEvent.objects.filter(action=Action.REPORT_EXPORTED).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Exports are now prepared in the background" in page
    assert 'action="/compliance/staff/exports/new/"' in page


def test_the_zip_stream_never_holds_more_than_a_chunk():
    chunk = b"x" * 65536
    pieces = list(zip_stream([("big.bin", (chunk for _ in range(64)))]))
    assert max(len(p) for p in pieces) < 2 * len(chunk)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(pieces)))
    assert archive.read("big.bin") == chunk * 64


def test_the_transcript_shows_the_full_training_history(
    officer, client, command_a, coordinator, entry_data, curriculum
):
    pass_module(officer, curriculum.modules[0])
    services.entry_approve(entry=submit(officer, entry_data), by=coordinator)
    client.force_login(command_a.user)
    page = client.get(f"/oversight/people/{officer.pk}/").content.decode()
    assert "Training history" in page
    assert "Crisis intervention team course" in page
    assert curriculum.modules[0].page.title in page


# --- Reminders ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [
        (120, None),
        (91, None),
        (90, 90),
        (61, 90),
        (60, 60),
        (30, 30),
        (8, 30),
        (7, 7),
        (0, 7),
        (-1, None),
    ],
)
def test_the_reminder_threshold(days_left, expected):
    assert threshold(days_left) == expected


def test_reminders_go_once_per_officer_cycle_and_threshold(officer):
    profile = ComplianceProfile.objects.get(person=officer)
    today = timezone.localdate()
    profile.licence_expires_on = today + timedelta(days=85)
    profile.save()
    assert len(send_compliance_reminders(today=today).reminders) == 1
    assert len(mail.outbox) == 1 and "Minnesota" in mail.outbox[0].body
    again = send_compliance_reminders(today=today)
    assert (len(again.reminders), again.already_sent) == (0, 1)
    send_compliance_reminders(today=today + timedelta(days=20))  # 65 days left: still 90
    assert len(mail.outbox) == 1
    send_compliance_reminders(today=today + timedelta(days=25))  # 60 days left
    assert len(mail.outbox) == 2
    assert set(ComplianceReminderLog.objects.values_list("days", flat=True)) == {90, 60}


def test_compliant_officers_get_no_reminder(learner, learner_a2, coordinator, on_rule_set):
    on_rule_set("wa-cjtc")  # the calendar year: 25 days left on December 6
    today = date(timezone.localdate().year, 12, 6)
    for categories, hours in [(["crisis_intervention"], 2), (["in_service_other"], 22)]:
        entry = services.external_entry_submit(
            person=learner,
            data={
                "title": "Course",
                "completed_on": today - timedelta(days=30),
                "hours": Decimal(hours),
                "categories": categories,
            },
            by=learner.user,
        )
        services.entry_approve(entry=entry, by=coordinator)
    summary = send_compliance_reminders(today=today)
    reminded = {r.person: (r.days, r.row.status) for r in summary.reminders}
    # learner_a2 and the coordinator (an officer too) owe hours; the compliant learner does not
    assert reminded == {learner_a2: (30, "at_risk"), coordinator.person: (30, "at_risk")}
    assert learner.user.email not in {m.to[0] for m in mail.outbox}


# --- The admin's agency-defined rule set, the demo ----------------------------------------------


def test_an_agency_defined_rule_set_is_validated_as_the_files_are(coordinator, agency_a):
    bad = RuleSetForm(
        data={"name": "Ours", "code": "ours", "definition_yaml": "cycle: {kind: weekly}"},
        for_user=coordinator,
    )
    assert not bad.is_valid()
    assert "cycle.kind" in str(bad.errors["definition_yaml"])
    good = RuleSetForm(
        data={
            "name": "Ours",
            "code": "ours",
            "definition_yaml": "cycle: {kind: calendar_year}\ntotal_hours: 12\n"
            "categories: [{code: a, name: A, min_hours: 2}]\nproration: monthly\n",
        },
        for_user=coordinator,
    )
    assert good.is_valid(), good.errors
    rule_set = good.save()
    assert (rule_set.agency, rule_set.rules.total_hours) == (agency_a, 12)


def test_the_demo_shows_every_status_and_pending_entries(db, django_db_blocker):
    call_command("seed_demo", password="demo-password-for-tests-1")
    from compliance.selectors import compliance_report
    from lms.models import Agency, Person

    lakeside = Agency.objects.get(slug="lakeside-pd")
    riverside = Agency.objects.get(slug="riverside-pd")
    assert lakeside.compliance.rule_set.code == "mn-post"
    assert riverside.compliance.rule_set.code == "ca-post"
    counts = compliance_report(people=Person.objects.all(), agency_id=lakeside.pk).counts()
    assert all(counts[status] >= 1 for status in counts), counts
    riverside_counts = compliance_report(people=Person.objects.all(), agency_id=riverside.pk)
    assert riverside_counts.counts()["compliant"] >= 1
    pending = TrainingEntry.objects.filter(status=EntryStatus.PENDING)
    assert pending.filter(person__agency=riverside).exists()
    assert pending.filter(person__agency=lakeside).exists()
    assert RuleSet.objects.filter(agency__isnull=True).count() == 6
    before = TrainingEntry.objects.count()
    call_command("seed_demo", password="demo-password-for-tests-1")
    assert TrainingEntry.objects.count() == before  # idempotent
