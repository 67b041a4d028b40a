"""lms.db.rows: a written-out statement's rows made into models exactly as the ORM makes them."""

import tempfile
from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.authtoken.models import Token

from courses.models import Certificate, TrainingRecord
from courses.progress.selectors import learner_progress
from lms.auth_backends import read_token
from lms.db.rows import columns, fetch_models, fetch_together
from lms.models import TokenVerification
from tests.helpers import pass_module

SQL = (
    f"SELECT {columns(TrainingRecord, 'r')}, {columns(Certificate, 'c')} "  # noqa: S608
    f"FROM {TrainingRecord._meta.db_table} r "
    f"LEFT JOIN {Certificate._meta.db_table} c ON c.id = r.certificate_id "
    "WHERE r.person_id = %s ORDER BY r.id"
)


def test_rows_are_the_models_the_orm_reads_values_converted(curriculum, learner):
    for module in curriculum.modules:
        pass_module(learner, module)  # a completed curriculum: a record with its certificate
    [(record, certificate)] = fetch_models(SQL, [learner.pk], TrainingRecord, Certificate)
    expected = TrainingRecord.objects.select_related("certificate").get(person=learner)
    assert isinstance(record.cycle_started_at, datetime)  # SQLite stores text
    assert isinstance(certificate.credit_hours, Decimal)
    for field in TrainingRecord._meta.concrete_fields:
        assert getattr(record, field.attname) == getattr(expected, field.attname), field.name
    for field in Certificate._meta.concrete_fields:
        assert getattr(certificate, field.attname) == getattr(
            expected.certificate, field.attname
        ), field.name
    assert not record._state.adding and record._state.db == "default"  # saved as the ORM's


def test_a_left_join_that_found_nothing_is_none(curriculum, learner):
    pass_module(learner, curriculum.modules[0])  # a record, no certificate yet
    [(record, certificate)] = fetch_models(SQL, [learner.pk], TrainingRecord, Certificate)
    assert record.person_id == learner.pk and record.certificate_id is None
    assert certificate is None


def test_learner_progress_reads_the_certificate_without_another_query(
    curriculum, learner, django_assert_num_queries
):
    for module in curriculum.modules:
        pass_module(learner, module)
    [progress] = learner_progress(person=learner, curricula=[curriculum.page])
    with django_assert_num_queries(0):
        assert progress.certificate.code


def test_a_token_is_read_with_its_user_person_and_verification_as_select_related_reads_it(
    learner, django_assert_num_queries
):
    staff = get_user_model().objects.create_user("staff-without-person")
    with_code = Token.objects.create(user=learner.user)
    TokenVerification.objects.create(token=with_code, mfa=True)
    without = Token.objects.create(user=staff)
    orm = Token.objects.select_related("user__person", "verification")

    for key in (with_code.key, without.key):
        with django_assert_num_queries(1):
            token = read_token(key)
        expected = orm.get(key=key)
        with django_assert_num_queries(0):  # everything select_related would have loaded
            assert (token.key, token.user_id, token.created) == (
                expected.key,
                expected.user_id,
                expected.created,
            )
            assert token.user.get_username() == expected.user.get_username()
            assert hasattr(token.user, "person") == hasattr(expected.user, "person")
            assert hasattr(token, "verification") == hasattr(expected, "verification")
    token = read_token(with_code.key)
    with django_assert_num_queries(0):
        assert token.user.person.pk == learner.pk and token.user.person.user is token.user
        assert token.verification.mfa is True
    assert read_token("no-such-key") is None


def round_trips(read) -> tuple[object, int]:
    """`read()`'s result, and how many times the server answered ready for the next query
    while it ran: the round trips, from libpq's trace of the protocol."""
    connection.ensure_connection()
    with tempfile.TemporaryFile("w+") as trace:
        connection.connection.pgconn.trace(trace.fileno())
        try:
            result = read()
        finally:
            connection.connection.pgconn.untrace()
        trace.seek(0)
        return result, sum("\tB\t" in line and "ReadyForQuery" in line for line in trace)


@pytest.mark.postgres
@pytest.mark.django_db
def test_statements_fetched_together_make_one_round_trip_on_postgresql(learner):
    statements = [
        ("SELECT id, user_id FROM lms_person WHERE id = %s", [learner.pk]),
        ("SELECT %s::text", ["second"]),
    ]

    together, trips = round_trips(lambda: fetch_together(*statements))

    assert together == [[(learner.pk, learner.user_id)], [("second",)]]
    assert trips == 1
    assert round_trips(lambda: [fetch_together(s)[0] for s in statements]) == (together, 2)


def test_statements_fetched_together_give_each_its_own_rows(learner):
    """On any database: the rows of each statement, in order, as fetched one by one."""
    statements = [
        ("SELECT id FROM lms_person WHERE id = %s", [learner.pk]),
        ("SELECT id FROM lms_person WHERE id = %s", [-1]),
        ("SELECT user_id FROM lms_person WHERE id = %s", [learner.pk]),
    ]
    assert fetch_together(*statements) == [[(learner.pk,)], [], [(learner.user_id,)]]
