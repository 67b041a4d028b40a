"""Command-staff oversight: agency scope everywhere, report statuses, exports, revocation,
recertification cycles and constant query counts."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Assignment, Certificate, TrainingRecord
from courses.progress import services, tally
from courses.progress.selectors import learner_progress
from lms import roles
from lms.models import Person
from oversight.reports import Status, completion_rows
from tests.factories import PersonFactory, UnitFactory, add_module
from tests.helpers import complete_lessons, correct_answers, fail_quiz, pass_module, start_quiz

LEARNER_FORBIDDEN_PAGES = [
    "/oversight/",
    "/oversight/completion.csv",
    "/oversight/roster/",
    "/oversight/audit/",
    "/oversight/assignments/",
]
REPORT_ENDPOINTS = ["/api/v1/reports/completion/", "/api/v1/reports/completion.csv"]


@pytest.fixture
def coordinator_a(role_groups, agency_a, assignment):
    person = PersonFactory(agency=agency_a, rank="Lieutenant")
    person.user.groups.add(role_groups[roles.COORDINATOR])
    return person


def _rows(client, url):
    response = client.get(url)
    assert response.status_code == 200
    if response.streaming:
        return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    return response.json()["results"]


@pytest.mark.parametrize("url", LEARNER_FORBIDDEN_PAGES)
def test_learners_are_refused_every_oversight_page(client, learner, url):
    client.force_login(learner.user)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", REPORT_ENDPOINTS)
def test_learners_are_refused_the_report_endpoints(learner_api, url):
    assert learner_api.get(url).status_code == 403


@pytest.mark.parametrize("url", REPORT_ENDPOINTS)
def test_report_endpoints_need_a_signed_in_caller(anon_api, url):
    assert anon_api.get(url).status_code == 401


def test_learner_cannot_see_someone_elses_transcript(client, learner, learner_a2):
    client.force_login(learner.user)
    assert client.get(f"/oversight/people/{learner_a2.pk}/").status_code == 403


def test_command_staff_of_agency_b_reach_nothing_of_agency_a(
    client, api_for, command_b, learner, certificate, curriculum
):
    """Walk every oversight page and endpoint as agency B's command staff, aimed at A."""
    unit_a = UnitFactory(agency=learner.agency)
    client.force_login(command_b.user)
    api = api_for(command_b.user)
    not_found = [
        f"/oversight/people/{learner.pk}/",
        f"/oversight/?unit={unit_a.pk}",
        f"/oversight/completion.csv?unit={unit_a.pk}",
        f"/training/certificates/{certificate.code}/pdf/",
    ]
    for url in not_found:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            f"/oversight/certificates/{certificate.code}/revoke/", {"reason": "x"}
        ).status_code
        == 404
    )
    for url in REPORT_ENDPOINTS:
        assert api.get(f"{url}?unit={unit_a.pk}").status_code == 404
    assert api.get(f"/api/v1/certificates/{certificate.code}/pdf/").status_code == 404
    # Lists of B carry nothing of A.
    names = {row["name"] for url in REPORT_ENDPOINTS for row in _rows(api, url)}
    assert learner.display_name not in names
    assert learner.display_name not in client.get("/oversight/").content.decode()
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None


