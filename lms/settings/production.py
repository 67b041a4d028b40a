"""Production: PostgreSQL from DATABASE_URL, secrets required, secure cookies."""

import os
from email.utils import getaddresses

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, logging_config

DEBUG = False  # never tracebacks or SQL in a response, whatever the environment says
if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production.")

# A half-configured bucket stops the start (gunicorn runs no system checks; lms.storage).
if MEDIA_S3.problems():  # noqa: F405
    raise ImproperlyConfigured(" ".join(MEDIA_S3.problems()))  # noqa: F405

STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
REQUIRE_MFA_FOR_STAFF = env_bool("REQUIRE_MFA_FOR_STAFF", True)

EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

if os.environ.get("REDIS_URL"):
    REDIS_CACHE = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
    # The page cache and its versions, and the sessions (SESSION_CACHE_ALIAS = "shared").
    CACHES = {**CACHES, "default": REDIS_CACHE, "shared": REDIS_CACHE}  # noqa: F405

# Every server error is one JSON line on standard error with its request id (lms/request_log.py);
# with ADMINS="Name <a@example.gov>,Other <b@example.gov>", also an email to each.
ADMINS = [
    (name, address) for name, address in getaddresses([os.environ.get("ADMINS", "")]) if address
]
LOGGING = logging_config(json_lines=True, mail_admins=bool(ADMINS))
