"""The oversight boundary inside one agency: command staff limited to some units (a person's
`oversight_units`) read those units and nothing of the others, on every oversight page and
report endpoint. Agency B's reach into A is tested in test_dashboard.py."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from courses import assignments as assignment_services
from courses.models import Assignment, Certificate
from lms import roles
from lms.audit import Action
from lms.errors import DomainError, ErrorCode
from lms.models import AuditEvent
from oversight.exports import record_report_export
from tests.factories import CurriculumPageFactory, PersonFactory, UnitFactory, make_survey
from tests.helpers import complete_lessons, pass_module

# Everything that names the other unit, its people or what only they were given (the new
# assignment form alone lists every live curriculum: the catalogue belongs to no unit).
SOUTH_MARKS = ("Patrol South", "Sam Southwell", "ssouthwell", "S-0099")
SOUTH_CURRICULUM = "Harbour Safety"
NEW_URL = "/oversight/assignments/new/"
REPORT_ENDPOINTS = ["/api/v1/reports/completion/", "/api/v1/reports/completion.csv"]


@pytest.fixture
def north(agency_a):
    return UnitFactory(agency=agency_a, name="Patrol North")


@pytest.fixture
def south(agency_a):
    return UnitFactory(agency=agency_a, name="Patrol South")


@pytest.fixture
def nora(agency_a, north, assignment):
    return PersonFactory(
        agency=agency_a,
        unit=north,
        badge_number="N-0042",
        user__username="nnorthcott",
        user__first_name="Nora",
        user__last_name="Northcott",
    )


@pytest.fixture
def sam(agency_a, south, assignment):
    return PersonFactory(
        agency=agency_a,
        unit=south,
        badge_number="S-0099",
        user__username="ssouthwell",
        user__first_name="Sam",
        user__last_name="Southwell",
    )


def _staff(role_groups, agency, role: str, *, units=(), username: str):
    person = PersonFactory(agency=agency, rank="Lieutenant", user__username=username)
    person.user.groups.add(role_groups[role])
    person.oversight_units.set(units)
    return person


@pytest.fixture
def north_coordinator(role_groups, agency_a, north, assignment):
    """A coordinator whose oversight is limited to Patrol North."""
    return _staff(role_groups, agency_a, roles.COORDINATOR, units=[north], username="ncoord")


@pytest.fixture
def agency_coordinator(role_groups, agency_a, assignment):
    """A coordinator of the whole agency."""
    return _staff(role_groups, agency_a, roles.COORDINATOR, username="acoord")


@pytest.fixture
def world(home, curriculum, agency_a, north, south, nora, sam, agency_coordinator):
    """Progress, a certificate and assignments on both sides, made by the agency coordinator."""
    due = timezone.localdate() + timedelta(days=60)
    make = assignment_services.assignment_create
    by = agency_coordinator.user
    harbour = CurriculumPageFactory(parent=home, title="Harbour Safety", survey=make_survey())
    made = {
        "south_unit": make(by=by, curriculum=harbour, unit=south, due_date=due),
        "sam": make(by=by, curriculum=curriculum.page, person=sam, due_date=due),
        "north_unit": make(by=by, curriculum=curriculum.page, unit=north, due_date=due),
        "nora": make(by=by, curriculum=curriculum.page, person=nora, due_date=due),
    }
    for module in curriculum.modules:
        pass_module(sam, module)
    complete_lessons(nora, curriculum.modules[0])
    record_report_export(
        viewer=by,
        filters={"curriculum": harbour, "unit": south, "status": None, "category": None},
        fmt="csv",
    )
    return made


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _assert_no_south(response, url: str) -> str:
    """The response's text, after checking that it names nothing of Patrol South."""
    text = _text(response)
    for mark in SOUTH_MARKS if url == NEW_URL else (*SOUTH_MARKS, SOUTH_CURRICULUM):
        assert mark not in text, f"{url} shows {mark!r}"
    return text


