"""lms.db.postgresql: a persistent connection's health check asks the server nothing while the
connection is sound, and still finds one the server has ended (a restart, a terminated
session) before a request uses it."""

import psycopg
import pytest
from django.db import connection

pytestmark = pytest.mark.postgres


def another_connection() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    )


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_sound_connection_is_found_usable_without_a_statement():
    pid = backend_pid()

    assert connection.is_usable()

    with another_connection() as other:
        [(last,)] = other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
    assert last == "SELECT pg_backend_pid()"  # what the server last ran for it: no SELECT 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # it ends its connection
def test_a_connection_the_server_ended_is_found_unusable_and_replaced():
    pid = backend_pid()
    with another_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        while other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            pass  # until the server has closed it

    assert not connection.is_usable()

    connection.health_check_enabled, connection.health_check_done = True, False
    connection.close_if_health_check_failed()  # what a request's first query does
    assert backend_pid() != pid  # a new connection, and the request goes on
