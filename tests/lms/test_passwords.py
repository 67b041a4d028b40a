"""Password rules: at least 12 characters, not common, not all digits, not like the username."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import PASSWORD, UserFactory


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass1", "at least 12 characters"),
        ("123456789012345", "entirely numeric"),
        ("password1234", "too common"),
    ],
)
def test_weak_passwords_are_refused(db, password, message):
    with pytest.raises(ValidationError, match=message):
        validate_password(password)


def test_password_like_the_username_is_refused(db):
    user = UserFactory(username="sergeant.hollis")

    with pytest.raises(ValidationError, match="too similar"):
        validate_password("sergeant.hollis1", user=user)


@pytest.mark.parametrize("password", ["common-ground-demo", PASSWORD])
def test_demo_and_test_passwords_pass(db, password):
    validate_password(password)


def test_seed_demo_refuses_a_short_password(db):
    with pytest.raises(CommandError, match="at least 12 characters"):
        call_command("seed_demo", password="too-short")
