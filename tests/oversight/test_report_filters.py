"""The completion report's filters, one table through every door: the JSON report, its CSV,
the dashboard and the dashboard's CSV. A malformed value is a 400 naming its field (API.md) or a
flashed message on the page; an id outside the viewer's agency is a 404 on both."""

import pytest
from django.contrib.messages import get_messages

from lms.audit import Action
from lms.models import AuditEvent
from tests.factories import CurriculumPageFactory, UnitFactory

STATUSES = "completed, in_progress, not_started, overdue"
CATEGORIES = "sworn, civilian, leader, elected"
API = ["/api/v1/reports/completion/", "/api/v1/reports/completion.csv"]
PAGES = ["/oversight/", "/oversight/completion.csv"]

# (query, status, body): a query of placeholders filled per test, the API's status and body.
CASES = [
    ("", 200, None),
    ("curriculum={curriculum}&unit={unit}&status=completed&category=sworn", 200, None),
    ("unit=&status=&category=&curriculum=", 200, None),  # blank is the same as absent
    ("status=finished", 400, {"status": [f"Must be one of: {STATUSES}."]}),
    ("category=cadet", 400, {"category": [f"Must be one of: {CATEGORIES}."]}),
    ("unit=abc", 400, {"unit": ["Must be a unit id."]}),
    ("unit=-1", 400, {"unit": ["Must be a unit id."]}),
    ("unit=%C2%B2", 400, {"unit": ["Must be a unit id."]}),  # "²": a digit, but not an id
    ("curriculum=x", 400, {"curriculum": ["Must be a curriculum id."]}),
    ("curriculum=1.0", 400, {"curriculum": ["Must be a curriculum id."]}),
    ("curriculum={elsewhere}", 404, {"detail": "No such curriculum."}),
    ("curriculum=99999999999", 404, {"detail": "No such curriculum."}),
    # Past a 64-bit id (SQLite cannot bind it): not an id at all.
    ("curriculum=" + "9" * 25, 400, {"curriculum": ["Must be a curriculum id."]}),
    ("unit=" + "9" * 25, 400, {"unit": ["Must be a unit id."]}),
    ("unit=%D9%A3", 400, {"unit": ["Must be a unit id."]}),  # Arabic-Indic 3: int() takes it
    ("unit={other_unit}", 404, {"detail": "No such unit."}),
]


@pytest.fixture
def placeholders(curriculum, home, agency_a, agency_b):
    return {
        "curriculum": curriculum.page.pk,
        "unit": UnitFactory(agency=agency_a).pk,
        "other_unit": UnitFactory(agency=agency_b).pk,
        "elsewhere": CurriculumPageFactory(parent=home).pk,  # assigned to nobody
    }


@pytest.fixture
def home(curriculum):
    return curriculum.page.get_parent().specific


def _exports() -> int:
    return AuditEvent.objects.filter(action=Action.REPORT_EXPORTED).count()


@pytest.mark.parametrize("url", API)
@pytest.mark.parametrize(("query", "status", "body"), CASES)
def test_report_api_filters(api_for, command_a, placeholders, url, query, status, body):
    before = _exports()
    response = api_for(command_a.user).get(f"{url}?{query.format(**placeholders)}")
    assert response.status_code == status
    if body is not None:
        assert response.json() == body
    # A rejected request changes nothing: no export is recorded.
    assert _exports() - before == (1 if url.endswith(".csv") and status == 200 else 0)


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(("query", "status", "body"), CASES)
def test_dashboard_filters(client, command_a, placeholders, url, query, status, body):
    client.force_login(command_a.user)
    before = _exports()
    response = client.get(f"{url}?{query.format(**placeholders)}")
    if status == 400:  # flashed on the dashboard, as "field: message"
        assert response.status_code == 302 and response.url == "/oversight/"
        [(field, [message])] = body.items()
        assert [str(m) for m in get_messages(response.wsgi_request)] == [f"{field}: {message}"]
    else:
        assert response.status_code == status
    assert _exports() - before == (1 if url.endswith(".csv") and status == 200 else 0)


def test_with_no_curriculum_assigned_the_report_is_not_found(api_for, make_command_staff, agency_b):
    command = make_command_staff(agency_b)  # nothing is assigned to B here
    for url in API:
        response = api_for(command.user).get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "No curriculum is assigned in your agency."}
