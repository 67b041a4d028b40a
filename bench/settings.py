"""Benchmark settings: the project's base settings, DEBUG off, a throwaway database.

`bench/report_bench.py` sets BENCH_DATABASE_URL before Django starts; the project's own
DATABASE_URL and db.sqlite3 are never used.
"""

import os
import warnings

import dj_database_url
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.settings.base import *  # noqa: F403
from lms.settings.base import (
    ALLOWED_HOSTS,
    POSTGRES_ENGINE,
    POSTGRES_OPTIONS,
    SQLITE_ENGINE,
    SQLITE_OPTIONS,
)

DEBUG = False
# A throwaway key for the credentials the bench signs (courses/credentials/keys.py).
CREDENTIALS_SIGNING_KEY = (
    Ed25519PrivateKey.generate()
    .private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    .decode()
)
CREDENTIALS_SIGNING_KEY_FILE = ""
SECRET_KEY = "bench-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # the DRF test client's host name
# Only the twenty seed_demo accounts are hashed; the bench officers get unusable passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = "/tmp/common-ground-bench-media"  # noqa: S108
COMPLIANCE_EXPORTS_ROOT = "/tmp/common-ground-bench-exports"  # noqa: S108
ROOT_URLCONF = "bench.urls"  # the site plus the floor views (bench/floor_views.py)
# Persistent connections as in base.py, so the served pages pay what production pays.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ["BENCH_DATABASE_URL"],
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if os.environ.get("BENCH_SQLITE_NO_SYNC") and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Seeding only: a throwaway file need not survive a power cut. Measuring runs without it.
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA synchronous = OFF"}
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # BENCH_SQLITE_ENGINE=django.db.backends.sqlite3 measures without the writers queue.
    engine = os.environ.get("BENCH_SQLITE_ENGINE", SQLITE_ENGINE)
    DATABASES["default"].update(ENGINE=engine, OPTIONS=SQLITE_OPTIONS)
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].update(ENGINE=POSTGRES_ENGINE, OPTIONS=dict(POSTGRES_OPTIONS))
    if os.environ.get("BENCH_PG_JIT_OFF"):
        DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"

# The shared cache (page cache versions) in a private tmpfs directory, as the README advises
# for a host without Redis; http_bench.py makes one per run.
if os.environ.get("BENCH_SHARED_CACHE_DIR"):
    CACHES["shared"]["LOCATION"] = os.environ["BENCH_SHARED_CACHE_DIR"]  # noqa: F405

# No collectstatic for a benchmark: WhiteNoise's warning about it is noise here.
warnings.filterwarnings("ignore", message="No directory at")
