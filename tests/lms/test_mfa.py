"""Two-factor sign-in for staff (django-otp TOTP), when REQUIRE_MFA_FOR_STAFF is on."""

import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from lms import roles
from lms.audit import Action
from lms.models import AuditEvent
from tests.factories import PASSWORD, PersonFactory

OVERSIGHT = "/oversight/"
VERIFY = "/accounts/mfa/"
ENROL = "/accounts/mfa/enrol/"
REPORT_API = "/api/v1/reports/completion/"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def mfa_on(settings):
    settings.REQUIRE_MFA_FOR_STAFF = True


@pytest.fixture
def command(make_command_staff, agency_a, assignment):
    return make_command_staff(agency_a).user


@pytest.fixture
def device(command):
    return TOTPDevice.objects.create(user=command, name="Authenticator app", confirmed=True)


def code_for(device, *, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():06d}"


def wrong_code(device) -> str:
    right = {code_for(device, offset_steps=n) for n in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def events(action):
    return AuditEvent.objects.filter(action=action)


def test_staff_without_an_app_are_sent_to_enrol_before_oversight(client, command):
    client.force_login(command)

    response = client.get(OVERSIGHT, follow=True)

    assert response.redirect_chain[0] == (f"{VERIFY}?next={OVERSIGHT}", 302)
    assert response.redirect_chain[-1][0].startswith(ENROL)
    page = response.content.decode()
    assert "<svg" in page and "otpauth://totp/Common%20Ground%3A" in page
    device = TOTPDevice.objects.get(user=command, confirmed=False)
    key = re.search(r'class="otp-key">([A-Z2-7 ]+)<', page).group(1)
    assert len(key.replace(" ", "")) == 32  # the 20-byte secret in base32
    assert client.get(ENROL).content.decode().count(key) == 1  # same key on reload
    assert TOTPDevice.objects.filter(user=command).count() == 1
    assert device.confirmed is False


def test_enrolment_with_the_right_code_confirms_the_app_and_opens_oversight(client, command):
    client.force_login(command)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=command)

    response = client.post(ENROL, {"code": code_for(device), "next": OVERSIGHT})

    assert response.status_code == 302
    assert response["Location"] == OVERSIGHT
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(OVERSIGHT).status_code == 200
    event = events(Action.MFA_ENROLLED).get()
    assert event.actor_id == command.pk
    assert event.agency_id == command.person.agency_id


def test_enrolment_with_a_wrong_code_is_refused_and_audited(client, command):
    client.force_login(command)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=command)

    response = client.post(ENROL, {"code": wrong_code(device)})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(OVERSIGHT).status_code == 302
    assert events(Action.MFA_FAILED).get().data == {"stage": "enrolment"}
    assert not events(Action.MFA_ENROLLED).exists()


def test_enrolled_staff_verify_a_code_after_each_sign_in(client, command, device):
    client.force_login(command)
    assert client.get(OVERSIGHT)["Location"] == f"{VERIFY}?next={OVERSIGHT}"

    response = client.post(VERIFY, {"code": code_for(device), "next": OVERSIGHT})

    assert response["Location"] == OVERSIGHT
    assert client.get(OVERSIGHT).status_code == 200
    assert events(Action.MFA_VERIFIED).count() == 1
    client.post("/accounts/logout/")
    client.force_login(command)
    assert client.get(OVERSIGHT).status_code == 302  # a new session verifies again


def test_wrong_code_is_rejected_and_audited(client, command, device):
    client.force_login(command)

    response = client.post(VERIFY, {"code": wrong_code(device), "next": OVERSIGHT})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get(OVERSIGHT).status_code == 302
    failed = events(Action.MFA_FAILED).get()
    assert (failed.actor_id, failed.data) == (command.pk, {"stage": "sign-in"})


def test_after_a_wrong_code_even_the_right_one_waits(client, command, device):
    """Guessing is slowed: django-otp refuses every code for a while after a wrong one."""
    client.force_login(command)
    client.post(VERIFY, {"code": wrong_code(device)})

    response = client.post(VERIFY, {"code": code_for(device)})

    assert "Too many wrong codes" in response.content.decode()
    assert client.get(OVERSIGHT).status_code == 302
    assert events(Action.MFA_FAILED).count() == 2


def test_a_used_code_cannot_be_replayed(client, command, device):
    code = code_for(device)
    client.force_login(command)
    client.post(VERIFY, {"code": code})
    client.post("/accounts/logout/")
    client.force_login(command)

    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 200
    assert client.get(OVERSIGHT).status_code == 302


def test_verify_never_redirects_off_site(client, command, device):
    client.force_login(command)

    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})

    assert response["Location"] == "/training/"


@pytest.mark.parametrize("path", ["/admin/", "/django-admin/", "/oversight/audit/"])
def test_every_staff_area_needs_the_code(client, agency_a, role_groups, path):
    trainer = PersonFactory(agency=agency_a).user
    trainer.groups.add(role_groups[roles.TRAINER])
    client.force_login(trainer)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{VERIFY}?next=")


def test_report_api_answers_403_to_an_unverified_staff_session(client, command):
    client.force_login(command)

    response = client.get(REPORT_API)

    assert response.status_code == 403
    assert "one-time code" in response.json()["detail"]


