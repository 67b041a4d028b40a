"""The signing key: from settings, checked at start (a bad one stops the server with a clear
message), published with the retired ones so that rotation keeps old credentials verifiable."""

import os
import re
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.core.exceptions import ImproperlyConfigured

from courses.credentials import keys, openbadges
from courses.credentials.status import check_credential

REPO = Path(__file__).resolve().parents[2]


def pem(private) -> str:
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("configure", "message"),
    [
        (lambda s, tmp: None, "No key to sign credentials with"),
        (
            lambda s, tmp: setattr(s, "CREDENTIALS_SIGNING_KEY_FILE", str(tmp / "absent.pem")),
            "cannot read it",
        ),
        (
            lambda s, tmp: setattr(
                s, "CREDENTIALS_SIGNING_KEY_FILE", write(tmp, "bad.pem", "not a key")
            ),
            "not an unencrypted PEM private key",
        ),
        (
            lambda s, tmp: setattr(
                s, "CREDENTIALS_SIGNING_KEY", pem(rsa.generate_private_key(65537, 2048))
            ),
            "must be Ed25519 (EdDSA) or P-256 (ES256)",
        ),
        (
            lambda s, tmp: setattr(
                s, "CREDENTIALS_SIGNING_KEY", pem(ec.generate_private_key(ec.SECP384R1()))
            ),
            "must be on P-256",
        ),
    ],
    ids=["none", "missing-file", "not-pem", "rsa", "p384"],
)
def test_a_bad_key_configuration_is_refused_with_a_clear_message(
    settings, tmp_path, configure, message
):
    settings.CREDENTIALS_SIGNING_KEY = ""
    settings.CREDENTIALS_SIGNING_KEY_FILE = ""
    configure(settings, tmp_path)
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        keys.load_keyring()


def test_both_key_settings_at_once_are_refused(settings, tmp_path):
    settings.CREDENTIALS_SIGNING_KEY_FILE = write(
        tmp_path, "k.pem", pem(ed25519.Ed25519PrivateKey.generate())
    )
    with pytest.raises(ImproperlyConfigured, match="not both"):
        keys.load_keyring()


def test_the_server_does_not_start_with_a_bad_key():
    """`manage.py check` (as runserver and gunicorn load the apps) stops, naming the setting."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "CREDENTIALS_SIGNING_KEY_FILE": "/nonexistent/credentials.pem",
    }
    env.pop("CREDENTIALS_SIGNING_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "CREDENTIALS_SIGNING_KEY_FILE=/nonexistent/credentials.pem: cannot read it" in (
        result.stderr
    )


def test_development_makes_its_own_key_file_once(settings, tmp_path):
    path = tmp_path / ".secrets" / "key.pem"
    settings.CREDENTIALS_SIGNING_KEY = ""
    settings.CREDENTIALS_SIGNING_KEY_FILE = str(path)
    settings.CREDENTIALS_CREATE_MISSING_KEY = True
    first = keys.load_keyring().signing.thumbprint()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert keys.load_keyring().signing.thumbprint() == first


def test_a_p256_key_signs_es256(settings, learner_api, certificate, verify_jwt):
    settings.CREDENTIALS_SIGNING_KEY = pem(ec.generate_private_key(ec.SECP256R1()))
    token = learner_api.get(f"/api/v1/certificates/{certificate.code}/credential/").content
    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    verify_jwt(token.decode())


def test_after_rotation_old_credentials_still_verify_and_new_ones_use_the_new_key(
    settings, tmp_path, client, certificate, verify_jwt
):
    old = ed25519.Ed25519PrivateKey.generate()
    settings.CREDENTIALS_SIGNING_KEY = pem(old)
    old_token = openbadges.credential_jwt(certificate)

    public_only = old.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    settings.CREDENTIALS_SIGNING_KEY = pem(ed25519.Ed25519PrivateKey.generate())
    settings.CREDENTIALS_RETIRED_KEY_FILES = [write(tmp_path, "old.pem", public_only.decode())]
    new_token = openbadges.credential_jwt(certificate)

    assert (
        jwt.get_unverified_header(old_token)["kid"] != jwt.get_unverified_header(new_token)["kid"]
    )
    verify_jwt(old_token)  # its kid still answers with the old public key
    verify_jwt(new_token)
    assert len(client.get("/.well-known/jwks.json").json()["keys"]) == 2
    old_check = check_credential(old_token)
    assert old_check.verified and "retired" in old_check.detail


def test_a_tampered_credential_does_not_verify(learner_api, certificate, verify_jwt):
    token = openbadges.credential_jwt(certificate)
    header, payload, signature = token.split(".")
    forged = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b"Dana Reyes", b"Dana Reyez")
    ).decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verify_jwt(f"{header}.{forged}.{signature}")
    assert not check_credential(f"{header}.{forged}.{signature}").verified


def test_a_credential_signed_by_a_key_we_do_not_publish_does_not_verify(certificate):
    stranger = jwt.encode(
        {"id": "x"},
        ed25519.Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": keys.key_id(keys.keyring().signing)},
    )
    check = check_credential(stranger)
    assert not check.verified and "does not match" in check.detail
    assert not check_credential("not a token").verified


def test_an_unknown_key_id_is_not_found(client, db):
    assert client.get("/credentials/keys/not-a-thumbprint").status_code == 404
