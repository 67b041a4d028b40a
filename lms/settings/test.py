"""Tests: fast password hashing, in-memory email, no debug."""

import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
# Nothing outlives a test: page cache tests (tests/lms/conftest.py page_cache_on) turn it on.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    "memo": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "memo"},
}
# A throwaway key for signing credentials, new in every test run, never written to disk; the
# environment's when set (the backup drill's test hands its key to the manage.py it starts).
CREDENTIALS_SIGNING_KEY = os.environ.get("CREDENTIALS_SIGNING_KEY") or (
    Ed25519PrivateKey.generate()
    .private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    .decode()
)
CREDENTIALS_SIGNING_KEY_FILE = ""
CREDENTIALS_RETIRED_KEY_FILES: list[str] = []
