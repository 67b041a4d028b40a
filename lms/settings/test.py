"""Tests: fast password hashing, in-memory email, no debug."""

import atexit
import os
import shutil
import tempfile

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Uploads and certificates of this test run, in a directory of its own (CI runs the SQLite and
# PostgreSQL passes at once).
MEDIA_ROOT = tempfile.mkdtemp(prefix="common-ground-test-media-")
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
# The sequencer runs in the writer's thread after its commit, so a test sees its events chained
# (tests/lms/test_audit_sequencer.py runs the background thread itself).
AUDIT_SEQUENCE_DELAY_SECONDS = 0
# Export files of this test run, outside the repository (and MEDIA_ROOT, as in production).
COMPLIANCE_EXPORTS_ROOT = tempfile.mkdtemp(prefix="common-ground-test-exports-")
atexit.register(shutil.rmtree, COMPLIANCE_EXPORTS_ROOT, ignore_errors=True)
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
# On PostgreSQL, a "replica" alias that is the test database itself (TEST MIRROR), for the
# router's tests (tests/lms/test_replica.py), which turn REPLICA_READS on; off for the rest.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
REPLICA_READS = False