def test_a_unit_limited_coordinator_reaches_nothing_of_another_unit(
    client, api_for, north_coordinator, world, sam, nora, south, north, curriculum, assignment
):
    """Walk every oversight page and report endpoint as a coordinator limited to North."""
    certificate = Certificate.objects.get(person=sam)
    client.force_login(north_coordinator.user)
    api = api_for(north_coordinator.user)

    # Pages the viewer may open: their own unit's things only.
    readable = [
        "/oversight/",
        f"/oversight/?unit={north.pk}",
        "/oversight/completion.csv",
        f"/oversight/people/{nora.pk}/",
        "/oversight/surveys/",
        "/oversight/assignments/",
        NEW_URL,
        f"/oversight/assignments/{world['north_unit'].pk}/edit/",
        f"/oversight/assignments/{world['nora'].pk}/delete/",
        "/oversight/audit/",
        f"/oversight/audit/?person={sam.pk}",
    ]
    for url in readable:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_no_south(response, url)
    by_sam = client.get(f"/oversight/audit/?actor={sam.user.username}")  # the filter is echoed
    assert by_sam.status_code == 200 and list(by_sam.context["page"]) == []
    for url in REPORT_ENDPOINTS:
        response = api.get(url)
        assert response.status_code == 200, url
        assert "Nora Northcott" in _assert_no_south(response, url)

    # Objects of the other unit, and agency-wide assignments (read-only), answer 404.
    not_found = [
        f"/oversight/?unit={south.pk}",
        f"/oversight/completion.csv?unit={south.pk}",
        f"/oversight/?curriculum={world['south_unit'].curriculum_id}",
        f"/oversight/people/{sam.pk}/",
        f"/oversight/surveys/?curriculum={world['south_unit'].curriculum_id}",
        f"/oversight/assignments/{world['south_unit'].pk}/edit/",
        f"/oversight/assignments/{world['sam'].pk}/edit/",
        f"/oversight/assignments/{assignment.pk}/edit/",
        f"/oversight/assignments/{world['south_unit'].pk}/delete/",
        f"/oversight/assignments/{world['sam'].pk}/delete/",
        f"/oversight/assignments/{assignment.pk}/delete/",
    ]
    for url in not_found:
        response = client.get(url)
        assert response.status_code == 404, url
        _assert_no_south(response, url)
    for url in REPORT_ENDPOINTS:
        assert api.get(f"{url}?unit={south.pk}").status_code == 404, url
        assert api.get(f"{url}?curriculum={world['south_unit'].curriculum_id}").status_code == 404
    posted = [
        (f"/oversight/certificates/{certificate.code}/revoke/", {"reason": "x"}),
        (f"/oversight/assignments/{world['south_unit'].pk}/edit/", {"due_date": "2030-01-01"}),
        (f"/oversight/assignments/{assignment.pk}/edit/", {"due_date": "2030-01-01"}),
        (f"/oversight/assignments/{world['sam'].pk}/delete/", {}),
        (f"/oversight/assignments/{assignment.pk}/delete/", {}),
    ]
    for url, data in posted:
        assert client.post(url, data).status_code == 404, url
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None
    assert (
        Assignment.objects.filter(
            pk__in=[world["south_unit"].pk, world["sam"].pk, assignment.pk],
            due_date__year__lt=2030,
        ).count()
        == 3
    )

    # What the lists do show: North, its people, and the agency-wide assignment.
    listed = _text(client.get("/oversight/assignments/"))
    assert "Patrol North" in listed and "Nora Northcott" in listed
    assert "Agency A Police Department" in listed
    assert f"/oversight/assignments/{assignment.pk}/edit/" not in listed
    assert f"/oversight/assignments/{world['north_unit'].pk}/edit/" in listed
    dashboard = client.get("/oversight/")
    assert [u.name for u in dashboard.context["units"]] == ["Patrol North"]
    assert "Nora Northcott" in _text(dashboard)
    form = client.get(NEW_URL).context["form"]
    assert list(form.fields["unit"].queryset) == [north]
    assert list(form.fields["person"].queryset) == [nora]
    assert "agency" not in dict(form.fields["target_kind"].choices)


