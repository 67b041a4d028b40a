"""The audit page's filters (`oversight.forms.AuditFilterForm`), one table through the page:
each bad value is reported on its field and left out, and the other filters still apply."""

from datetime import date

import pytest

from lms.audit import Action

AUDIT_URL = "/oversight/audit/"
NONE = {"action": "", "actor": "", "person": None, "from": None, "to": None}

# (query parameters, the filters that apply, the fields reported as bad)
CASES = [
    ({}, {}, set()),
    ({"action": Action.SIGN_IN}, {"action": Action.SIGN_IN}, set()),
    ({"action": f" {Action.SIGN_IN} "}, {"action": Action.SIGN_IN}, set()),
    ({"action": "made.up"}, {}, {"action"}),
    ({"actor": "  dreyes  "}, {"actor": "dreyes"}, set()),
    ({"actor": "x" * 200}, {"actor": "x" * 150}, set()),
    ({"actor": "a\x00b", "person": "7"}, {"person": 7}, {"actor"}),  # no NUL reaches the database
    ({"person": " 12 "}, {"person": 12}, set()),
    ({"person": "12; drop", "actor": "dreyes"}, {"actor": "dreyes"}, {"person"}),
    ({"person": "\u0661\u0662"}, {}, {"person"}),  # Arabic-Indic digits: digits, not an id
    ({"person": "1" * 19}, {}, {"person"}),
    ({"from": "2025-03-10"}, {"from": date(2025, 3, 10)}, set()),
    ({"to": "9999-12-31"}, {"to": date(9999, 12, 31)}, set()),
    ({"from": "2025-02-30", "to": "soon", "person": "3"}, {"person": 3}, {"from", "to"}),
    # Both dates stand (nothing can match); "To" says why the list is empty.
    (
        {"from": "2025-03-12", "to": "2025-03-10"},
        {"from": date(2025, 3, 12), "to": date(2025, 3, 10)},
        {"to"},
    ),
]


@pytest.fixture
def command_a(make_command_staff, agency_a, assignment):
    return make_command_staff(agency_a)


@pytest.mark.parametrize(("params", "applied", "bad"), CASES)
def test_audit_filters(client, command_a, params, applied, bad):
    client.force_login(command_a.user)
    response = client.get(AUDIT_URL, params)
    assert response.status_code == 200
    assert response.context["filters"] == {**NONE, **applied}
    assert set(response.context["errors"]) == bad
    content = response.content.decode()
    for field in bad:  # each message sits beside its field, for a screen reader too
        assert f'aria-describedby="f-{field}-error"' in content
        assert f'id="f-{field}-error"' in content