def test_curriculum_not_assigned_in_the_agency_is_not_found(api_for, make_command_staff, agency_b):
    command = make_command_staff(agency_b)  # nothing is assigned to B here
    assert api_for(command.user).get("/api/v1/reports/completion/").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=finished", "status"),
        ("unit=abc", "unit"),
        ("curriculum=x", "curriculum"),
        ("category=cadet", "category"),
    ],
)
def test_bad_report_filters_are_rejected(api_for, command_a, query, field):
    response = api_for(command_a.user).get(f"/api/v1/reports/completion/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_report_classifies_every_status(api_for, command_a, learner, learner_a2, curriculum):
    pass_module(learner, curriculum.modules[0])
    pass_module(learner, curriculum.modules[1])
    started = PersonFactory(agency=learner.agency)
    complete_lessons(started, curriculum.modules[0])
    late_unit = UnitFactory(agency=learner.agency)
    late = PersonFactory(agency=learner.agency, unit=late_unit)
    Assignment.objects.create(
        curriculum=curriculum.page, unit=late_unit, due_date=timezone.localdate() - timedelta(1)
    )
    rows = {row["person_id"]: row for row in _rows(api_for(command_a.user), REPORT_ENDPOINTS[0])}
    assert rows[learner.pk]["status"] == Status.COMPLETED
    assert rows[learner.pk]["modules_completed"] == 2
    assert rows[learner.pk]["modules_total"] == 2
    assert rows[learner.pk]["certificate_code"]
    assert rows[learner.pk]["completed_at"]
    assert rows[started.pk]["status"] == Status.IN_PROGRESS
    assert rows[learner_a2.pk]["status"] == Status.NOT_STARTED
    assert rows[late.pk]["status"] == Status.OVERDUE
    assert rows[late.pk]["overdue"] is True
    assert rows[late.pk]["due_date"] == (timezone.localdate() - timedelta(1)).isoformat()
    overdue_only = _rows(api_for(command_a.user), f"{REPORT_ENDPOINTS[0]}?status=overdue")
    assert [row["person_id"] for row in overdue_only] == [late.pk]


def test_csv_holds_the_same_rows_as_the_api(api_for, command_a, learner, learner_a2, curriculum):
    pass_module(learner, curriculum.modules[0])
    api = api_for(command_a.user)
    api_rows = _rows(api, REPORT_ENDPOINTS[0])
    csv_rows = _rows(api, REPORT_ENDPOINTS[1])
    assert len(api_rows) == len(csv_rows) >= 2
    for from_api, from_csv in zip(api_rows, csv_rows, strict=True):
        assert str(from_api["person_id"]) == from_csv["person_id"]
        assert from_api["status"] == from_csv["status"]
        assert str(from_api["modules_completed"]) == from_csv["modules_completed"]
        assert from_api["due_date"] == from_csv["due_date"]


def test_report_page_csv_and_dashboard_use_a_constant_number_of_queries(
    client, api_for, command_a, curriculum, agency_a, assignment
):
    api = api_for(command_a.user)
    client.force_login(command_a.user)

    def measure():
        counts = []
        for run in (
            lambda: api.get(REPORT_ENDPOINTS[0]),
            lambda: b"".join(api.get(REPORT_ENDPOINTS[1]).streaming_content),
            lambda: client.get("/oversight/"),
        ):
            with CaptureQueriesContext(connection) as queries:
                run()
            counts.append(len(queries))
        return counts

    def add_people(n):
        for i in range(n):
            person = PersonFactory(agency=agency_a, unit=UnitFactory(agency=agency_a))
            if i % 2:
                pass_module(person, curriculum.modules[0])

    add_people(3)
    small = measure()
    add_module(curriculum, lessons=3)  # more modules and lessons too
    add_people(12)
    assert measure() == small


def test_coordinator_revokes_a_certificate_and_verification_says_revoked(
    client, anon_api, coordinator_a, certificate
):
    client.force_login(coordinator_a.user)
    response = client.post(
        f"/oversight/certificates/{certificate.code}/revoke/",
        {"reason": "Quiz answers were shared."},
        follow=True,
    )
    assert "revoked" in response.content.decode()
    public = anon_api.get(f"/api/v1/certificates/{certificate.code}/").json()
    assert public["status"] == "revoked"
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Quiz answers were shared."
    assert certificate.revoked_by == coordinator_a.user


def test_revocation_needs_a_reason_and_changes_nothing_without_one(
    client, coordinator_a, certificate
):
    client.force_login(coordinator_a.user)
    client.post(f"/oversight/certificates/{certificate.code}/revoke/", {"reason": "   "})
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_command_staff_without_the_revoke_permission_are_refused(client, command_a, certificate):
    client.force_login(command_a.user)
    response = client.post(f"/oversight/certificates/{certificate.code}/revoke/", {"reason": "x"})
    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_transcript_shows_modules_attempts_and_certificate(client, command_a, learner, curriculum):
    fail_quiz(learner, curriculum.modules[0])
    pass_module(learner, curriculum.modules[0])
    pass_module(learner, curriculum.modules[1])
    client.force_login(command_a.user)
    page = client.get(f"/oversight/people/{learner.pk}/").content.decode()
    certificate = Certificate.objects.get(person=learner)
    assert certificate.code in page
    assert "Not passed" in page and "Passed" in page
    assert curriculum.modules[1].page.title in page


def _expire(certificate):
    Certificate.objects.filter(pk=certificate.pk).update(
        issued_at=timezone.now() - timedelta(days=400),
        expires_at=timezone.now() - timedelta(days=2),
    )
    # Written behind the rules' back: the report's tallies are rebuilt, as after any such
    # write (time running out on a certificate is tests/courses/test_tally.py's).
    tally.rebuild()


def test_an_expired_certificate_makes_the_holder_due_again(learner, certificate, curriculum):
    _expire(certificate)
    progress = learner_progress(person=learner, curricula=[curriculum.page])[0]
    assert progress.completed_at is None
    assert progress.modules_completed == 0
    assert progress.due_date == timezone.localdate() - timedelta(days=2)
    row = completion_rows(people=Person.objects.all(), curriculum=curriculum.page).get(
        pk=learner.pk
    )
    assert row.status == Status.OVERDUE
    assert row.modules_completed == 0


def test_dashboard_counts_no_module_of_a_cycle_that_has_ended(
    client, command_a, learner, learner_a2, certificate, curriculum
):
    """The unit × module table agrees with the report rows: an expired certificate leaves the
    holder due again with no module done in the new cycle; others' modules still count."""
    unit = UnitFactory(agency=learner.agency, name="Patrol East")
    for person in (learner, learner_a2):
        person.unit = unit
        person.save()
    pass_module(learner_a2, curriculum.modules[0])  # in progress, no certificate
    client.force_login(command_a.user)

    def patrol_east_cells():  # filtered: the page cache keeps only the unfiltered page
        page = client.get(f"/oversight/?unit={unit.pk}").content.decode()
        row = page.split('<th scope="row">Patrol East</th>')[1].split("</tr>")[0]
        return re.findall(r"<td>(\d+) <span", row)

    assert patrol_east_cells() == ["2", "1"]
    _expire(certificate)
    row = completion_rows(people=Person.objects.all(), curriculum=curriculum.page).get(
        pk=learner.pk
    )
    assert (row.status, row.modules_completed) == (Status.OVERDUE, 0)
    assert patrol_east_cells() == ["1", "0"]


def test_recertification_runs_a_new_cycle_and_issues_a_new_certificate(
    learner, certificate, curriculum
):
    _expire(certificate)
    attempt = start_quiz_after_lessons(learner, curriculum.modules[0])
    record = TrainingRecord.objects.get(person=learner, curriculum=curriculum.page)
    assert record.cycle == 2
    assert attempt.number == 2  # attempts keep numbering; the limit counts from the new cycle
    services.module_quiz_submit(
        person=learner,
        module=curriculum.modules[0].page,
        attempt=attempt,
        answers=correct_answers(attempt.questions),
    )
    pass_module(learner, curriculum.modules[1])
    certificates = Certificate.objects.filter(person=learner).order_by("issued_at")
    assert certificates.count() == 2
    assert certificates[0].status == "expired"
    assert certificates[1].status == "valid"
    assert certificates[1].code != certificates[0].code


def start_quiz_after_lessons(person, module):
    complete_lessons(person, module)
    return start_quiz(person, module)


def test_revoked_certificate_ends_the_cycle_without_touching_history(
    learner, certificate, curriculum, coordinator_a
):
    services.certificate_revoke(certificate=certificate, by=coordinator_a.user, reason="Error")
    progress = learner_progress(person=learner, curricula=[curriculum.page])[0]
    assert progress.completed_at is None
    row = completion_rows(people=Person.objects.all(), curriculum=curriculum.page).get(
        pk=learner.pk
    )
    assert row.status == Status.NOT_STARTED
    assert Certificate.objects.filter(person=learner).count() == 1
