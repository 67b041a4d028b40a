"""Local development: the embedded SQLite database, debug pages, console email."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-8e1f3c0a9b7d4e2f"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Credentials: without a configured key, development makes its own on first start, outside git.
if not (CREDENTIALS_SIGNING_KEY or CREDENTIALS_SIGNING_KEY_FILE):  # noqa: F405
    CREDENTIALS_SIGNING_KEY_FILE = str(BASE_DIR / ".secrets" / "credentials-signing-key.pem")  # noqa: F405
    CREDENTIALS_CREATE_MISSING_KEY = True
