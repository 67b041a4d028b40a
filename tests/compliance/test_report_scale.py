"""An agency's compliance in a constant number of queries, whatever its size."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.models import ComplianceProfile, EntrySource, EntryStatus, TrainingEntry
from compliance.selectors import compliance_report
from lms.models import Agency, Person, Unit

MAX_QUERIES = 6


def bulk_agency(agency: Agency, officers: int, prefix: str) -> None:
    """`officers` sworn officers with licence dates and two approved and one pending entry."""
    unit = Unit.objects.create(agency=agency, name=f"{prefix} patrol")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{prefix}{i}", first_name="O", last_name=f"{prefix}{i}")
        for i in range(officers)
    )
    people = Person.objects.bulk_create(
        Person(user=user, agency=agency, unit=unit, badge_number=f"{prefix}-{i}")
        for i, user in enumerate(users)
    )
    today = timezone.localdate()
    ComplianceProfile.objects.bulk_create(
        ComplianceProfile(person=p, licence_expires_on=today + timedelta(days=30 + i % 900))
        for i, p in enumerate(people)
    )
    entries = []
    for i, person in enumerate(people):
        for n, (status, category) in enumerate(
            [("approved", "autism"), ("approved", "use_of_force"), ("pending", "ce_other")]
        ):
            entries.append(
                TrainingEntry(
                    person=person,
                    source=EntrySource.EXTERNAL,
                    status=status,
                    title="Course",
                    completed_on=today - timedelta(days=1 + (i + n * 37) % 300),
                    hours=Decimal(4),
                    categories=[category],
                )
            )
    TrainingEntry.objects.bulk_create(entries, batch_size=2000)


def queries(agency: Agency) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        report = compliance_report(people=Person.objects.all(), agency_id=agency.pk)
    return len(captured), len(report.rows)


def test_compliance_for_an_agency_of_5000_takes_as_many_queries_as_for_50(
    minnesota, agency_a, on_rule_set
):
    small = Agency.objects.create(name="Small PD", slug="small-pd")
    on_rule_set("mn-post", agency=small)
    bulk_agency(small, 50, "s")
    bulk_agency(agency_a, 5000, "a")
    small_queries, small_rows = queries(small)
    large_queries, large_rows = queries(agency_a)
    assert (small_rows, large_rows) == (50, 5000)
    assert small_queries == large_queries <= MAX_QUERIES
    counts = compliance_report(people=Person.objects.all(), agency_id=agency_a.pk).counts()
    assert sum(counts.values()) == 5000
    assert TrainingEntry.objects.filter(status=EntryStatus.PENDING).count() == 5050


def test_the_dashboard_and_report_api_of_5000_stay_within_a_fixed_number_of_queries(
    minnesota, agency_a, command_a, client, api_for, django_assert_max_num_queries
):
    bulk_agency(agency_a, 5000, "a")
    client.force_login(command_a.user)
    reset_queries()  # each request empties the log: start from an empty one
    with django_assert_max_num_queries(20) as captured:
        response = client.get("/compliance/staff/")
    assert len(captured) > 5  # the count is real: the report's own queries are in it
    assert response.status_code == 200
    assert b"5000" in response.content.replace(b",", b"")
    api = api_for(command_a.user)
    reset_queries()
    with django_assert_max_num_queries(20) as captured:
        body = api.get("/api/v1/reports/compliance/?page=2").json()
    assert body["count"] == 5000 and len(body["results"]) == 50
    assert len(captured) > 5
