"""The compliance API of API.md, as an officer, a coordinator and command staff use it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from compliance import services
from compliance.models import EntryStatus, TrainingEntry
from lms.audit import Action
from lms.models import AuditEvent
from tests.compliance.conftest import JPEG, PDF, PNG
from tests.helpers import pass_module

ME_RECORDS = "/api/v1/me/training-records/"


def approve_url(entry) -> str:
    return f"/api/v1/training-records/{entry.pk}/approve/"


def reject_url(entry) -> str:
    return f"/api/v1/training-records/{entry.pk}/reject/"


def written() -> tuple[int, int]:
    return TrainingEntry.objects.count(), AuditEvent.objects.count()


def test_a_module_completion_appears_by_itself_as_an_approved_internal_entry(
    officer, curriculum, api_for
):
    pass_module(officer, curriculum.modules[0])
    page = curriculum.modules[0].page
    records = api_for(officer.user).get(ME_RECORDS).json()
    assert records == [
        {
            "id": records[0]["id"],
            "source": "internal",
            "title": f"Module {page.number}: {page.title}",
            "provider": "Common Ground",
            "completed_on": timezone.localdate().isoformat(),
            "hours": 1.25,
            "categories": [],
            "status": "approved",
            "course_number": "",
        }
    ]
    assert AuditEvent.objects.filter(action=Action.TRAINING_RECORDED, person_id=officer.pk).exists()
    standing = api_for(officer.user).get("/api/v1/me/compliance/").json()
    assert standing["rule_set"] == {
        "code": "mn-post",
        "name": "Minnesota POST continuing education",
    }
    assert standing["cycles"][0]["earned_hours"] == 1.25


def test_the_module_mapping_gives_internal_hours_their_categories(
    officer, curriculum, api_for, coordinator, minnesota, agency_a
):
    module = curriculum.modules[0]
    services.module_categories_set(
        agency=agency_a,
        rule_set=minnesota,
        module=module.page,
        categories=["autism"],
        by=coordinator,
    )
    pass_module(officer, module)
    [record] = api_for(officer.user).get(ME_RECORDS).json()
    assert record["categories"] == ["autism"]
    cycle = api_for(officer.user).get("/api/v1/me/compliance/").json()["cycles"][0]
    autism = next(c for c in cycle["categories"] if c["code"] == "autism")
    assert autism == {
        "code": "autism",
        "name": "Autism",
        "required_hours": 4.0,
        "earned_hours": 1.25,
    }


def test_my_compliance_has_the_shape_of_api_md(officer, api_for):
    body = api_for(officer.user).get("/api/v1/me/compliance/").json()
    assert set(body) == {"rule_set", "cycles"}
    current = body["cycles"][0]
    assert set(current) == {
        "start",
        "end",
        "deadline",
        "status",
        "required_hours",
        "earned_hours",
        "pending_hours",
        "categories",
    }
    assert current["status"] in {"compliant", "on_track", "at_risk", "deficient"}
    assert current["required_hours"] == 48
    assert current["end"] == (timezone.localdate() + timedelta(days=540)).isoformat()
    assert len(body["cycles"]) == 2  # the current cycle first, then the previous one


def test_an_officer_submits_external_training_and_it_is_pending(officer, api_for, entry_data):
    response = api_for(officer.user).post(ME_RECORDS, entry_data, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["source"], body["hours"], body["categories"]) == (
        "pending",
        "external",
        6.0,
        ["crisis_intervention"],
    )
    cycle = api_for(officer.user).get("/api/v1/me/compliance/").json()["cycles"][0]
    assert (cycle["earned_hours"], cycle["pending_hours"]) == (0, 6.0)
    assert AuditEvent.objects.filter(
        action=Action.TRAINING_SUBMITTED, person_id=officer.pk
    ).exists()


def test_evidence_is_stored_with_its_sniffed_type_and_served_only_to_those_who_may_see_it(
    officer, api_for, entry_data, client, coordinator, coordinator_b
):
    upload = SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf")
    response = api_for(officer.user).post(
        ME_RECORDS, {**entry_data, "evidence": upload}, format="multipart"
    )
    assert response.status_code == 201, response.content
    entry = TrainingEntry.objects.get(pk=response.json()["id"])
    assert (entry.evidence_type, entry.evidence_name, entry.evidence_size) == (
        "application/pdf",
        "certificate.pdf",
        len(PDF),
    )
    assert entry.evidence.name.endswith(".pdf") and "certificate" not in entry.evidence.name
    own = f"/compliance/records/{entry.pk}/evidence/"
    staff = f"/compliance/staff/records/{entry.pk}/evidence/"
    for user, url, expected in [
        (officer.user, own, 200),
        (officer.user, staff, 403),
        (coordinator, own, 404),
        (coordinator, staff, 200),
        (coordinator_b, staff, 404),
    ]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == expected
        if expected == 200:
            assert b"".join(response.streaming_content) == PDF
            assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"completed_on": "2031-13-01"}, "completed_on"),
        ({"completed_on": "yesterday"}, "completed_on"),
        ({"completed_on": (timezone.localdate() + timedelta(days=1)).isoformat()}, "completed_on"),
        ({"completed_on": "1900-01-01"}, "completed_on"),
        ({"started_on": (timezone.localdate() - timedelta(days=5)).isoformat()}, "started_on"),
        ({"hours": "-3"}, "hours"),
        ({"hours": "0"}, "hours"),
        ({"hours": "100000"}, "hours"),
        ({"hours": "201"}, "hours"),
        ({"hours": "NaN"}, "hours"),
        ({"hours": "six"}, "hours"),
        ({"hours": "1.001"}, "hours"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"categories": ["not_a_category"]}, "categories"),
        ({"categories": "crisis_intervention"}, "categories"),
        ({"categories": ["crisis_intervention", "x" * 41]}, "categories"),
        ({"course_number": "n" * 61}, "course_number"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(
    officer, api_for, entry_data, change, field
):
    data = {**entry_data, **change}
    if field == "started_on":  # after the completion date
        data["completed_on"] = (timezone.localdate() - timedelta(days=6)).isoformat()
    before = written()
    response = api_for(officer.user).post(ME_RECORDS, data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert all(isinstance(message, str) for message in response.json()[field])
    assert written() == before


@pytest.mark.parametrize(
    ("name", "content", "size_limit"),
    [
        ("certificate.pdf", b"just some text, not a PDF", None),
        ("photo.png", b"GIF89a" + b"\x00" * 40, None),
        ("script.pdf", b"<html><script>alert(1)</script>", None),
        ("empty.pdf", b"", None),
        ("big.pdf", PDF + b"\x00" * 200, 100),
    ],
)
def test_a_wrong_or_oversized_file_is_a_400_and_nothing_is_stored(
    officer, api_for, entry_data, settings, evidence_root, name, content, size_limit
):
    if size_limit:
        settings.COMPLIANCE_EVIDENCE_MAX_BYTES = size_limit
    before = written()
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = api_for(officer.user).post(
        ME_RECORDS, {**entry_data, "evidence": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert "evidence" in response.json()
    assert written() == before
    assert not evidence_root.exists() or not any(p.is_file() for p in evidence_root.rglob("*"))


@pytest.mark.parametrize("content", [PNG, JPEG])
def test_images_are_accepted_as_evidence(officer, api_for, entry_data, content):
    upload = SimpleUploadedFile("scan.bin", content, content_type="application/octet-stream")
    response = api_for(officer.user).post(
        ME_RECORDS, {**entry_data, "evidence": upload}, format="multipart"
    )
    assert response.status_code == 201
    entry = TrainingEntry.objects.get(pk=response.json()["id"])
    assert entry.evidence_type == ("image/png" if content == PNG else "image/jpeg")


def test_california_asks_for_a_certificate_when_there_is_no_state_course_number(
    learner, on_rule_set, api_for, entry_data
):
    on_rule_set("ca-post")
    data = {**entry_data, "categories": ["psp_firearms"], "course_number": ""}
    before = written()
    response = api_for(learner.user).post(ME_RECORDS, data, format="json")
    assert response.status_code == 400 and "evidence" in response.json()
    assert written() == before
    assert (
        api_for(learner.user)
        .post(ME_RECORDS, {**data, "course_number": "POST-1234"}, format="json")
        .status_code
        == 201
    )


@pytest.fixture
def pending(officer, entry_data):
    return services.external_entry_submit(
        person=officer,
        data={**entry_data, "hours": Decimal(6), "completed_on": timezone.localdate()},
        by=officer.user,
    )


def test_a_coordinator_approves_once_and_the_hours_count(pending, coordinator, api_for, officer):
    api = api_for(coordinator)
    response = api.post(approve_url(pending))
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert api.post(approve_url(pending)).status_code == 409
    assert api.post(reject_url(pending), {"reason": "late"}, format="json").status_code == 409
    event = AuditEvent.objects.get(action=Action.TRAINING_APPROVED)
    assert (event.person_id, event.actor_username) == (officer.pk, "coordinator")
    cycle = api_for(officer.user).get("/api/v1/me/compliance/").json()["cycles"][0]
    crisis = next(c for c in cycle["categories"] if c["code"] == "crisis_intervention")
    assert (cycle["earned_hours"], cycle["pending_hours"], crisis["earned_hours"]) == (6, 0, 6)


def test_learners_may_not_decide_and_other_agencies_see_nothing(
    pending, api_for, officer, learner_a2, coordinator_b, command_a
):
    for user in (officer.user, learner_a2.user, command_a.user):
        assert api_for(user).post(approve_url(pending)).status_code == 403
    assert api_for(coordinator_b).post(approve_url(pending)).status_code == 404
    assert (
        api_for(coordinator_b)
        .post(reject_url(pending), {"reason": "no"}, format="json")
        .status_code
        == 404
    )
    assert TrainingEntry.objects.get(pk=pending.pk).status == EntryStatus.PENDING
    assert not AuditEvent.objects.filter(
        action__in=[Action.TRAINING_APPROVED, Action.TRAINING_REJECTED]
    ).exists()


def test_a_rejection_needs_a_reason(pending, coordinator, api_for):
    api = api_for(coordinator)
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 1001}):
        response = api.post(reject_url(pending), body, format="json")
        assert response.status_code == 400 and "reason" in response.json()
    assert TrainingEntry.objects.get(pk=pending.pk).status == EntryStatus.PENDING
    response = api.post(
        reject_url(pending), {"reason": "Not law-enforcement training."}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert AuditEvent.objects.get(action=Action.TRAINING_REJECTED).data == {
        "reason": "Not law-enforcement training."
    }


def test_an_approved_entry_is_never_edited_only_reversed(pending, coordinator, officer):
    entry = services.entry_approve(entry=pending, by=coordinator)
    entry.hours = Decimal(60)
    with pytest.raises(ValueError, match="never edited"):
        entry.save()
    reversal = services.entry_reverse(entry=entry, by=coordinator, reason="Counted twice.")
    assert (reversal.hours, reversal.reverses_id, reversal.status) == (
        Decimal(-6),
        entry.pk,
        EntryStatus.APPROVED,
    )
    assert TrainingEntry.objects.get(pk=entry.pk).hours == Decimal(6)
    with pytest.raises(Exception, match="already reversed"):
        services.entry_reverse(entry=entry, by=coordinator, reason="again")
    from compliance.selectors import officer_compliance

    assert officer_compliance(person=officer).standings[0].earned_hours == 0


def test_the_compliance_report_for_command_staff(
    officer, learner_a2, api_for, command_a, command_b
):
    response = api_for(command_a.user).get("/api/v1/reports/compliance/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] >= 1
    row = next(r for r in body["results"] if r["person_id"] == officer.pk)
    assert row == {
        "person_id": officer.pk,
        "name": "Dana Reyes",
        "badge_number": officer.badge_number,
        "unit": None,
        "status": row["status"],
        "required_hours": 48.0,
        "earned_hours": 0.0,
        "deadline": (timezone.localdate() + timedelta(days=540)).isoformat(),
    }
    # learner_a2 has no licence date: not computable, so not listed
    assert learner_a2.pk not in {r["person_id"] for r in body["results"]}
    deficient = api_for(command_a.user).get("/api/v1/reports/compliance/?status=compliant").json()
    assert officer.pk not in {r["person_id"] for r in deficient["results"]}
    # command staff of B see none of A's people
    other = api_for(command_b.user).get("/api/v1/reports/compliance/").json()
    assert officer.pk not in {r["person_id"] for r in other["results"]}


@pytest.mark.parametrize(
    ("query", "status"),
    [("?status=late", 400), ("?unit=abc", 400), ("?unit=99999999", 404), ("?page=999", 404)],
)
def test_the_report_refuses_bad_filters(officer, api_for, command_a, query, status):
    assert api_for(command_a.user).get(f"/api/v1/reports/compliance/{query}").status_code == status


def test_learners_cannot_read_the_compliance_report(officer, api_for):
    assert api_for(officer.user).get("/api/v1/reports/compliance/").status_code == 403


def test_the_schema_documents_every_compliance_endpoint(api_for, officer):
    schema = api_for(officer.user).get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/me/compliance/",
        "/api/v1/me/training-records/",
        "/api/v1/training-records/{entry_id}/approve/",
        "/api/v1/training-records/{entry_id}/reject/",
        "/api/v1/reports/compliance/",
    ):
        assert path in paths
    assert "ComplianceStatus" in schema.json()["components"]["schemas"]


def test_an_agency_without_a_rule_set_still_keeps_the_ledger(
    learner, api_for, entry_data, curriculum
):
    pass_module(learner, curriculum.modules[0])
    api = api_for(learner.user)
    assert api.get("/api/v1/me/compliance/").json() == {"rule_set": None, "cycles": []}
    assert len(api.get(ME_RECORDS).json()) == 1
    before = written()
    assert api.post(ME_RECORDS, entry_data, format="json").status_code == 409
    assert written() == before


def test_a_cycle_that_needs_a_missing_date_is_left_out_not_guessed(learner, minnesota, api_for):
    body = api_for(learner.user).get("/api/v1/me/compliance/").json()
    assert body == {
        "rule_set": {"code": "mn-post", "name": "Minnesota POST continuing education"},
        "cycles": [],
    }
