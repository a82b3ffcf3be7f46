"""Settings shared by every environment; everything that varies comes from the environment.

Embedded defaults (no environment at all): SQLite in ``./data``, files on local disk under
``./data/media``, Celery over kombu's filesystem transport in ``./data/broker``. Set
``DATABASE_URL`` (``postgres://...`` or ``sqlite:///path``) to switch the database and
``REDIS_URL`` to switch the broker (and cache) to Redis.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_str(name: str, default: str) -> str:
    """An empty value counts as unset (docker-compose passes ``${X:-}`` through as "")."""
    return os.environ.get(name) or default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "data"))).resolve()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # WhiteNoise serves static files under runserver too, with the same cache headers.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "mptt",
    "django_celery_results",
    "contentcuration",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "contentcuration.middleware.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "contentcuration.urls"
WSGI_APPLICATION = "contentcuration.wsgi.application"
AUTH_USER_MODEL = "contentcuration.User"
# Refuses deleted users as well as inactive ones (sessions and password logins).
AUTHENTICATION_BACKENDS = ["contentcuration.accounts.authentication.UserBackend"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# --- Database -------------------------------------------------------------------------------

SQLITE_OPTIONS = {
    # A web process and a Celery worker write the same file: WAL lets readers proceed while
    # one writer writes, IMMEDIATE takes the write lock at BEGIN (so two writers queue instead
    # of deadlocking on lock upgrade), and the timeout makes the second writer wait.
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;"
    ),
}


def database_from_env() -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "db.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = dict(SQLITE_OPTIONS)
        config["CONN_MAX_AGE"] = 0
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_HEALTH_CHECKS"] = True
    else:
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL or SQLite")
    return config


DATABASES = {"default": database_from_env()}
DATABASES["default"].setdefault("TEST", {})


# --- Broker, results and cache ----------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
BROKER_DIR = DATA_DIR / "broker"

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    # kombu's filesystem transport: a broker that is just two folders, no server.
    CELERY_BROKER_URL = "filesystem://"
    # kombu's filesystem transport, writing each message whole (contentcuration/broker.py).
    CELERY_BROKER_TRANSPORT = "contentcuration.broker:Transport"
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Broadcasts (revoke, ping) would otherwise land in ./control of the working directory.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # How often an idle worker looks for new messages (kombu's default, 1 s, delays
        # every job's start by up to a second; a directory listing costs microseconds).
        "polling_interval": 0.1,
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        }
    }

CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# How often each worker sends jobs the broker did not take and recovers jobs whose worker
# died (jobs.sweep_jobs; also at worker start-up). 0 = only at start-up.
JOB_SWEEP_SECONDS = int(os.environ.get("JOB_SWEEP_SECONDS", "30"))


# --- Files ----------------------------------------------------------------------------------

MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media"))).resolve()
MEDIA_URL = env_str("MEDIA_URL", "/content/")
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static"))).resolve()

# The browser app's build (frontend/, `npm run build`): its hashed files are static files
# under /static/app/, and contentcuration/webapp/ serves its index.html as the HTML shell.
FRONTEND_DIST = Path(os.environ.get("FRONTEND_DIST", BASE_DIR / "frontend" / "dist")).resolve()
STATICFILES_DIRS = [("app", str(FRONTEND_DIST))] if FRONTEND_DIST.is_dir() else []
APP_ASSETS_URL = STATIC_URL + "app/assets/"


def immutable_file(path: str, url: str) -> bool:
    """Vite names every file under assets/ by its content hash: cache them as immutable."""
    return url.startswith(APP_ASSETS_URL)


WHITENOISE_IMMUTABLE_FILE_TEST = immutable_file

AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    # S3-compatible object storage (MinIO, Ceph, AWS); credentials come from the usual
    # AWS_* variables that boto3 reads itself.
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": AWS_STORAGE_BUCKET_NAME,
                "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
                "file_overwrite": False,
                "default_acl": None,
            },
        },
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }
else:
    STORAGES = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
        },
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }


# --- Product defaults -----------------------------------------------------------------------

# Bytes a new user may store; 0 means unlimited (sensible for a self-hosted server).
DEFAULT_USER_DISK_SPACE = env_int("DEFAULT_USER_DISK_SPACE", 500 * 1024 * 1024)
# Accounts are usable without an activation email unless the operator turns this on.
REQUIRE_EMAIL_ACTIVATION = env_bool("REQUIRE_EMAIL_ACTIVATION", False)

# ``manage.py setup`` creates this admin only when both are set (settings.dev sets a@a.com / a
# for local development); otherwise it creates none and prints how to make one.
SETUP_ADMIN_EMAIL = env_str("SETUP_ADMIN_EMAIL", "")
SETUP_ADMIN_PASSWORD = env_str("SETUP_ADMIN_PASSWORD", "")
# ``manage.py setup`` creates the demo channel only when asked (settings.dev asks).
SETUP_DEMO_CHANNEL = env_bool("SETUP_DEMO_CHANNEL", False)

# E-mail (activation, password reset, invitations): printed to the console unless an SMTP
# server is configured; setting EMAIL_HOST switches the default backend to SMTP.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")


# --- REST framework -------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "contentcuration.accounts.authentication.UserTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Size, depth and NUL checks on every JSON body (contentcuration/limits.py).
    "DEFAULT_PARSER_CLASSES": [
        "contentcuration.viewsets.parsers.CheckedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Domain errors (contentcuration/errors.py) become 4xx answers in this one place.
    "EXCEPTION_HANDLER": "contentcuration.viewsets.rest_errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Content curation server API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "DESCRIPTION": (
        "Reads are REST (`GET /api/<table>`); writes go through `POST /api/sync/` as batches of changes "
        "(the `Change` schema: one per table and change type). A guide with runnable examples: docs/api.md."
    ),
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "contentcuration.viewsets.openapi.add_error_schemas",
        "contentcuration.viewsets.sync.schemas.add_change_schemas",
    ],
}


# --- Security -------------------------------------------------------------------------------

SESSION_COOKIE_NAME = "kolibri_studio_sessionid"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_NAME = "csrftoken"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# The largest request body outside the file upload endpoints (which stream to disk and are
# exempt: middleware.accepts_large_body; multipart file parts are never counted). JSON bodies
# are checked by the middleware (Content-Length) and by viewsets.parsers (the bytes read).
# A 1,000-node sync create or chef add_nodes chunk is well under 1 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)

# Rate limits on the account endpoints (accounts/throttling.py), "N/s|m|h|d" in fixed windows;
# empty turns one off. Counted in the cache, so with REDIS_URL every process shares them.
AUTH_THROTTLE_RATES = {
    # failed sign-ins per account: then even the right password waits for the window to end
    "login_account": os.environ.get("THROTTLE_LOGIN_ACCOUNT", "10/h"),
    # failed sign-ins per client address (guessing across many accounts)
    "login_ip": os.environ.get("THROTTLE_LOGIN_IP", "100/h"),
    "register": os.environ.get("THROTTLE_REGISTER", "20/h"),  # registrations per address
    # reset and activation-link requests, per address and per email
    "password_reset": os.environ.get("THROTTLE_PASSWORD_RESET", "10/h"),
    "token": os.environ.get("THROTTLE_TOKEN", "60/m"),  # API token endpoints, per user
}
# Trusted reverse proxies in front of the server: the client address is then taken from
# X-Forwarded-For (0: REMOTE_ADDR, which behind a proxy is the proxy for everyone).
NUM_PROXIES = env_int("NUM_PROXIES", 0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Test-only fault injection (contentcuration/faults.py): a directory of armed faults. Never
# read from the environment: only settings/test.py and settings/e2e.py set it.
FAULT_INJECTION_DIR: Path | None = None

# Swagger UI assets served from the installed drf-spectacular-sidecar package (no CDN).
INSTALLED_APPS += ["drf_spectacular_sidecar"]
SPECTACULAR_SETTINGS.update(SWAGGER_UI_DIST="SIDECAR", SWAGGER_UI_FAVICON_HREF="SIDECAR", REDOC_DIST="SIDECAR")

# benchmarks/read.py: PostgreSQL's JIT spent ~570 ms compiling the 1,000-row node list query
# (its per-row subqueries give it a high planner cost) that executes in a few ms without JIT.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
