"""Settings shared by every environment. Secrets and the database come from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from lms.request_log import logging_config
from lms.storage import ObjectStorage, build_storages

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Old keys still accepted while what they signed expires (docs/operations.md, Key rotation).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "community",
    "oversight",
    "records",
    "authoring",
    "compliance",
    "courses",
    "assessments",
    "xapi",
    "lms",
    "background",
    "django_tasks",
    "django_tasks_db",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "lms.request_log.RequestIdMiddleware",  # first: every response and log line has the id
    "lms.metrics.RequestMetricsMiddleware",
    # /healthz, /readyz, /metrics: before the HTTPS redirect and the host check (lms/health.py)
    "lms.health.ProbeMiddleware",
    "lms.replica.ReplicaPinMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lms.page_cache.RequestVersionsMiddleware",
    "lms.page_cache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lms.middleware.SessionIdleTimeoutMiddleware",
    "lms.mfa.StaffMfaMiddleware",
    "lms.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "lms.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    "lms.page_cache.UserPageCacheMiddleware",
]

ROOT_URLCONF = "lms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "lms.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A read replica of it (lms/replica.py): the dashboards and reports read there, except for a
# browser that wrote something in the last REPLICA_PIN_SECONDS; writes and migrations never.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
REPLICA_READS = bool(DATABASE_REPLICA_URL)
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "15"))
if REPLICA_READS:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["lms.replica.ReplicaRouter"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my-training"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATICFILES_DIRS = [PROJECT_DIR / "static"]
# Each host's own directories (deploy/commonground.env.example); nothing here is shared.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "/media/"

# Uploaded files (lms/storage.py, docs/storage.md): on this disk, or with MEDIA_S3_BUCKET (and
# MEDIA_S3_ENDPOINT_URL, _REGION, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY) in an S3-compatible bucket:
# images public, documents, evidence and exports private, read through signed addresses good for
# MEDIA_URL_SECONDS (documents, videos among them: MEDIA_DOCUMENT_URL_SECONDS).
MEDIA_S3 = ObjectStorage.from_env(os.environ)
STORAGES = {
    **build_storages(MEDIA_S3),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Large exports (compliance.exporting, docs/exports.md): built by a task into the private
# "exports" storage above (on disk: COMPLIANCE_EXPORTS_ROOT, default private/exports/ beside the
# code, outside MEDIA_ROOT), downloaded through a view that checks who asks, kept
# COMPLIANCE_EXPORT_DAYS after they are built, then removed by `manage.py prune_exports`.
COMPLIANCE_EXPORTS_ROOT = os.environ.get("COMPLIANCE_EXPORTS_ROOT", "")
COMPLIANCE_EXPORT_DAYS = int(os.environ.get("COMPLIANCE_EXPORT_DAYS", "7"))

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "Common Ground"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "vtt", "srt", "mp4", "webm"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 50 * 1024 * 1024
# Documents go through Wagtail's view and its before_serve_document hook (courses.wagtail_hooks:
# only to people who may see a page that links them); never a direct link to MEDIA_URL.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]  # no SVG: it can carry script

# How many proxies we run in front of the app servers (nginx: 1; a load balancer in front of
# nginx: 2). The client's address is the X-Forwarded-For entry the outermost of them added
# (lms.audit.client_ip): for the audit trail, the sign-in lockout and the rate limits. 0: the
# connection's own address (REMOTE_ADDR); a client's X-Forwarded-For is then ignored.
NUM_PROXIES = max(int(os.environ.get("NUM_PROXIES", "0")), 0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "lms.auth_backends.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["lms.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "lms.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Scoped rates (lms/throttles.py); the /verify/ page shares the public API's scope.
    # Clients are told apart by lms.audit.client_ip (NUM_PROXIES, below).
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "auth_token": os.environ.get("THROTTLE_AUTH_TOKEN", "30/minute"),
        "certificate_verify": os.environ.get("THROTTLE_CERTIFICATE_VERIFY", "60/minute"),
        # Password reset (lms/password_reset.py), counted in the "shared" cache: requests per
        # address, emails per account.
        "password_reset_address": os.environ.get("THROTTLE_PASSWORD_RESET_ADDRESS", "10/hour"),
        "password_reset_account": os.environ.get("THROTTLE_PASSWORD_RESET_ACCOUNT", "3/hour"),
        # Community survey answers per address (community/): a room behind one venue router
        # shares an address, so the limit is a room's worth of both phases, not one person's.
        "community_response": os.environ.get("THROTTLE_COMMUNITY_RESPONSE", "1000/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Common Ground API",
    "DESCRIPTION": "Training records, quizzes and certificates for police departments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "PREPROCESSING_HOOKS": ["lms.api_schema.only_v1_endpoints"],
    # Choice sets named once, where two serializers call a field "status" (compliance).
    "ENUM_NAME_OVERRIDES": {
        "ComplianceStatusEnum": "compliance.cycles.Status.ALL",
        "TrainingRecordStatusEnum": "compliance.models.EntryStatus",
    },
    # `<id:...>` (lms/converters.py): an integer of at most 18 digits.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "maximum": 10**18 - 1}},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lms.api_schema.ids_are_not_negative",
        "lms.api_schema.anonymous_operations_say_so",
        "lms.api_schema.query_enums_are_components",
    ],
}

# Server errors and security refusals to standard error, one line each with the request's id
# (lms/request_log.py); LOG_JSON=true for JSON lines (always in production).
LOGGING = logging_config(json_lines=env_bool("LOG_JSON", False))
# One access line per request (lms.access: method, path, status, ms, view, user id, request
# id); on in production.
LOG_ACCESS = env_bool("LOG_ACCESS", False)

# /metrics (lms/metrics.py) answers only `Authorization: Bearer <METRICS_TOKEN>`; 404 when
# unset. Several gunicorn workers: PROMETHEUS_MULTIPROC_DIR (environment only, read by
# prometheus-client) names an empty directory private to the service.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Common Ground <training@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Public address used in certificate QR codes and verification links.
SITE_URL = WAGTAILADMIN_BASE_URL.rstrip("/")

# Open Badges 3.0 credentials (courses/credentials/, docs/credentials.md): the private key that
# signs them (Ed25519 or P-256, PEM), as text or as a file path, never in the repository; the
# files of retired keys, still published so that what they signed verifies. The server does not
# start without a usable key (courses.apps.CoursesConfig.ready).
CREDENTIALS_SIGNING_KEY = os.environ.get("CREDENTIALS_SIGNING_KEY", "")
CREDENTIALS_SIGNING_KEY_FILE = os.environ.get("CREDENTIALS_SIGNING_KEY_FILE", "")
CREDENTIALS_RETIRED_KEY_FILES = env_list("CREDENTIALS_RETIRED_KEY_FILES", "")
CREDENTIALS_CREATE_MISSING_KEY = False  # development only (settings/dev.py)
CREDENTIALS_ISSUER_NAME = os.environ.get("CREDENTIALS_ISSUER_NAME", WAGTAIL_SITE_NAME)

# Survey reports show nothing for a group with fewer respondents than this, before or after.
SURVEY_MIN_GROUP_SIZE = max(int(os.environ.get("SURVEY_MIN_GROUP_SIZE", "5")), 1)

# The audit trail (docs/audit.md): events are inserted pending and chained in batches by the
# sequencer (woken by each writer's commit, and `manage.py sequence_audit`); `verify_audit` fails
# on any event left pending longer than this many seconds.
AUDIT_SEQUENCE_BOUND_SECONDS = float(os.environ.get("AUDIT_SEQUENCE_BOUND_SECONDS", "5"))
# A writer's commit wakes its process's sequencer thread, which chains after this many seconds
# whatever the process's writers committed meanwhile, in one transaction; 0 chains in the
# writer's request, after its commit (an extra transaction per write).
AUDIT_SEQUENCE_DELAY_SECONDS = float(os.environ.get("AUDIT_SEQUENCE_DELAY_SECONDS", "0.2"))


# --- Security (SECURITY.md) --------------------------------------------------------------
# Sign-in lockout (django-axes): 5 failures for one account, or 25 from one address (a
# station shares one), lock that account / address for 30 minutes. lms.lockout counts and
# answers; lms.signals audits it.
# The signed-in user is loaded from the worker's memory, under versions every account change
# renews (lms/page_cache/): no query per request for it (Performance, below).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "lms.auth_backends.CachedUserBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_IP_FAILURE_LIMIT = int(os.environ.get("AXES_IP_FAILURE_LIMIT", "25"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # this order: lms.lockout reads it
AXES_HANDLER = "lms.lockout.AccountAndAddressHandler"
# Failures age out with the cool-off instead: a reset on success would clear every failure
# from the address, so an attacker's own good sign-in would wipe their guesses at others.
AXES_RESET_ON_SUCCESS = False
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the cool-off runs from the lockout
AXES_LOCKOUT_CALLABLE = "lms.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "lms.audit.client_ip"  # behind nginx: NUM_PROXIES
AXES_VERBOSE = False

# Password reset: on the site (/accounts/password/reset/, lms/password_reset.py), for learners
# and staff; Wagtail's own admin reset is off, so there is one flow. A link works once, for
# PASSWORD_RESET_MINUTES.
WAGTAIL_PASSWORD_RESET_ENABLED = False
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_MINUTES", "60")) * 60

# A session ends after 30 minutes without a request. lms.middleware.SessionIdleTimeoutMiddleware
# refreshes it at most once a SESSION_REFRESH_SECONDS, instead of SESSION_SAVE_EVERY_REQUEST.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_REFRESH_SECONDS = 60
# …and 12 hours after sign-in however active (the same middleware).
SESSION_ABSOLUTE_HOURS = float(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
# API tokens expire this long after they were issued (lms.auth_backends); sign-out
# (DELETE /api/v1/auth/token/), a password change and a role change revoke them sooner.
API_TOKEN_HOURS = float(os.environ.get("API_TOKEN_HOURS", "12"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Staff (trainers, coordinators, command staff, agency admins) verify a TOTP code before
# /admin/, /oversight/ and the report API (lms/mfa.py). On in production.
REQUIRE_MFA_FOR_STAFF = env_bool("REQUIRE_MFA_FOR_STAFF", False)
OTP_TOTP_ISSUER = "Common Ground"

# The admin shows no third-party avatars: no staff e-mail hashes leave the site.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Request bodies: form fields up to 2.5 MB; files go to disk past 2.5 MB (limits per form).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Performance (bench/README.md has the measurements behind each line) ---------------------
# Writers take SQLite's lock when their transaction begins. Deferred transactions that read
# and then write fail at once with "database is locked" when another worker is writing;
# WAL lets readers go on while one writes.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}
# …and queue on a file lock for it rather than sleep in SQLite's busy handler (lms/db/sqlite3).
SQLITE_ENGINE = "lms.db.sqlite3"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["ENGINE"] = SQLITE_ENGINE
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
# PostgreSQL binds parameters on the server, so psycopg prepares a statement a connection has
# run five times and the server stops planning it again: the reads of a rendered page spent
# more time being planned than run. DATABASE_SERVER_SIDE_BINDING=0 binds them in the client
# (Django's default), for a pooler in transaction mode that does not keep prepared statements.
POSTGRES_OPTIONS = (
    {"server_side_binding": True, "prepare_threshold": 5}
    if os.environ.get("DATABASE_SERVER_SIDE_BINDING", "1") != "0"
    else {}
)
# …and its health check asks the server only when the socket says something (lms/db/postgresql).
POSTGRES_ENGINE = "lms.db.postgresql"
for database in DATABASES.values():
    if database["ENGINE"].endswith("postgresql"):
        database["ENGINE"] = POSTGRES_ENGINE
        database.setdefault("OPTIONS", {}).update(POSTGRES_OPTIONS)
# Sessions live on the server, so that signing out, a password change and a role change end
# them (lms/sessions.py: Django's cache-backed database sessions, with the user on the row).
# Read from the "shared" cache (no query per request; one worker's sign-out holds for all),
# written through to the database. `manage.py clearsessions` removes expired rows.
SESSION_ENGINE = "lms.sessions"
SESSION_CACHE_ALIAS = "shared"
# "shared": one cache every worker sees, for entries another worker must not serve stale (the
# page cache versions, lms/page_cache/): files on this host, Redis when REDIS_URL is set.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "lms.caches.VersionFileCache",
        # A private directory (it holds pickles): on tmpfs, e.g. /run/<service>/cache, a
        # version read or write costs ~0.03 ms instead of ~0.5 ms on disk.
        "LOCATION": os.environ.get("SHARED_CACHE_DIR") or str(BASE_DIR / ".cache" / "shared"),
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    # Small lookups each worker keeps under those versions (lms.page_cache.remembered): the
    # signed-in user, what they may see. Local even beside Redis: no round trip to read them.
    "memo": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "memo",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}

# --- Background tasks (docs/tasks.md) ----------------------------------------------------------
# Django's tasks API (the django-tasks backport). Ours (background.retry.retrying_task) go to
# "background": the database, no other service; a worker runs them: `manage.py run_worker`
# (`make run` starts one beside the web server). "default" keeps Wagtail's own tasks (search
# and reference index) running in the request as before: learners' access to documents
# follows the reference index, which must not lag behind a worker.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "background": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
# A worker touches its heartbeat this often; a task whose worker has not been seen for the
# stale limit is run again by another worker (background/worker.py).
TASKS_HEARTBEAT_SECONDS = float(os.environ.get("TASKS_HEARTBEAT_SECONDS", "10"))
TASKS_WORKER_STALE_SECONDS = float(os.environ.get("TASKS_WORKER_STALE_SECONDS", "60"))

# --- xAPI statements to a learning record store (docs/tasks.md) ------------------------------
# Off unless XAPI_LRS_ENDPOINT is set (e.g. https://lrs.example.gov/xAPI/): then every
# lesson, quiz and completion fact is written to the outbox and delivered by a task.
XAPI_LRS_ENDPOINT = os.environ.get("XAPI_LRS_ENDPOINT", "").strip()
XAPI_LRS_USERNAME = os.environ.get("XAPI_LRS_USERNAME", "")
XAPI_LRS_PASSWORD = os.environ.get("XAPI_LRS_PASSWORD", "")
XAPI_LRS_TIMEOUT = float(os.environ.get("XAPI_LRS_TIMEOUT", "10"))
# A delivery run holds the statements it took this long; a run cut short lets go after it.
XAPI_DELIVERY_LEASE_SECONDS = float(os.environ.get("XAPI_DELIVERY_LEASE_SECONDS", "300"))
