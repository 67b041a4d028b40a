"""Assignment management: the services' rules and audit events, and the oversight pages for
coordinators (change), command staff (read only), learners (nothing) and other agencies (404)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from courses import assignments
from courses.models import Assignment
from lms import roles
from lms.audit import Action
from lms.errors import DomainError, ErrorCode
from lms.models import AuditEvent
from tests.factories import CurriculumPageFactory, PersonFactory, UnitFactory

LIST_URL = "/oversight/assignments/"
NEW_URL = "/oversight/assignments/new/"


def _edit_url(assignment) -> str:
    return f"/oversight/assignments/{assignment.pk}/edit/"


def _delete_url(assignment) -> str:
    return f"/oversight/assignments/{assignment.pk}/delete/"


def _next_march_first() -> date:
    return date(timezone.localdate().year + 1, 3, 1)


@pytest.fixture
def make_coordinator(role_groups):
    def make(agency):
        person = PersonFactory(agency=agency, rank="Lieutenant")
        person.user.groups.add(role_groups[roles.COORDINATOR])
        return person

    return make


@pytest.fixture
def coordinator(make_coordinator, agency_a, assignment):
    return make_coordinator(agency_a)


@pytest.fixture
def coordinator_b(make_coordinator, agency_b):
    return make_coordinator(agency_b)


@pytest.fixture
def second_curriculum(home):
    """A live curriculum nobody is assigned yet."""
    return CurriculumPageFactory(parent=home, title="De-escalation Refresher")


@pytest.fixture
def patrol_south(agency_a):
    return UnitFactory(agency=agency_a, name="Patrol South")


@pytest.fixture
def officer(agency_a, patrol_south):
    return PersonFactory(
        agency=agency_a,
        unit=patrol_south,
        badge_number="A-0417",
        user__first_name="Sam",
        user__last_name="Ortiz",
    )


@pytest.fixture
def unit_b(agency_b):
    return UnitFactory(agency=agency_b, name="Harbor Patrol")


@pytest.fixture
def officer_b(agency_b):
    return PersonFactory(agency=agency_b)


def _events(action: str):
    return AuditEvent.objects.filter(action=action)


# Services


def test_assigning_to_own_agency_records_who_what_and_when(
    coordinator, agency_a, second_curriculum
):
    due = _next_march_first()

    created = assignments.assignment_create(
        by=coordinator.user,
        curriculum=second_curriculum,
        agency=agency_a,
        due_date=due,
        recertification_months=24,
    )

    assert (created.agency, created.unit, created.person) == (agency_a, None, None)
    assert (created.due_date, created.recertification_months) == (due, 24)
    event = _events(Action.ASSIGNMENT_CREATED).get()
    assert event.actor_id == coordinator.user.pk
    assert event.agency_id == agency_a.pk
    assert event.object_id == str(created.pk)
    assert event.data == {
        "curriculum": second_curriculum.pk,
        "target": {"kind": "agency", "id": agency_a.pk, "name": agency_a.name},
        "due_date": due.isoformat(),
        "recertification_months": 24,
    }


def test_assigning_to_a_unit_of_own_agency(coordinator, agency_a, curriculum, patrol_south):
    created = assignments.assignment_create(
        by=coordinator.user,
        curriculum=curriculum.page,
        unit=patrol_south,
        due_date=_next_march_first(),
    )

    assert created.unit == patrol_south
    assert created.recertification_months is None
    event = _events(Action.ASSIGNMENT_CREATED).get()
    assert event.agency_id == agency_a.pk
    assert event.data["target"] == {"kind": "unit", "id": patrol_south.pk, "name": "Patrol South"}


def test_assigning_to_one_person_links_the_event_to_that_person(
    coordinator, agency_a, curriculum, officer
):
    created = assignments.assignment_create(
        by=coordinator.user,
        curriculum=curriculum.page,
        person=officer,
        due_date=_next_march_first(),
    )

    assert created.person == officer
    event = _events(Action.ASSIGNMENT_CREATED).get()
    assert (event.agency_id, event.person_id) == (agency_a.pk, officer.pk)
    assert event.data["target"]["name"] == "Sam Ortiz (A-0417)"


@pytest.mark.parametrize("target", ["agency", "unit", "person"])
def test_targets_in_another_agency_are_not_found_and_nothing_is_written(
    coordinator, curriculum, agency_b, unit_b, officer_b, target
):
    other = {"agency": agency_b, "unit": unit_b, "person": officer_b}[target]
    assignments_before, events_before = Assignment.objects.count(), AuditEvent.objects.count()

    with pytest.raises(DomainError) as raised:
        assignments.assignment_create(
            by=coordinator.user,
            curriculum=curriculum.page,
            due_date=_next_march_first(),
            **{target: other},
        )

    assert raised.value.code == ErrorCode.NOT_FOUND
    assert raised.value.field == target
    assert Assignment.objects.count() == assignments_before
    assert AuditEvent.objects.count() == events_before


def test_assigning_the_same_curriculum_to_the_same_target_again_is_a_conflict(
    coordinator, agency_a, curriculum
):
    events_before = AuditEvent.objects.count()

    with pytest.raises(DomainError) as raised:
        assignments.assignment_create(
            by=coordinator.user,
            curriculum=curriculum.page,
            agency=agency_a,
            due_date=_next_march_first(),
        )

    assert raised.value.code == ErrorCode.CONFLICT
    assert "already assigned" in raised.value.message
    assert "edit the existing assignment" in raised.value.message
    assert Assignment.objects.filter(curriculum=curriculum.page, agency=agency_a).count() == 1
    assert AuditEvent.objects.count() == events_before


def test_the_same_curriculum_may_go_to_the_agency_and_to_one_of_its_units(
    coordinator, curriculum, patrol_south
):
    assignments.assignment_create(
        by=coordinator.user,
        curriculum=curriculum.page,
        unit=patrol_south,
        due_date=timezone.localdate(),
    )

    assert Assignment.objects.filter(curriculum=curriculum.page).count() == 2


@pytest.mark.parametrize("months", [0, -1, 121, 1000])
def test_recertification_outside_1_to_120_months_is_invalid(
    coordinator, agency_a, second_curriculum, months
):
    with pytest.raises(DomainError) as raised:
        assignments.assignment_create(
            by=coordinator.user,
            curriculum=second_curriculum,
            agency=agency_a,
            due_date=_next_march_first(),
            recertification_months=months,
        )

    assert (raised.value.code, raised.value.field) == (ErrorCode.INVALID, "recertification_months")
    assert not Assignment.objects.filter(curriculum=second_curriculum).exists()


@pytest.mark.parametrize("months", [1, 120])
def test_recertification_of_1_and_120_months_is_accepted(
    coordinator, agency_a, second_curriculum, months
):
    created = assignments.assignment_create(
        by=coordinator.user,
        curriculum=second_curriculum,
        agency=agency_a,
        due_date=_next_march_first(),
        recertification_months=months,
    )

    assert created.recertification_months == months


def test_due_date_is_required_and_at_most_five_years_ahead(
    coordinator, agency_a, second_curriculum
):
    too_late = assignments.latest_due_date() + timedelta(days=1)
    for due in (None, too_late):
        with pytest.raises(DomainError) as raised:
            assignments.assignment_create(
                by=coordinator.user, curriculum=second_curriculum, agency=agency_a, due_date=due
            )
        assert (raised.value.code, raised.value.field) == (ErrorCode.INVALID, "due_date")

    created = assignments.assignment_create(
        by=coordinator.user,
        curriculum=second_curriculum,
        agency=agency_a,
        due_date=assignments.latest_due_date(),
    )
    assert created.due_date == assignments.latest_due_date()


def test_exactly_one_target_is_required(coordinator, agency_a, second_curriculum, patrol_south):
    for targets in ({}, {"agency": agency_a, "unit": patrol_south}):
        with pytest.raises(DomainError) as raised:
            assignments.assignment_create(
                by=coordinator.user,
                curriculum=second_curriculum,
                due_date=_next_march_first(),
                **targets,
            )
        assert (raised.value.code, raised.value.field) == (ErrorCode.INVALID, "target")


def test_update_records_the_values_before_and_after(coordinator, agency_a, assignment):
    old_due = assignment.due_date
    new_due = _next_march_first()

    updated = assignments.assignment_update(
        by=coordinator.user, assignment=assignment, due_date=new_due, recertification_months=12
    )

    assert (updated.due_date, updated.recertification_months) == (new_due, 12)
    assignment.refresh_from_db()
    assert (assignment.due_date, assignment.recertification_months) == (new_due, 12)
    event = _events(Action.ASSIGNMENT_CHANGED).get()
    assert (event.actor_id, event.agency_id) == (coordinator.user.pk, agency_a.pk)
    assert event.data["before"] == {
        "due_date": old_due.isoformat(),
        "recertification_months": None,
    }
    assert event.data["after"] == {"due_date": new_due.isoformat(), "recertification_months": 12}
    assert event.data["target"]["kind"] == "agency"


def test_update_with_the_same_values_records_nothing(coordinator, assignment):
    assignments.assignment_update(
        by=coordinator.user,
        assignment=assignment,
        due_date=assignment.due_date,
        recertification_months=assignment.recertification_months,
    )

    assert not _events(Action.ASSIGNMENT_CHANGED).exists()


def test_update_checks_the_same_limits_as_create(coordinator, assignment):
    with pytest.raises(DomainError) as raised:
        assignments.assignment_update(
            by=coordinator.user,
            assignment=assignment,
            due_date=assignment.due_date,
            recertification_months=121,
        )

    assert raised.value.field == "recertification_months"
    assignment.refresh_from_db()
    assert assignment.recertification_months is None


def test_delete_removes_the_assignment_and_records_it(coordinator, agency_a, assignment):
    assignment_id = assignment.pk

    assignments.assignment_delete(by=coordinator.user, assignment=assignment)

    assert not Assignment.objects.filter(pk=assignment_id).exists()
    event = _events(Action.ASSIGNMENT_DELETED).get()
    assert (event.actor_id, event.agency_id) == (coordinator.user.pk, agency_a.pk)
    assert event.object_id == str(assignment_id)
    assert event.data["curriculum"] == assignment.curriculum_id
    assert event.data["due_date"] == assignment.due_date.isoformat()


def test_another_agencys_coordinator_cannot_change_or_delete_through_the_services(
    coordinator_b, assignment
):
    for change in (
        lambda: assignments.assignment_update(
            by=coordinator_b.user,
            assignment=assignment,
            due_date=_next_march_first(),
            recertification_months=None,
        ),
        lambda: assignments.assignment_delete(by=coordinator_b.user, assignment=assignment),
    ):
        with pytest.raises(DomainError) as raised:
            change()
        assert raised.value.code == ErrorCode.NOT_FOUND

    assert Assignment.objects.filter(pk=assignment.pk).exists()
    assert not AuditEvent.objects.filter(action__startswith="assignment.").exists()


# Pages: coordinators


def test_coordinator_sees_the_list_with_buttons_to_change_it(
    client, coordinator, assignment, django_assert_max_num_queries
):
    client.force_login(coordinator.user)

    with django_assert_max_num_queries(12):
        response = client.get(LIST_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert assignment.curriculum.title in content
    assert "Agency A Police Department" in content
    assert "New assignment" in content
    assert _edit_url(assignment) in content
    assert _delete_url(assignment) in content


def test_list_queries_do_not_grow_with_the_number_of_assignments(
    client, coordinator, curriculum, agency_a, django_assert_max_num_queries
):
    for _ in range(5):
        unit = UnitFactory(agency=agency_a)
        person = PersonFactory(agency=agency_a)
        Assignment.objects.create(
            curriculum=curriculum.page, unit=unit, due_date=timezone.localdate()
        )
        Assignment.objects.create(
            curriculum=curriculum.page, person=person, due_date=timezone.localdate()
        )
    client.force_login(coordinator.user)

    with django_assert_max_num_queries(12):
        response = client.get(LIST_URL)

    assert response.status_code == 200
    assert len(response.context["page"]) == 11


def test_coordinator_assigns_a_curriculum_to_a_unit_through_the_form(
    client, coordinator, curriculum, patrol_south
):
    client.force_login(coordinator.user)
    form = client.get(NEW_URL)
    assert form.status_code == 200
    assert "Patrol South" in form.content.decode()

    response = client.post(
        NEW_URL,
        {
            "curriculum": curriculum.page.pk,
            "target_kind": "unit",
            "unit": patrol_south.pk,
            "person": "",
            "due_date": _next_march_first().isoformat(),
            "recertification_months": "12",
        },
        follow=True,
    )

    assert response.redirect_chain == [(LIST_URL, 302)]
    created = Assignment.objects.get(curriculum=curriculum.page, unit=patrol_south)
    assert (created.due_date, created.recertification_months) == (_next_march_first(), 12)
    expected = (
        f"Assigned {curriculum.page.title} to Patrol South, due Mar 1, {created.due_date.year}."
    )
    assert [str(m) for m in response.context["messages"]] == [expected]
    assert _events(Action.ASSIGNMENT_CREATED).filter(object_id=str(created.pk)).exists()


def test_the_chosen_target_kind_decides_which_select_is_used(
    client, coordinator, curriculum, patrol_south, officer
):
    client.force_login(coordinator.user)

    response = client.post(
        NEW_URL,
        {
            "curriculum": curriculum.page.pk,
            "target_kind": "person",
            "unit": patrol_south.pk,
            "person": officer.pk,
            "due_date": _next_march_first().isoformat(),
        },
    )

    assert response.status_code == 302
    created = Assignment.objects.get(curriculum=curriculum.page, person__isnull=False)
    assert (created.person, created.unit) == (officer, None)


def test_people_are_listed_by_name_and_badge(client, coordinator, officer):
    client.force_login(coordinator.user)

    content = client.get(NEW_URL).content.decode()

    assert "Sam Ortiz (A-0417)" in content


def test_form_explains_missing_and_out_of_range_values_per_field(client, coordinator, curriculum):
    client.force_login(coordinator.user)

    response = client.post(
        NEW_URL,
        {
            "curriculum": curriculum.page.pk,
            "target_kind": "unit",
            "unit": "",
            "due_date": "",
            "recertification_months": "500",
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["unit"] == ["Choose the unit to assign the curriculum to."]
    assert errors["due_date"] == ["Enter the due date."]
    assert "from 1 to 120" in errors["recertification_months"][0]
    content = response.content.decode()
    assert 'id="id_unit_error"' in content
    assert 'aria-describedby="id_unit_helptext id_unit_error"' in content
    assert not Assignment.objects.filter(unit__isnull=False).exists()


def test_form_shows_the_duplicate_refusal_and_assigns_nothing(
    client, coordinator, curriculum, agency_a
):
    client.force_login(coordinator.user)

    response = client.post(
        NEW_URL,
        {
            "curriculum": curriculum.page.pk,
            "target_kind": "agency",
            "due_date": _next_march_first().isoformat(),
        },
    )

    assert response.status_code == 200
    assert "already assigned" in response.context["form"].non_field_errors()[0]
    assert Assignment.objects.filter(curriculum=curriculum.page, agency=agency_a).count() == 1


def test_form_refuses_a_unit_of_another_agency(client, coordinator, curriculum, unit_b):
    client.force_login(coordinator.user)

    response = client.post(
        NEW_URL,
        {
            "curriculum": curriculum.page.pk,
            "target_kind": "unit",
            "unit": unit_b.pk,
            "due_date": _next_march_first().isoformat(),
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["unit"] == ["Choose a unit from the list."]
    assert not Assignment.objects.filter(unit=unit_b).exists()


def test_coordinator_changes_due_date_and_recertification(client, coordinator, assignment):
    client.force_login(coordinator.user)
    assert client.get(_edit_url(assignment)).status_code == 200
    due = _next_march_first()

    response = client.post(
        _edit_url(assignment),
        {"due_date": due.isoformat(), "recertification_months": "12"},
        follow=True,
    )

    assert response.redirect_chain == [(LIST_URL, 302)]
    assignment.refresh_from_db()
    assert (assignment.due_date, assignment.recertification_months) == (due, 12)
    message = str(next(iter(response.context["messages"])))
    assert message.startswith(f"Changed the assignment of {assignment.curriculum.title}")
    assert f"due Mar 1, {due.year}" in message
    assert _events(Action.ASSIGNMENT_CHANGED).count() == 1


def test_edit_page_cannot_change_curriculum_or_target(
    client, coordinator, assignment, second_curriculum, patrol_south
):
    client.force_login(coordinator.user)

    client.post(
        _edit_url(assignment),
        {
            "curriculum": second_curriculum.pk,
            "unit": patrol_south.pk,
            "target_kind": "unit",
            "due_date": _next_march_first().isoformat(),
        },
    )

    assignment.refresh_from_db()
    assert assignment.curriculum_id != second_curriculum.pk
    assert (assignment.unit_id, assignment.agency_id) == (None, coordinator.agency_id)


def test_coordinator_deletes_after_confirming(client, coordinator, assignment):
    client.force_login(coordinator.user)

    confirm = client.get(_delete_url(assignment))
    assert confirm.status_code == 200
    assert Assignment.objects.filter(pk=assignment.pk).exists()

    response = client.post(_delete_url(assignment), follow=True)

    assert response.redirect_chain == [(LIST_URL, 302)]
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert _events(Action.ASSIGNMENT_DELETED).count() == 1
    assert "Removed the assignment" in str(next(iter(response.context["messages"])))


# Pages: command staff, learners, other agencies


def test_command_staff_read_the_list_without_change_buttons(client, command_a, assignment):
    client.force_login(command_a.user)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert assignment.curriculum.title in content
    assert NEW_URL not in content
    assert _edit_url(assignment) not in content


@pytest.mark.parametrize("method", ["get", "post"])
def test_command_staff_cannot_create_edit_or_delete(client, command_a, assignment, method):
    client.force_login(command_a.user)

    for url in (NEW_URL, _edit_url(assignment), _delete_url(assignment)):
        assert getattr(client, method)(url).status_code == 403
    assert Assignment.objects.filter(pk=assignment.pk).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_learners_are_refused_every_assignment_page(client, learner, assignment, method):
    client.force_login(learner.user)

    for url in (LIST_URL, NEW_URL, _edit_url(assignment), _delete_url(assignment)):
        if method == "post" and url == LIST_URL:
            continue
        assert getattr(client, method)(url).status_code == 403
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, assignment):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_agencys_coordinator_gets_404_for_edit_and_delete(
    client, coordinator_b, assignment, method
):
    client.force_login(coordinator_b.user)

    for url in (_edit_url(assignment), _delete_url(assignment)):
        data = {"due_date": _next_march_first().isoformat()} if method == "post" else None
        assert getattr(client, method)(url, data).status_code == 404
    assignment.refresh_from_db()
    assert assignment.due_date != _next_march_first()
    assert not AuditEvent.objects.filter(action__startswith="assignment.").exists()


def test_another_agencys_coordinator_does_not_see_the_assignment_listed(
    client, coordinator_b, assignment
):
    client.force_login(coordinator_b.user)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert list(response.context["page"]) == []


def test_new_assignment_form_offers_only_own_units_and_people(
    client, coordinator, patrol_south, officer, unit_b, officer_b
):
    client.force_login(coordinator.user)

    form = client.get(NEW_URL).context["form"]

    assert list(form.fields["unit"].queryset) == [patrol_south]
    people = set(form.fields["person"].queryset)
    assert officer in people
    assert officer_b not in people
