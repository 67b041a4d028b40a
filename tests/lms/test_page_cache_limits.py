"""What the anonymous page cache must still enforce when it answers (issue 13, item 10): the
Host check (ALLOWED_HOSTS) and the verification rate limit, for pages already in the cache."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.usefixtures("page_cache_on")


@pytest.fixture
def low_verify_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "certificate_verify": "3/minute",
        },
    }


def test_a_cached_verification_page_still_counts_against_the_rate_limit(
    low_verify_rate, certificate
):
    client = Client()
    url = reverse("certificate-verify", args=[certificate.code])

    statuses = [client.get(url).status_code for _ in range(3)]
    refused = client.get(url)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert certificate.holder_name not in refused.content.decode()
    assert int(refused["Retry-After"]) > 0


def test_a_cached_verification_page_shares_the_budget_with_the_api(
    low_verify_rate, certificate, anon_api
):
    client = Client()
    url = reverse("certificate-verify", args=[certificate.code])
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]  # the second, cached

    assert anon_api.get(f"/api/v1/certificates/{certificate.code}/").status_code == 200
    assert anon_api.get(f"/api/v1/certificates/{certificate.code}/").status_code == 429


@pytest.mark.parametrize("page", ["home", "verify"])
def test_a_cached_public_page_is_not_served_for_a_host_not_allowed(home, certificate, page):
    client = Client()
    url = "/" if page == "home" else reverse("certificate-verify", args=[certificate.code])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # now from the cache

    response = client.get(url, HTTP_HOST="attacker.example")

    assert response.status_code == 400
    assert certificate.holder_name not in response.content.decode()
