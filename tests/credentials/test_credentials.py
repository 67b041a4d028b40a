"""Certificates as Open Badges 3.0 credentials: the holder fetches a signed credential that
validates against the 1EdTech schema and verifies with independent code; others are told it
does not exist; revocation shows in the published status list."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse
from xml.etree import ElementTree

import jwt
import pytest
from django.utils import timezone

from courses.credentials import openbadges, status
from courses.progress.services import certificate_revoke
from tests.credentials.conftest import SCHEMA, credential_of, schema_errors

MY_URL = "/api/v1/me/certificates/"


def credential_path(certificate) -> str:
    return f"/api/v1/certificates/{certificate.code}/credential/"


def fetch_status_bit(client, verify_jwt, entry: dict) -> bool:
    response = client.get(urlparse(entry["statusListCredential"]).path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    payload = verify_jwt(response.content.decode(), schema=False)
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = payload["credentialSubject"]
    assert subject["statusPurpose"] == entry["statusPurpose"] == "revocation"
    bits = status.decode(subject["encodedList"])
    assert len(bits) * 8 >= 131_072  # the list's minimum size (herd privacy)
    return status.is_set(bits, int(entry["statusListIndex"]))


# --- The holder's credential ----------------------------------------------------------------


def test_my_certificates_gives_a_credential_url(learner_api, certificate):
    [item] = learner_api.get(MY_URL).json()
    assert urlparse(item["credential_url"]).path == credential_path(certificate)


def test_the_holder_gets_a_signed_open_badge_that_validates_and_verifies(
    learner_api, certificate, verify_jwt, django_assert_max_num_queries
):
    url = urlparse(learner_api.get(MY_URL).json()[0]["credential_url"]).path
    with django_assert_max_num_queries(6):
        response = learner_api.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    payload = verify_jwt(response.content.decode())

    assert payload["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    subject = payload["credentialSubject"]
    achievement = subject["achievement"]
    assert achievement["name"] == certificate.curriculum_title
    assert achievement["criteria"]["narrative"]
    assert achievement["creditsAvailable"] == float(certificate.credit_hours)
    assert subject["creditsEarned"] == float(certificate.credit_hours)
    assert subject["identifier"][0]["identityHash"] == "Dana Reyes"
    assert subject["source"]["name"] == certificate.person.agency.name
    assert datetime.fromisoformat(payload["validFrom"]) == certificate.issued_at.replace(
        microsecond=0
    )
    assert "validUntil" not in payload and "exp" not in payload
    # The JWT claims repeat the credential, as OB 3.0 8.2.4 requires.
    assert payload["iss"] == payload["issuer"]["id"]
    assert payload["jti"] == payload["id"]
    assert payload["sub"] == subject["id"]
    assert payload["nbf"] == int(datetime.fromisoformat(payload["validFrom"]).timestamp())
    assert payload["credentialStatus"]["type"] == "BitstringStatusListEntry"


def test_the_issuer_profile_is_published_at_its_id(client, learner_api, certificate, verify_jwt):
    payload = verify_jwt(learner_api.get(credential_path(certificate)).content.decode())
    profile = client.get(urlparse(payload["issuer"]["id"]).path)
    assert profile.status_code == 200
    body = profile.json()
    assert body["id"] == payload["issuer"]["id"]
    assert body["type"] == ["Profile"] and body["name"] == "Common Ground"
    assert SCHEMA["$defs"]["Profile"]["required"] == ["id", "type"]


def test_a_credential_with_an_expiry_says_valid_until_and_exp(learner_api, certificate, verify_jwt):
    certificate.expires_at = certificate.issued_at + timedelta(days=365)
    certificate.save()
    payload = verify_jwt(learner_api.get(credential_path(certificate)).content.decode())
    assert datetime.fromisoformat(payload["validUntil"]) == certificate.expires_at.replace(
        microsecond=0
    )
    assert payload["exp"] == int(certificate.expires_at.timestamp())


@pytest.mark.parametrize(
    "name", ["Łukasz Żółkiewski", "Nguyễn Thị Minh Khai", "Γεώργιος", "王秀英", 'A "quoted" <name>']
)
def test_every_credential_validates_whatever_the_name(learner_api, certificate, verify_jwt, name):
    certificate.holder_name = name
    certificate.save()
    payload = verify_jwt(learner_api.get(credential_path(certificate)).content.decode())
    assert payload["credentialSubject"]["identifier"][0]["identityHash"] == name


def test_the_same_certificate_gives_the_same_signed_credential(learner_api, certificate):
    first = learner_api.get(credential_path(certificate)).content
    assert learner_api.get(credential_path(certificate)).content == first


def test_the_schema_check_can_fail():
    """The schema is strict where it matters: no issuer, no credential."""
    errors = schema_errors({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "X"})
    assert any("issuer" in error for error in errors)


# --- Who may fetch it (as the PDF: 401 / 404) ------------------------------------------------


def test_another_learner_of_the_same_agency_is_told_it_does_not_exist(
    api_for, learner_a2, certificate
):
    assert api_for(learner_a2.user).get(credential_path(certificate)).status_code == 404


def test_a_learner_of_another_agency_is_told_it_does_not_exist(
    api_for, learner_b, assignment_b, certificate
):
    assert api_for(learner_b.user).get(credential_path(certificate)).status_code == 404


def test_command_staff_get_the_pdf_but_not_the_holders_credential(
    api_for, make_command_staff, agency_a, certificate
):
    staff = api_for(make_command_staff(agency_a).user)
    assert staff.get(f"/api/v1/certificates/{certificate.code}/pdf/").status_code == 200
    assert staff.get(credential_path(certificate)).status_code == 404


def test_the_credential_needs_sign_in(anon_api, certificate):
    assert anon_api.get(credential_path(certificate)).status_code == 401


def test_an_unknown_code_is_not_found(learner_api, certificate):
    response = learner_api.get("/api/v1/certificates/AAAA-BBBB-CCCC-DDDD/credential/")
    assert response.status_code == 404


# --- Revoked and expired: served as the PDF is, and the status says so ------------------------


def test_revocation_sets_the_credentials_bit_in_the_published_status_list(
    client, learner_api, certificate, verify_jwt, command_a
):
    entry = verify_jwt(learner_api.get(credential_path(certificate)).content.decode())[
        "credentialStatus"
    ]
    assert fetch_status_bit(client, verify_jwt, entry) is False

    certificate_revoke(certificate=certificate, by=command_a.user, reason="Issued in error.")

    assert fetch_status_bit(client, verify_jwt, entry) is True
    response = learner_api.get(credential_path(certificate))  # as the PDF: still the holder's
    assert response.status_code == 200
    assert learner_api.get(f"/api/v1/certificates/{certificate.code}/pdf/").status_code == 200
    assert verify_jwt(response.content.decode())["credentialStatus"] == entry


def test_an_expired_credential_is_served_and_its_exp_has_passed(
    learner_api, certificate, verify_jwt
):
    certificate.issued_at = timezone.now() - timedelta(days=400)
    certificate.expires_at = timezone.now() - timedelta(days=35)
    certificate.save()
    token = learner_api.get(credential_path(certificate)).content.decode()
    with pytest.raises(jwt.ExpiredSignatureError):
        verify_jwt(token)
    payload = verify_jwt(token, verify_exp=False)
    assert datetime.fromtimestamp(payload["exp"], UTC) < datetime.now(UTC)


def test_the_status_list_bits_are_the_revoked_certificates():
    bits = status.decode(status.encode([0, 9, 131_071]))
    assert [i for i in range(131_072) if status.is_set(bits, i)] == [0, 9, 131_071]
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000


# --- Downloads in the browser ----------------------------------------------------------------


def test_the_holder_downloads_the_json_and_a_baked_svg_badge(signed_in, certificate, verify_jwt):
    base = f"/training/certificates/{certificate.code}/credential"
    as_json = signed_in.get(f"{base}.json")
    assert as_json.status_code == 200
    assert "attachment" in as_json["Content-Disposition"]
    assert schema_errors(as_json.json()) == []

    svg = signed_in.get(f"{base}.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    root = ElementTree.fromstring(svg.content)  # noqa: S314 (our own response)
    [baked] = root.findall("{https://purl.imsglobal.org/ob/v3p0}credential")
    assert next(iter(root)) is baked  # right after the <svg> tag (OB 3.0, 5.3.2.1)
    payload = verify_jwt(baked.attrib["verify"])
    assert credential_of(payload) == as_json.json()

    token = signed_in.get(f"{base}.jwt")
    assert token["Content-Type"] == "application/vc+jwt"
    assert token.content.decode() == baked.attrib["verify"]


def test_my_certificates_page_links_the_downloads(signed_in, certificate):
    page = signed_in.get("/training/certificates/").content.decode()
    for form in ("json", "svg"):
        assert f"/training/certificates/{certificate.code}/credential.{form}" in page


def test_another_learner_cannot_download_them(client, learner_a2, certificate):
    client.force_login(learner_a2.user)
    for form in ("jwt", "json", "svg"):
        url = f"/training/certificates/{certificate.code}/credential.{form}"
        assert client.get(url).status_code == 404


def test_the_public_verification_page_shows_the_signature_verifies(client, certificate):
    page = client.get(f"/verify/{certificate.code}/").content.decode()
    assert "The signature verifies" in page
    assert openbadges.issuer_profile()["id"] in page or "Ed25519" in page


# --- Anyone checks a credential they were handed ------------------------------------------


def test_anyone_can_check_a_pasted_credential_or_badge(client, signed_in, certificate):
    base = f"/training/certificates/{certificate.code}/credential"
    token = signed_in.get(f"{base}.jwt").content.decode()
    svg = signed_in.get(f"{base}.svg").content.decode()
    signed_in.logout()
    for pasted in (token, f"  {token}\n", svg):
        page = client.post("/verify/credential/", {"credential": pasted})
        assert page.status_code == 200
        text = page.content.decode()
        assert "The signature verifies" in text
        assert "Dana Reyes" in text and "Not revoked" in text


def test_checking_a_revoked_or_forged_credential_says_so(client, certificate, command_a):
    token = openbadges.credential_jwt(certificate)
    certificate_revoke(certificate=certificate, by=command_a.user, reason="Issued in error.")
    assert (
        "<strong>Revoked</strong>"
        in client.post("/verify/credential/", {"credential": token}).content.decode()
    )

    header, payload, signature = token.split(".")
    forged = f"{header}.{payload[:-4]}AAAA.{signature}"
    page = client.post("/verify/credential/", {"credential": forged}).content.decode()
    assert "The signature does not verify" in page


@pytest.mark.parametrize("pasted", ["", "   ", "x" * 100_001])
def test_checking_nothing_or_too_much_is_a_400_naming_the_field(client, db, pasted):
    response = client.post("/verify/credential/", {"credential": pasted})
    assert response.status_code == 400
    assert 'id="credential-error"' in response.content.decode()
