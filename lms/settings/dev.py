"""Local development: the embedded SQLite database, debug pages, console email."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-8e1f3c0a9b7d4e2f"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
