"""Reports read from the replica (issue 19, item 2), on PostgreSQL with a second alias that is
the test database itself (settings/test.py: TEST MIRROR): which connection served the reads,
before and after the reader wrote something."""

import pytest
from django.db import connections, router
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lms import roles
from lms.models import Person
from lms.replica import PIN_COOKIE, REPLICA
from tests.factories import AgencyFactory, PersonFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(
        transaction=True, serialized_rollback=True, databases=["default", REPLICA]
    ),
]
REPORT = "/compliance/staff/"


@pytest.fixture
def replica_on(settings):
    settings.REPLICA_READS = True
    settings.REPLICA_PIN_SECONDS = 15


def command_staff_client(agency) -> Client:
    """Command staff of `agency`, signed in (built here: a committing test has no base data)."""
    person = PersonFactory(agency=agency, rank="Captain")
    person.user.groups.add(roles.ensure_roles()[roles.COMMAND_STAFF])
    client = Client()
    client.force_login(person.user)
    return client


def served(client, path):
    """(response, queries on the primary, queries on the replica)."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = client.get(path)
    return response, primary.captured_queries, replica.captured_queries


def report_reads(queries) -> list[str]:
    """The compliance report's own reads (the signed-in user is loaded before the view)."""
    return [q["sql"] for q in queries if '"compliance_' in q["sql"]]


def test_a_report_reads_from_the_replica_and_writes_nothing_there(replica_on):
    agency = AgencyFactory()
    PersonFactory.create_batch(3, agency=agency)
    client = command_staff_client(agency)

    response, primary, replica = served(client, REPORT)

    assert response.status_code == 200
    assert report_reads(replica), "the report's people came from the replica"
    assert report_reads(primary) == []
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in replica)
    assert PIN_COOKIE not in response.cookies


def test_after_a_write_the_writers_reads_stay_on_the_primary_until_the_pin_expires(
    replica_on, settings
):
    agency = AgencyFactory()
    writer, other = command_staff_client(agency), command_staff_client(agency)

    # Opening the authenticator enrolment page creates the user's pending device: a write.
    wrote = writer.get("/accounts/mfa/enrol/")
    assert wrote.status_code == 200
    assert wrote.cookies[PIN_COOKIE]["max-age"] == settings.REPLICA_PIN_SECONDS

    response, primary, replica = served(writer, REPORT)
    assert response.status_code == 200
    assert report_reads(primary) and replica == []

    _, primary, replica = served(other, REPORT)  # someone else's reads are not pinned
    assert report_reads(replica) and report_reads(primary) == []

    del writer.cookies[PIN_COOKIE]  # what the browser does after max-age
    _, primary, replica = served(writer, REPORT)
    assert report_reads(replica) and report_reads(primary) == []


def test_other_pages_read_from_the_primary(replica_on):
    client = command_staff_client(AgencyFactory())

    _, primary, replica = served(client, "/compliance/")

    assert primary and replica == []


def test_without_a_replica_the_report_reads_from_the_primary(settings):
    settings.REPLICA_READS = False
    agency = AgencyFactory()
    client = command_staff_client(agency)

    response, primary, replica = served(client, REPORT)

    assert response.status_code == 200
    assert report_reads(primary) and replica == []
    assert PIN_COOKIE not in client.get("/accounts/mfa/enrol/").cookies


def test_writes_and_migrations_go_to_the_primary_only(replica_on):
    assert router.db_for_write(Person) == "default"
    assert router.allow_migrate("default", "lms")
    assert not router.allow_migrate(REPLICA, "lms")
