"""The client's address behind proxies (NUM_PROXIES, lms.audit.client_ip): the entry of
X-Forwarded-For our outermost proxy added, for the audit trail, the sign-in lockout and the
rate limits; without proxies, the connection's address, whatever the client claims."""

import pytest

from lms.audit import Action
from lms.models import AuditEvent
from tests.factories import PASSWORD

LOGIN_URL = "/accounts/login/"
WRONG = "not-the-password-123"
pytestmark = pytest.mark.django_db

NGINX = "127.0.0.1"  # every request reaches the app server from the proxy


def sign_in(client, username, password=PASSWORD, forwarded="203.0.113.7"):
    return client.post(
        LOGIN_URL,
        {"username": username, "password": password},
        REMOTE_ADDR=NGINX,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def failed_sign_in_addresses() -> list[str]:
    return list(
        AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED)
        .order_by("pk")
        .values_list("ip_address", flat=True)
    )


def test_behind_one_proxy_the_audit_trail_records_the_address_it_forwarded(client, settings):
    settings.NUM_PROXIES = 1
    # The client's own X-Forwarded-For comes first; nginx appends the address it saw.
    sign_in(client, "someone", WRONG, forwarded="10.9.9.9, 203.0.113.7")

    assert failed_sign_in_addresses() == ["203.0.113.7"]


def test_without_proxies_a_forwarded_address_is_ignored(client, settings):
    settings.NUM_PROXIES = 0
    sign_in(client, "someone", WRONG, forwarded="203.0.113.7")

    assert failed_sign_in_addresses() == [NGINX]


def test_behind_a_proxy_the_lockout_counts_each_client_address_apart(client, learner, settings):
    """Every request comes from nginx: counted by REMOTE_ADDR, one station's guesses would lock
    every other station out."""
    settings.NUM_PROXIES = 1
    for n in range(settings.AXES_IP_FAILURE_LIMIT):
        sign_in(client, f"guess-{n}", WRONG, forwarded="198.51.100.4")

    assert sign_in(client, learner.user.username, forwarded="198.51.100.4").status_code == 429
    assert sign_in(client, learner.user.username, forwarded="198.51.100.5").status_code == 302


def test_behind_a_proxy_a_spoofed_forwarded_address_does_not_escape_the_lockout(
    client, learner, settings
):
    settings.NUM_PROXIES = 1
    for n in range(settings.AXES_IP_FAILURE_LIMIT):
        sign_in(client, f"guess-{n}", WRONG, forwarded=f"10.0.0.{n}, 198.51.100.4")

    assert sign_in(client, learner.user.username, forwarded="198.51.100.4").status_code == 429
