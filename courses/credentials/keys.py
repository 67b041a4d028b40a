"""The keys that sign our credentials, from settings; the public keys we publish.

One signing key (Ed25519, signed as EdDSA; or P-256, signed as ES256), in PEM, from
CREDENTIALS_SIGNING_KEY (the PEM text) or CREDENTIALS_SIGNING_KEY_FILE (its path); retired keys
from CREDENTIALS_RETIRED_KEY_FILES, kept so that credentials they signed still verify (key
rotation: docs/credentials.md). Never in the repository: development makes its own key file
on first start (settings/dev.py), tests make a throwaway key (settings/test.py).

A bad configuration stops the server at start: CoursesConfig.ready loads the keys and
ImproperlyConfigured names the setting and what is wrong with it.

Signing uses jwcrypto; the tests verify with PyJWT, an independent implementation.
"""

import functools
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import reverse
from jwcrypto import jwk, jws


@dataclass(frozen=True)
class Keyring:
    signing: jwk.JWK
    retired: tuple[jwk.JWK, ...]

    @property
    def algorithm(self) -> str:
        return algorithm_of(self.signing)

    @property
    def published(self) -> tuple[jwk.JWK, ...]:
        return (self.signing, *self.retired)


def algorithm_of(key: jwk.JWK) -> str:
    return "EdDSA" if key.get("kty") == "OKP" else "ES256"


def key_id(key: jwk.JWK) -> str:
    """The `kid`: the address where the public key is published as a JWK (OB 3.0, 8.2.3)."""
    return settings.SITE_URL + reverse("credential-key", args=[key.thumbprint()])


def public_jwk(key: jwk.JWK) -> dict:
    public = key.export_public(as_dict=True)
    return {**public, "kid": key_id(key), "alg": algorithm_of(key), "use": "sig"}


def _pem_key(pem: bytes, setting: str) -> jwk.JWK:
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            f"{setting}: not an unencrypted PEM private key ({error}). Make one with "
            "`openssl genpkey -algorithm ed25519 -out signing-key.pem` (docs/credentials.md)."
        ) from None
    if isinstance(private, ec.EllipticCurvePrivateKey) and private.curve.name != "secp256r1":
        raise ImproperlyConfigured(
            f"{setting}: an elliptic-curve key must be on P-256 (ES256), not {private.curve.name}."
        )
    if not isinstance(private, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
        raise ImproperlyConfigured(
            f"{setting}: the key must be Ed25519 (EdDSA) or P-256 (ES256), "
            f"not {type(private).__name__.removeprefix('_')}."
        )
    return jwk.JWK.from_pyca(private)


def _read(path: str, setting: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ImproperlyConfigured(
            f"{setting}={path}: cannot read it ({error.strerror})."
        ) from None


def create_key_file(path: Path) -> None:
    """A new Ed25519 key in PEM, readable by its owner only (development's first start)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)


def load_keyring() -> Keyring:
    """Read and check the configured keys; ImproperlyConfigured says which setting is wrong."""
    text = getattr(settings, "CREDENTIALS_SIGNING_KEY", "")
    path = getattr(settings, "CREDENTIALS_SIGNING_KEY_FILE", "")
    if text and path:
        raise ImproperlyConfigured(
            "Set CREDENTIALS_SIGNING_KEY or CREDENTIALS_SIGNING_KEY_FILE, not both."
        )
    if text:
        signing = _pem_key(text.encode(), "CREDENTIALS_SIGNING_KEY")
    elif path:
        if getattr(settings, "CREDENTIALS_CREATE_MISSING_KEY", False) and not Path(path).exists():
            create_key_file(Path(path))
        signing = _pem_key(
            _read(str(path), "CREDENTIALS_SIGNING_KEY_FILE"), "CREDENTIALS_SIGNING_KEY_FILE"
        )
    else:
        raise ImproperlyConfigured(
            "No key to sign credentials with: set CREDENTIALS_SIGNING_KEY_FILE to the path of an "
            "Ed25519 or P-256 private key in PEM (docs/credentials.md)."
        )
    retired = []
    for retired_path in getattr(settings, "CREDENTIALS_RETIRED_KEY_FILES", []):
        setting = f"CREDENTIALS_RETIRED_KEY_FILES ({retired_path})"
        retired.append(_public_or_private(_read(retired_path, setting), setting))
    thumbprints = [key.thumbprint() for key in (signing, *retired)]
    if len(set(thumbprints)) != len(thumbprints):
        raise ImproperlyConfigured(
            "CREDENTIALS_RETIRED_KEY_FILES lists the signing key or one key twice."
        )
    return Keyring(signing=signing, retired=tuple(retired))


def _public_or_private(pem: bytes, setting: str) -> jwk.JWK:
    """A retired key may be kept as its public half only (it signs nothing any more)."""
    if b"PRIVATE KEY" in pem:
        return jwk.JWK.from_json(_pem_key(pem, setting).export_public())
    try:
        public = serialization.load_pem_public_key(pem)
    except ValueError as error:
        raise ImproperlyConfigured(f"{setting}: not a PEM key ({error}).") from None
    if not isinstance(public, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
        raise ImproperlyConfigured(f"{setting}: the key must be Ed25519 or P-256.")
    return jwk.JWK.from_pyca(public)


@functools.cache
def keyring() -> Keyring:
    return load_keyring()


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs) -> None:
    if setting.startswith("CREDENTIALS_") or setting == "SITE_URL":
        keyring.cache_clear()


def sign(payload: dict) -> str:
    """`payload` as a compact JWS, signed with the current key. The header is what OB 3.0
    (8.2.3) allows: alg, kid (dereferences to the public JWK) and typ "JWT"."""
    ring = keyring()
    token = jws.JWS(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    header = {"alg": ring.algorithm, "kid": key_id(ring.signing), "typ": "JWT"}
    token.add_signature(ring.signing, alg=ring.algorithm, protected=json.dumps(header))
    return token.serialize(compact=True)


@dataclass(frozen=True)
class Verified:
    payload: dict
    key_id: str
    algorithm: str
    retired: bool


class NotVerified(Exception):
    pass


def verify(token: str) -> Verified:
    """Check a compact JWS against the keys we publish (current and retired): the `kid` must
    name one of them and the signature must hold. NotVerified says why not."""
    try:
        parsed = jws.JWS()
        parsed.deserialize(token.strip())
        header = parsed.jose_header
    except Exception as error:  # jwcrypto raises several types for malformed input
        raise NotVerified(f"Not a compact JWS ({type(error).__name__}).") from None
    ring = keyring()
    by_id = {key_id(key): key for key in ring.published}
    key = by_id.get(header.get("kid", ""))
    if key is None:
        raise NotVerified("It was not signed by a key this site publishes.")
    algorithm = algorithm_of(key)
    if header.get("alg") != algorithm:
        raise NotVerified(f"Its algorithm {header.get('alg')!r} is not the key's ({algorithm}).")
    try:
        parsed.verify(key, alg=algorithm)
        payload = json.loads(parsed.payload)
    except Exception:
        raise NotVerified("The signature does not match the content.") from None
    return Verified(
        payload=payload, key_id=key_id(key), algorithm=algorithm, retired=key is not ring.signing
    )
