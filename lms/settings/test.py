"""Tests: fast password hashing, in-memory email, no debug."""

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
