"""Rate limits on the token endpoint and public certificate verification (429, API error shape)."""

import pytest

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def low_rates(settings, shared_cache_on):
    """Low rates, counted in a real shared cache as in production."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth_token": "3/minute", "certificate_verify": "2/minute"},
    }


def test_token_endpoint_answers_429_past_its_rate(anon_api, learner):
    body = {"username": "nobody", "password": "whatever-it-is-1"}
    statuses = [anon_api.post(TOKEN_URL, body, format="json").status_code for _ in range(3)]

    response = anon_api.post(TOKEN_URL, body, format="json")

    assert statuses == [400, 400, 400]
    assert response.status_code == 429
    assert set(response.json()) == {"detail"}
    assert "throttled" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_public_certificate_api_answers_429_past_its_rate(anon_api, certificate):
    url = f"/api/v1/certificates/{certificate.code}/"
    assert [anon_api.get(url).status_code for _ in range(2)] == [200, 200]

    response = anon_api.get(url)

    assert response.status_code == 429
    assert set(response.json()) == {"detail"}
    assert "holder_name" not in response.json()


def test_verify_page_shares_the_public_budget_and_answers_a_429_page(client, certificate):
    assert client.get(f"/api/v1/certificates/{certificate.code}/").status_code == 200
    assert client.get(f"/verify/{certificate.code}/").status_code == 200

    lookup = client.get("/verify/", {"code": certificate.code})
    page = client.get(f"/verify/{certificate.code}/")

    for response in (lookup, page):
        assert response.status_code == 429
        assert "Too many requests" in response.content.decode()
        assert certificate.holder_name not in response.content.decode()
        assert int(response["Retry-After"]) > 0


def test_each_address_has_its_own_budget_and_forwarded_headers_do_not_reset_it(
    anon_api, certificate
):
    url = f"/api/v1/certificates/{certificate.code}/"
    for _ in range(2):
        anon_api.get(url, REMOTE_ADDR="203.0.113.1")

    spoofed = anon_api.get(url, REMOTE_ADDR="203.0.113.1", HTTP_X_FORWARDED_FOR="10.9.9.9")
    other = anon_api.get(url, REMOTE_ADDR="203.0.113.2")

    assert spoofed.status_code == 429
    assert other.status_code == 200


def test_behind_a_proxy_each_forwarded_address_has_its_own_budget(anon_api, certificate, settings):
    """Behind nginx (NUM_PROXIES=1) every request comes from 127.0.0.1: the budget follows the
    address nginx forwarded, and what the client put before it changes nothing."""
    settings.NUM_PROXIES = 1
    url = f"/api/v1/certificates/{certificate.code}/"

    def get(forwarded):
        return anon_api.get(url, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert [get("203.0.113.1").status_code for _ in range(2)] == [200, 200]
    assert get("10.9.9.9, 203.0.113.1").status_code == 429
    assert get("203.0.113.2").status_code == 200
