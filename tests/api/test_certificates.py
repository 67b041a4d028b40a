"""GET /api/v1/me/certificates/, the certificate PDF, and public verification."""

from datetime import datetime, timedelta
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from courses.models import Certificate

MY_URL = "/api/v1/me/certificates/"
CERTIFICATE_KEYS = {"code", "curriculum", "issued_at", "expires_at", "pdf_url", "verify_url"}
PUBLIC_KEYS = {"status", "holder_name", "curriculum", "issued_at", "expires_at"}


def pdf_path(certificate: Certificate) -> str:
    return f"/api/v1/certificates/{certificate.code}/pdf/"


def public_url(code: str) -> str:
    return f"/api/v1/certificates/{code}/"


def assert_is_pdf(response) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


# --- My certificates -------------------------------------------------------------------------


def test_my_certificates_is_empty_before_completion(learner_api, curriculum):
    response = learner_api.get(MY_URL)
    assert response.status_code == 200
    assert response.json() == []


def test_my_certificates_has_the_contract_shape(learner_api, certificate, curriculum):
    response = learner_api.get(MY_URL)
    assert response.status_code == 200
    [item] = response.json()
    assert set(item) >= CERTIFICATE_KEYS
    assert item["code"] == certificate.code
    assert item["curriculum"] == curriculum.page.title
    assert datetime.fromisoformat(item["issued_at"]) == certificate.issued_at
    assert item["expires_at"] is None
    assert urlparse(item["pdf_url"]).path == pdf_path(certificate)
    assert urlparse(item["verify_url"]).path == f"/verify/{certificate.code}/"
    assert urlparse(item["pdf_url"]).scheme in {"http", "https"}


def test_my_certificates_lists_only_the_callers(api_for, learner_a2, certificate):
    assert api_for(learner_a2.user).get(MY_URL).json() == []


def test_my_certificates_states_expiry(learner_api, certificate):
    certificate.expires_at = certificate.issued_at + timedelta(days=365)
    certificate.save()
    [item] = learner_api.get(MY_URL).json()
    assert datetime.fromisoformat(item["expires_at"]) == certificate.expires_at


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_url_gives_the_owner_a_pdf(learner_api, certificate):
    pdf_url = learner_api.get(MY_URL).json()[0]["pdf_url"]
    response = learner_api.get(urlparse(pdf_url).path)
    assert_is_pdf(response)
    assert "attachment" in response["Content-Disposition"]


def test_pdf_is_not_found_for_another_learner_of_the_same_agency(api_for, learner_a2, certificate):
    assert api_for(learner_a2.user).get(pdf_path(certificate)).status_code == 404


def test_pdf_is_not_found_for_a_learner_of_another_agency(
    api_for, learner_b, assignment_b, certificate
):
    assert api_for(learner_b.user).get(pdf_path(certificate)).status_code == 404


def test_pdf_is_given_to_command_staff_of_the_holders_agency(
    api_for, make_command_staff, agency_a, certificate
):
    staff = make_command_staff(agency_a)
    assert_is_pdf(api_for(staff.user).get(pdf_path(certificate)))


def test_pdf_is_not_found_for_command_staff_of_another_agency(
    api_for, make_command_staff, agency_b, certificate
):
    staff = make_command_staff(agency_b)
    assert api_for(staff.user).get(pdf_path(certificate)).status_code == 404


def test_pdf_of_an_unknown_code_is_not_found(learner_api, certificate):
    assert learner_api.get("/api/v1/certificates/AAAA-BBBB-CCCC-DDDD/pdf/").status_code == 404


def test_pdf_needs_sign_in(anon_api, certificate):
    assert anon_api.get(pdf_path(certificate)).status_code == 401


# --- Public verification ---------------------------------------------------------------------


def test_public_verification_needs_no_sign_in_and_says_only_the_contract_fields(
    anon_api, certificate, curriculum
):
    response = anon_api.get(public_url(certificate.code))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PUBLIC_KEYS
    assert body["status"] == "valid"
    assert body["holder_name"] == "Dana Reyes"
    assert body["curriculum"] == curriculum.page.title
    assert datetime.fromisoformat(body["issued_at"]) == certificate.issued_at
    assert body["expires_at"] is None


def test_public_verification_ignores_a_bad_token(anon_api, certificate):
    anon_api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert anon_api.get(public_url(certificate.code)).status_code == 200


def test_public_verification_of_an_unknown_code_is_not_found(anon_api, certificate):
    response = anon_api.get(public_url("AAAA-BBBB-CCCC-DDDD"))
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_public_verification_says_revoked(anon_api, certificate):
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = "Completed under another learner's account."
    certificate.save()
    body = anon_api.get(public_url(certificate.code)).json()
    assert set(body) == PUBLIC_KEYS
    assert body["status"] == "revoked"


def test_public_verification_says_expired(anon_api, certificate):
    certificate.issued_at = timezone.now() - timedelta(days=400)
    certificate.expires_at = timezone.now() - timedelta(days=35)
    certificate.save()
    body = anon_api.get(public_url(certificate.code)).json()
    assert body["status"] == "expired"
    assert datetime.fromisoformat(body["expires_at"]) == certificate.expires_at


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_public_verification_is_read_only(anon_api, certificate, method):
    response = getattr(anon_api, method)(public_url(certificate.code))
    assert response.status_code == 405
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None
