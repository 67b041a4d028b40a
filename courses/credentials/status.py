"""Revocation as a W3C Bitstring Status List: one bit per certificate, set when it is revoked.

Derived from Certificate.revoked_at on each request (one query), so a revocation
(courses.progress.services.certificate_revoke) shows in the list at once and nothing else has
to be kept in step. Certificate n is bit n mod 131,072 of list n div 131,072 (bit 0 the
leftmost of the first byte), as courses.credentials.openbadges.status_entry says.
"""

import base64
import gzip
from dataclasses import dataclass

from courses.credentials import keys
from courses.credentials.openbadges import (
    STATUS_LIST_SIZE,
    VC_CONTEXT,
    issuer_profile,
    status_list_url,
)
from courses.models import Certificate


def revoked_indexes(number: int) -> list[int]:
    first = number * STATUS_LIST_SIZE
    revoked = Certificate.objects.filter(
        pk__gte=first, pk__lt=first + STATUS_LIST_SIZE, revoked_at__isnull=False
    ).values_list("pk", flat=True)
    return sorted(pk - first for pk in revoked)


def encode(indexes: list[int]) -> str:
    """The encodedList: the bitstring, GZIP-compressed, base64url without padding, multibase
    prefix "u". mtime=0 keeps the bytes, and so the signature, the same for the same list."""
    bits = bytearray(STATUS_LIST_SIZE // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    data = encoded.removeprefix("u")
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def is_set(bitstring: bytes, index: int) -> bool:
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(number: int) -> dict:
    url = status_list_url(number)
    issuer = issuer_profile()
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(revoked_indexes(number)),
        },
    }


def status_list_jwt(number: int) -> str:
    credential = status_list_credential(number)
    return keys.sign({**credential, "iss": credential["issuer"]["id"], "jti": credential["id"]})


@dataclass(frozen=True)
class CredentialCheck:
    """What a verifier would find for one credential: whether its signature holds against a key
    we publish, which key, and whether its status-list bit says revoked."""

    verified: bool
    detail: str
    key_id: str = ""
    algorithm: str = ""
    revoked: bool = False
    status_list: str = ""
    payload: dict | None = None


ALGORITHM_NAMES = {"EdDSA": "Ed25519 (EdDSA)", "ES256": "ECDSA P-256 (ES256)"}


def check_credential(token: str) -> CredentialCheck:
    """Verify a compact JWS with the keys we publish, then read its bit in our status list."""
    try:
        verified = keys.verify(token)
    except keys.NotVerified as error:
        return CredentialCheck(verified=False, detail=str(error))
    entry = verified.payload.get("credentialStatus") or {}
    revoked = False
    list_url = entry.get("statusListCredential", "")
    prefix = status_list_url(0).removesuffix("0/")
    if list_url.startswith(prefix) and str(entry.get("statusListIndex", "")).isdigit():
        number = list_url.removeprefix(prefix).rstrip("/")
        if number.isdigit():
            index = int(entry["statusListIndex"])
            revoked = index in revoked_indexes(int(number))
    detail = "signed with a retired key, still published" if verified.retired else ""
    return CredentialCheck(
        verified=True,
        detail=detail,
        key_id=verified.key_id,
        algorithm=ALGORITHM_NAMES.get(verified.algorithm, verified.algorithm),
        revoked=revoked,
        status_list=list_url,
        payload=verified.payload,
    )
