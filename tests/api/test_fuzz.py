"""Schemathesis fuzzes every operation of /api/v1/schema/ against the WSGI app, on the demo.

Each generated request is sent as the demo learner and as command staff (and, for the
public and token endpoints, that is harmless too). Every response must be a documented
status code, with the documented content type and a body that matches its schema; no 5xx.
Derandomized and bounded, so a run is reproducible and takes well under a minute. It runs on
whichever database DATABASE_URL names (CI runs the suite on SQLite and on PostgreSQL); the
oversight pages' forms have their own fuzzer, tests/oversight/test_form_fuzz.py.
"""

from io import StringIO

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import positive_data_acceptance

PASSWORD = "fuzz-demo-password-1"
EXAMPLES_PER_OPERATION = 25


# Loaded once at collection: drf-spectacular builds the schema without touching the database.
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture(scope="module")
def demo_tokens(django_db_setup, django_db_blocker) -> dict[str, str]:
    """seed_demo once for this module, in a transaction rolled back when the module is done;
    each test runs in a savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", password=PASSWORD, stdout=StringIO())
            users = get_user_model().objects.filter(username__in=["officer", "command"])
            yield {user.username: Token.objects.get_or_create(user=user)[0].key for user in users}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def connection_kept_across_requests():
    """Django closes a connection that is inside a transaction when a request starts or ends;
    the test's transaction must survive the WSGI calls, as Django's test client arranges."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_operation_answers_as_documented(
    operation, demo_tokens, db, connection_kept_across_requests
):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case):
        for token in demo_tokens.values():
            case.call_and_validate(
                headers={"Authorization": f"Token {token}"},
                # Schema-valid is not always acceptable: wrong credentials, an answer naming a
                # question that was not served, are 400 by the contract (API.md).
                excluded_checks=[positive_data_acceptance],
            )

    answers_as_documented()
