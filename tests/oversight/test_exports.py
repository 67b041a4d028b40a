"""One CSV export flow (`oversight.exports.completion_csv_export`) behind both doors: the API's
completion.csv and the dashboard's. For each filter, both give the same file and write the
same audit event."""

import csv
import io

import pytest
from django.utils import timezone

from lms.audit import Action
from lms.models import AuditEvent
from tests.factories import PersonFactory, UnitFactory
from tests.helpers import pass_module

DOORS = ["api", "page"]

# (filters, the people expected by name), people: "done" passed both modules, "none" nothing.
CASES = [
    ({}, {"done", "none", "east"}),
    ({"status": "completed"}, {"done"}),
    ({"status": "not_started"}, {"none", "east"}),
    ({"unit": "east"}, {"east"}),
    ({"category": "civilian"}, {"none"}),
    ({"unit": "east", "status": "completed"}, set()),
]


@pytest.fixture
def world(make_command_staff, agency_a, assignment, curriculum):
    east = UnitFactory(agency=agency_a, name="East")
    people = {
        "done": PersonFactory(agency=agency_a, user__first_name="Done"),
        "none": PersonFactory(
            agency=agency_a, user__first_name="None", personnel_category="civilian"
        ),
        "east": PersonFactory(agency=agency_a, user__first_name="East", unit=east),
    }
    for module in curriculum.modules:
        pass_module(people["done"], module)
    command = make_command_staff(agency_a)
    command.user.first_name = "Command"
    command.user.save()
    return {"command": command, "people": people, "east": east, "curriculum": curriculum.page}


def _download(door, client, api_for, user, params):
    if door == "api":
        response = api_for(user).get("/api/v1/reports/completion.csv", params)
    else:
        client.force_login(user)
        response = client.get("/oversight/completion.csv", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    return response["Content-Disposition"], list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(("filters", "expected"), CASES)
def test_each_door_exports_the_filtered_rows_and_records_the_export(
    client, api_for, world, door, filters, expected
):
    params = {k: world["east"].pk if v == "east" else v for k, v in filters.items()}
    disposition, rows = _download(door, client, api_for, world["command"].user, params)

    stamp = timezone.localdate().isoformat()
    assert disposition == (
        f'attachment; filename="completion-{world["curriculum"].slug}-{stamp}.csv"'
    )
    names = {world["people"][key].display_name: key for key in world["people"]}
    listed = {names[row["name"]] for row in rows if row["name"] in names}
    assert listed == expected
    assert all(row["modules_total"] == "2" for row in rows)
    event = AuditEvent.objects.filter(action=Action.REPORT_EXPORTED).get()
    assert event.actor_username == world["command"].user.username
    assert event.data == {
        "format": "csv",
        "unit": params.get("unit"),
        "status": params.get("status"),
        "category": params.get("category"),
    }
