"""What every credential test checks a credential with: the official 1EdTech OB 3.0 JSON
Schema (vendored in ob_v3p0/), and PyJWT, an implementation independent of jwcrypto (which
signs), with the public key fetched from the `kid` address as a verifier would."""

import json
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import jwt
import pytest

SCHEMA_PATH = Path(__file__).parent / "ob_v3p0" / "ob_v3p0_achievementcredential_schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())
VALIDATOR = jsonschema.Draft201909Validator(
    SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
)
JWT_CLAIMS = {"iss", "jti", "sub", "nbf", "exp"}


def schema_errors(credential: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in VALIDATOR.iter_errors(credential)
    ]


def credential_of(payload: dict) -> dict:
    """The OpenBadgeCredential inside a JWT payload (the JWT claims set aside)."""
    return {name: value for name, value in payload.items() if name not in JWT_CLAIMS}


@pytest.fixture
def verify_jwt(client):
    """Verify a compact JWS the way an outside verifier does: read the `kid` from the header,
    fetch the JWK it names from our site, check the signature with PyJWT; then check the
    credential against the OB 3.0 schema. Returns the payload."""

    def verify(token: str, *, schema: bool = True, verify_exp: bool = True) -> dict:
        header = jwt.get_unverified_header(token)
        assert set(header) <= {"alg", "kid", "typ", "jwk"}  # OB 3.0, 8.2.3: nothing else
        response = client.get(urlparse(header["kid"]).path)
        assert response.status_code == 200, header["kid"]
        public = response.json()
        assert "d" not in public  # never the private part
        payload = jwt.decode(
            token,
            jwt.PyJWK(public),
            algorithms=[header["alg"]],
            options={"verify_exp": verify_exp, "verify_aud": False},
        )
        if schema:
            assert schema_errors(credential_of(payload)) == []
        return payload

    return verify