def test_a_unit_limited_viewer_sees_events_of_their_units_and_their_own(
    client, north_coordinator, world, sam, nora, north
):
    client.force_login(north_coordinator.user)
    assignment_services.assignment_update(
        by=north_coordinator.user,
        assignment=world["nora"],
        due_date=timezone.localdate() + timedelta(days=90),
        recertification_months=12,
    )

    response = client.get("/oversight/audit/")

    assert "Your oversight is limited to Patrol North" in response.content.decode()
    page = response.context["page"]

    seen = list(page)
    # About Nora, or about the viewer themselves (their sign-in).
    assert {e.person_id for e in seen if e.person_id} == {nora.pk, north_coordinator.pk}
    assert any(e.actor_id == north_coordinator.user.pk for e in seen)  # their own change
    # The agency coordinator's assignment to North is an event about North.
    assert any(
        e.action == Action.ASSIGNMENT_CREATED and e.data["target"]["id"] == north.pk for e in seen
    )
    hidden = AuditEvent.objects.exclude(pk__in=[e.pk for e in seen])
    assert hidden.filter(person_id=sam.pk).exists()
    assert hidden.filter(action=Action.REPORT_EXPORTED).exists()
    transcript = client.get(f"/oversight/people/{nora.pk}/")
    assert {e.person_id for e in transcript.context["events"]} == {nora.pk}


def test_the_agency_coordinator_still_sees_every_unit(client, agency_coordinator, world, sam):
    """The same walk as a whole-agency coordinator: the other unit is there (the test can fail)."""
    client.force_login(agency_coordinator.user)
    assert "Sam Southwell" in _text(client.get("/oversight/"))
    assert "Patrol South" in _text(client.get("/oversight/assignments/"))
    assert client.get(f"/oversight/people/{sam.pk}/").status_code == 200
    assert AuditEvent.objects.visible_to(agency_coordinator.user).filter(person_id=sam.pk).exists()
    form = client.get(NEW_URL).context["form"]
    assert "agency" in dict(form.fields["target_kind"].choices)


def test_a_unit_limited_coordinator_assigns_only_within_their_units(
    client, north_coordinator, world, south, sam, north, nora, home
):
    curriculum = CurriculumPageFactory(parent=home, title="Radio Procedure")
    due = timezone.localdate() + timedelta(days=30)
    by = north_coordinator.user
    refused = [
        {"unit": south},
        {"person": sam},
        {"agency": north_coordinator.agency},
    ]
    for target in refused:
        with pytest.raises(DomainError) as error:
            assignment_services.assignment_create(
                by=by, curriculum=curriculum, due_date=due, **target
            )
        assert error.value.code == ErrorCode.NOT_FOUND
    client.force_login(by)
    for data in (
        {"target_kind": "unit", "unit": south.pk},
        {"target_kind": "person", "person": sam.pk},
        {"target_kind": "agency"},
    ):
        response = client.post(
            NEW_URL,
            {"curriculum": curriculum.pk, "due_date": due.isoformat(), **data},
        )
        assert response.status_code == 200, data  # the form again, with the refusal
    assert not Assignment.objects.filter(curriculum=curriculum).exists()

    assert (
        assignment_services.assignment_create(
            by=by, curriculum=curriculum, unit=north, due_date=due
        ).unit
        == north
    )
    assert (
        assignment_services.assignment_create(
            by=by, curriculum=curriculum, person=nora, due_date=due
        ).person
        == nora
    )


def test_only_an_agency_wide_admin_may_import_the_roster(role_groups, client, agency_a, north):
    limited = _staff(role_groups, agency_a, roles.AGENCY_ADMIN, units=[north], username="nadmin")
    whole = _staff(role_groups, agency_a, roles.AGENCY_ADMIN, username="aadmin")
    client.force_login(limited.user)
    assert client.get("/oversight/roster/").status_code == 403
    roster = io.BytesIO(b"badge_number,first_name\n")
    roster.name = "roster.csv"
    assert client.post("/oversight/roster/", {"file": roster}).status_code == 403
    client.force_login(whole.user)
    assert client.get("/oversight/roster/").status_code == 200


def test_unit_limited_api_rows_are_their_units_people_only(api_for, north_coordinator, world, nora):
    api = api_for(north_coordinator.user)
    names = {row["name"] for row in api.get(REPORT_ENDPOINTS[0]).json()["results"]}
    assert names == {"Nora Northcott"}
    response = api.get(REPORT_ENDPOINTS[1])
    rows = list(csv.DictReader(io.StringIO(_text(response))))
    assert {row["name"] for row in rows} == {"Nora Northcott"}
