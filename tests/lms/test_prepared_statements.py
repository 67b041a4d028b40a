"""On PostgreSQL, parameters are bound on the server and a statement a connection repeats is
prepared (lms/settings/base.py, POSTGRES_OPTIONS): a rendered page's reads are planned once
per connection, not once per request."""

import pytest
from django.db import connection

from courses.models import LessonPage

pytestmark = pytest.mark.postgres


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def progress_reads(statements: list[str]) -> list[str]:
    """The learner's progress facts, the UNION ALL every rendered training page reads."""
    return [s for s in statements if s.startswith("SELECT 'lesson'") and "UNION ALL" in s]


@pytest.mark.django_db
def test_a_statement_repeated_by_a_connection_is_prepared_once(signed_in, module):
    lesson = LessonPage.objects.get(pk=module.lessons[0].pk)
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    for render in range(4):
        assert signed_in.get(f"{lesson.url}?render={render}").status_code == 200
    assert progress_reads(prepared_statements()) == []  # not yet: four runs

    for render in range(4, 8):
        response = signed_in.get(f"{lesson.url}?render={render}")
        assert response.status_code == 200
        assert module.lessons[0].title.encode() in response.content  # the page, as before

    [statement] = progress_reads(prepared_statements())  # from the fifth run on, once
    assert "$1" in statement  # its parameters bound on the server
