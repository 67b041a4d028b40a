"""Hypothesis fuzzes every oversight filter and form: whatever is typed or posted, the answer
is a page, a redirect, a 4xx, never a 5xx (issue 13, item 8). The schemathesis run over the API
is tests/api/test_fuzz.py; both run on whichever database DATABASE_URL names (CI runs the suite
on SQLite and on PostgreSQL).

Values mix text of any kind with the inputs that broke things before: ids past 64 bits, Unicode
digits, negative and decimal numbers, NUL, ids that exist. Derandomized and bounded (25 examples
per form), so a run is reproducible and quick; each example runs in a savepoint rolled back after.
"""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.models import Assignment
from lms import roles
from lms.roster import COLUMNS
from tests.factories import PersonFactory, UnitFactory

EXAMPLES = 25
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

TRICKY = [
    "",
    " ",
    "9" * 25,
    "9" * 19,
    "9" * 18,
    "²",
    "٣",
    "-1",
    "0",
    "1.5",
    "1e3",
    "\x00",
    "2027-02-30",
    "0000-01-01",
    "9999-12-31",
    "<script>",
    "' OR 1=1 --",
]


def values(known: list[str]):
    """A form value: any short text, a number, a tricky input or an id that exists."""
    return st.one_of(
        st.text(max_size=30),
        st.integers().map(str),
        st.sampled_from(TRICKY),
        st.sampled_from(known) if known else st.nothing(),
    )


def form(fields: dict):
    """Some of the fields, each with any value its strategy gives."""
    return st.fixed_dictionaries({}, optional=fields)


def no_server_error(response) -> None:
    assert response.status_code < 500, response.status_code


@pytest.fixture
def agency_admin(agency_a, role_groups):
    person = PersonFactory(agency=agency_a)
    person.user.groups.add(role_groups[roles.AGENCY_ADMIN])
    return person


@pytest.fixture
def known(curriculum, agency_a, learner, assignment) -> dict[str, list[str]]:
    """Ids that exist, for the values to hit real rows too."""
    return {
        "curriculum": [str(curriculum.page.pk)],
        "unit": [str(UnitFactory(agency=agency_a).pk)],
        "person": [str(learner.pk)],
        "assignment": [str(Assignment.objects.get(pk=assignment.pk).pk)],
    }


def rolled_back(request):
    with transaction.atomic():
        response = request()
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("url", ["/oversight/", "/oversight/completion.csv"])
def test_dashboard_filters(client, command_a, known, url):
    client.force_login(command_a.user)
    fields = {
        "curriculum": values(known["curriculum"]),
        "unit": values(known["unit"]),
        "status": values(["completed", "in_progress", "not_started", "overdue"]),
        "category": values(["sworn", "civilian", "leader", "elected"]),
        "page": values(["1", "2"]),
    }

    @fuzz
    @given(query=form(fields))
    def answers(query):
        no_server_error(rolled_back(lambda: client.get(url, query)))

    answers()


def test_audit_filters(client, command_a, known):
    client.force_login(command_a.user)
    fields = {
        "action": values(["assignment.created", "report.exported"]),
        "actor": values(["command", "officer"]),
        "person": values(known["person"]),
        "from": values(["2025-01-01"]),
        "to": values(["2030-12-31"]),
        "page": values(["1"]),
    }

    @fuzz
    @given(query=form(fields))
    def answers(query):
        no_server_error(client.get("/oversight/audit/", query))

    answers()


def test_survey_report_filter(client, command_a, survey, known):
    client.force_login(command_a.user)

    @fuzz
    @given(query=form({"curriculum": values(known["curriculum"])}))
    def answers(query):
        no_server_error(client.get("/oversight/surveys/", query))

    answers()


def assignment_fields(known) -> dict:
    return {
        "curriculum": values(known["curriculum"]),
        "target_kind": values(["agency", "unit", "person"]),
        "unit": values(known["unit"]),
        "person": values(known["person"]),
        "due_date": values([date(date.today().year + 1, 3, 1).isoformat()]),
        "recertification_months": values(["12", "24"]),
    }


def test_new_assignment_form(client, coordinator, known):
    client.force_login(coordinator)

    @fuzz
    @given(posted=form(assignment_fields(known)))
    def answers(posted):
        no_server_error(rolled_back(lambda: client.post("/oversight/assignments/new/", posted)))

    answers()


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_assignment_edit_and_delete_forms(client, coordinator, known, action):
    client.force_login(coordinator)
    fields = assignment_fields(known)

    @fuzz
    @given(
        assignment=st.one_of(st.sampled_from(known["assignment"]), st.integers(0).map(str)),
        posted=form({"due_date": fields["due_date"], "months": fields["recertification_months"]}),
    )
    def answers(assignment, posted):
        posted["recertification_months"] = posted.pop("months", "")
        url = f"/oversight/assignments/{assignment}/{action}/"
        no_server_error(rolled_back(lambda: client.post(url, posted)))

    answers()


def test_roster_upload_with_any_bytes(client, agency_admin):
    client.force_login(agency_admin.user)
    header = ",".join(COLUMNS).encode() + b"\n"

    @fuzz
    @given(
        content=st.one_of(st.binary(max_size=2000), st.binary(max_size=2000).map(header.__add__)),
        name=st.sampled_from(["roster.csv", "roster.txt", "r\x00.csv", ".csv"]),
    )
    def answers(content, name):
        upload = SimpleUploadedFile(name, content, "text/csv")
        no_server_error(rolled_back(lambda: client.post("/oversight/roster/", {"file": upload})))

    answers()


def test_roster_upload_with_rows_of_any_text(client, agency_admin, known):
    client.force_login(agency_admin.user)
    row = st.lists(values(known["unit"]), min_size=len(COLUMNS), max_size=len(COLUMNS))

    @fuzz
    @given(rows=st.lists(row, max_size=5))
    def answers(rows):
        text = "\n".join([",".join(COLUMNS), *(",".join(cells) for cells in rows)])
        upload = SimpleUploadedFile("roster.csv", text.encode("utf-8", "surrogatepass"), "text/csv")
        no_server_error(rolled_back(lambda: client.post("/oversight/roster/", {"file": upload})))

    answers()