def test_learners_are_not_asked_for_a_code(client, learner):
    client.force_login(learner.user)

    assert client.get("/training/").status_code == 200
    assert client.get(OVERSIGHT).status_code == 403  # not staff: refused, not sent to verify


def test_without_the_setting_staff_reach_oversight_directly(client, command, settings):
    settings.REQUIRE_MFA_FOR_STAFF = False
    client.force_login(command)

    assert client.get(OVERSIGHT).status_code == 200


def test_staff_token_is_refused_without_a_right_code(anon_api, command, device):
    body = {"username": command.username, "password": PASSWORD}

    missing = anon_api.post(TOKEN_URL, body, format="json")
    wrong = anon_api.post(TOKEN_URL, {**body, "otp_token": wrong_code(device)}, format="json")

    assert (missing.status_code, wrong.status_code) == (400, 400)
    assert missing.json() == {"otp_token": ["This account needs a one-time code."]}
    assert wrong.json() == {
        "otp_token": ["That code is not right. Enter the code your app shows now."]
    }
    assert not Token.objects.exists()
    assert events(Action.MFA_FAILED).get().data == {"stage": "api token"}


def test_staff_token_with_a_right_code_reaches_the_report_api(anon_api, command, device):
    body = {"username": command.username, "password": PASSWORD, "otp_token": code_for(device)}

    right = anon_api.post(TOKEN_URL, body, format="json")

    assert right.status_code == 200
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {right.json()['token']}")
    assert anon_api.get(REPORT_API).status_code == 200


def test_staff_without_an_app_get_no_token(anon_api, command):
    body = {"username": command.username, "password": PASSWORD}

    response = anon_api.post(TOKEN_URL, body, format="json")

    assert response.status_code == 400
    assert "/accounts/mfa/enrol/" in response.json()["otp_token"][0]


def test_learner_token_needs_no_code(anon_api, learner):
    body = {"username": learner.user.username, "password": PASSWORD}

    assert anon_api.post(TOKEN_URL, body, format="json").status_code == 200


# --- Every way in to staff data needs the code: tokens and other people's certificates ------

REPORT_CSV = "/api/v1/reports/completion.csv"


def token_for(api, user, *, code=None) -> str:
    body = {"username": user.username, "password": PASSWORD}
    if code:
        body["otp_token"] = code
    response = api.post(TOKEN_URL, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_a_learner_token_does_not_reach_staff_data_after_promotion(anon_api, learner, role_groups):
    """The token was issued without a code (a learner needs none): made command staff, its
    holder must sign in again with a code."""
    token = token_for(anon_api, learner.user)
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon_api.get("/api/v1/me/progress/").status_code == 200

    learner.user.groups.add(role_groups[roles.COMMAND_STAFF])

    assert anon_api.get(REPORT_API).status_code == 401
    assert anon_api.get(REPORT_CSV).status_code == 401


def test_a_token_issued_before_mfa_was_switched_on_does_not_reach_staff_data(
    anon_api, command, device, settings
):
    settings.REQUIRE_MFA_FOR_STAFF = False
    token = token_for(anon_api, command)
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon_api.get(REPORT_API).status_code == 200

    settings.REQUIRE_MFA_FOR_STAFF = True

    for url in (REPORT_API, REPORT_CSV):
        response = anon_api.get(url)
        assert response.status_code == 403, url
        assert "one-time code" in response.json()["detail"]


def test_a_token_issued_with_a_code_reads_the_csv(anon_api, command, device):
    token = token_for(anon_api, command, code=code_for(device))
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = anon_api.get(REPORT_CSV)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


@pytest.fixture
def others_pdf(certificate):
    """Another person's certificate, which command staff of their agency may download."""
    return (
        f"/training/certificates/{certificate.code}/pdf/",
        f"/api/v1/certificates/{certificate.code}/pdf/",
    )


def test_staff_download_others_certificates_only_after_a_code(client, command, device, others_pdf):
    page, api = others_pdf
    client.force_login(command)

    assert client.get(page)["Location"] == f"{VERIFY}?next={page}"
    refused = client.get(api)
    assert refused.status_code == 403
    assert "one-time code" in refused.json()["detail"]

    client.post(VERIFY, {"code": code_for(device)})

    assert client.get(page)["Content-Type"] == "application/pdf"
    assert client.get(api)["Content-Type"] == "application/pdf"


def test_a_token_without_a_code_does_not_download_others_certificates(
    anon_api, command, device, others_pdf, settings
):
    settings.REQUIRE_MFA_FOR_STAFF = False
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(anon_api, command)}")
    settings.REQUIRE_MFA_FOR_STAFF = True

    assert anon_api.get(others_pdf[1]).status_code == 403


def test_a_token_with_a_code_downloads_others_certificates(anon_api, command, device, others_pdf):
    token = token_for(anon_api, command, code=code_for(device))
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert anon_api.get(others_pdf[1])["Content-Type"] == "application/pdf"


def test_holders_download_their_own_certificate_without_a_code(client, learner, others_pdf):
    client.force_login(learner.user)

    assert client.get(others_pdf[0])["Content-Type"] == "application/pdf"
    assert client.get(others_pdf[1])["Content-Type"] == "application/pdf"
