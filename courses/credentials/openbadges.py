"""A certificate as an Open Badges 3.0 `OpenBadgeCredential` (W3C Verifiable Credentials 2.0).

A view of facts we store, derived on request and never stored (DESIGN.md): the certificate's
copies of the holder's name, curriculum title and credit hours, its issue and expiry, and its
revocation, which the Bitstring Status List (courses.credentials.status) reports. The same
certificate always gives the same credential, and Ed25519 signatures are deterministic, so the
same JWS, until the issuer's details or the signing key change.

Proof: the compact JWS of OB 3.0, 8.2 (VC-JWT), served as application/vc+jwt; the JSON claims
iss, jti, nbf, exp and sub repeat the credential's issuer, id, validFrom, validUntil and
subject as that section requires.
"""

import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse

from courses.credentials import keys
from courses.models import Certificate

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
STATUS_LIST_SIZE = 131_072  # bits per list: the minimum the Bitstring Status List asks for
MEDIA_TYPE_JWT = "application/vc+jwt"


def _urn(kind: str, value) -> str:
    """A stable, opaque identifier: the same site and row always give the same one."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{settings.SITE_URL}/{kind}/{value}')}"


def _timestamp(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value) -> int | float:
    return int(value) if value == int(value) else float(value)


def issuer_profile() -> dict:
    """The site: it holds the key that signs every credential (docs/credentials.md)."""
    return {
        "id": settings.SITE_URL + reverse("credential-issuer"),
        "type": ["Profile"],
        "name": settings.CREDENTIALS_ISSUER_NAME,
        "url": settings.SITE_URL + "/",
        "description": "Police training records: certificates issued on completion of a "
        "curriculum, verifiable by anyone.",
    }


def status_entry(certificate: Certificate) -> dict:
    """Where a verifier reads whether the certificate is revoked: one bit of a status list."""
    number, index = divmod(certificate.pk, STATUS_LIST_SIZE)
    list_url = status_list_url(number)
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_url(number: int) -> str:
    return settings.SITE_URL + reverse("credential-status-list", args=[number])


def build_credential(certificate: Certificate) -> dict:
    """The OpenBadgeCredential of a certificate (OB 3.0 AchievementCredential, B.1.2)."""
    agency = certificate.person.agency
    hours = _number(certificate.credit_hours)
    achievement = {
        "id": _urn("achievements", certificate.curriculum_id),
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": certificate.curriculum_title,
        "description": f"Completion of the {certificate.curriculum_title} curriculum "
        f"({certificate.credit_hours.normalize():f} credit hours).",
        "criteria": {
            "narrative": "Read every lesson of every module of the curriculum and pass each "
            "module's quiz at its pass mark; the certificate is issued when the last module "
            "is complete."
        },
        "creditsAvailable": hours,
        "inLanguage": "en",
    }
    credential = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": _urn("credentials", certificate.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{certificate.curriculum_title}: Certificate of Completion",
        "description": f"Certificate {certificate.serial}, verifiable at "
        f"{settings.SITE_URL}{reverse('certificate-verify', args=[certificate.code])}",
        "issuer": issuer_profile(),
        "validFrom": _timestamp(certificate.issued_at),
        "credentialSubject": {
            "id": _urn("people", certificate.person.pk),
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.holder_name,
                }
            ],
            "achievement": achievement,
            "creditsEarned": hours,
            "source": {
                "id": _urn("agencies", agency.slug),
                "type": ["Profile"],
                "name": agency.name,
            },
        },
        "credentialStatus": status_entry(certificate),
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if certificate.expires_at:
        credential["validUntil"] = _timestamp(certificate.expires_at)
    return credential


def jwt_claims(credential: dict) -> dict:
    """The credential with the JWT claims OB 3.0 (8.2.4) requires beside it."""
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": _epoch(credential["validFrom"]),
    }
    if "validUntil" in credential:
        claims["exp"] = _epoch(credential["validUntil"])
    return claims


def _epoch(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp).timestamp())


def credential_jwt(certificate: Certificate) -> str:
    """The signed credential: a compact JWS (signing takes well under a millisecond:
    bench/certificate_bench.py), so it is made on request and never stored."""
    return keys.sign(jwt_claims(build_credential(certificate)))
