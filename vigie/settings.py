"""Vigie settings: one file, every deployment-specific value read from the environment.

The variables are documented in README.md ("Configuration"). Nothing secret lives here:
without VIGIE_SECRET_KEY a random key is generated once under var/ for local use.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import django_stubs_ext
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

# Lets admin classes and querysets be subscripted at run time (ModelAdmin[Model]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VIGIE_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict[str, object]:
    """postgres://user:password@host:port/name?options -> Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ValueError("DATABASE_URL must be a postgres:// URL")
    query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    host = unquote(parsed.hostname or "") or query.pop("host", "")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": env_int("VIGIE_DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        # A database that does not answer fails fast: the page says 503, the worker waits.
        # Prepared statements: only vigie.core.sql.planned_cursor's (Django's own cursors
        # bind on the client and are never prepared); None turns them off in psycopg.
        # JIT off: its compilation (100-150 ms at a million cases) costs the statistics and
        # regional pages more than it saves; no statement of the app runs long enough to
        # repay it. ``?options=...`` in DATABASE_URL replaces this (PgBouncer: see README).
        "OPTIONS": {
            "connect_timeout": env_int("VIGIE_DB_CONNECT_TIMEOUT", 5),
            "prepare_threshold": 5,
            "options": "-c jit=off",
            **query,
        },
    }


def _local_secret_key() -> str:
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("VIGIE_DEBUG", False)
SECRET_KEY = env("VIGIE_SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = env_list("VIGIE_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("VIGIE_CSRF_TRUSTED_ORIGINS")
SITE_URL = env("VIGIE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

if not env("DATABASE_URL"):
    raise RuntimeError(
        "DATABASE_URL is not set. Use `make run` / `make test`, which start a private "
        "PostgreSQL cluster, or point DATABASE_URL at a PostgreSQL 15+ database."
    )
DATABASES = {"default": database_from_url(env("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "dsfr",
    "widget_tweaks",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from our static files
    "procrastinate.contrib.django",
    "pgtrigger",
    "pghistory",
    "vigie.core",
    "vigie.directory",
    "vigie.notifications",
    "vigie.declarations",
    "vigie.oncall",
    "vigie.cases",
    "vigie.actionplan",
    "vigie.retex",
    "vigie.portal",
    "vigie.community",
    "vigie.alerts",
    "vigie.insights",
    "vigie.inbox",  # the functional mailboxes read over IMAP
    "vigie.api",
    "vigie.ops",  # probes, metrics, backups
    "vigie.home",  # last: the loaders that need every app
]

MIDDLEWARE = [
    # The request id and one log line per request (vigie/core/logs.py).
    "vigie.core.logs.RequestLogMiddleware",
    # /healthz, /readyz and /metrics, answered before host checks, HTTPS redirect and
    # sessions; the latency of every other request.
    "vigie.ops.middleware.OpsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "vigie.core.nocache.NoStoreForUsersMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "vigie.core.middleware.RequireMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
]

ROOT_URLCONF = "vigie.urls"
WSGI_APPLICATION = "vigie.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "vigie" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vigie.core.context_processors.navigation",
            ],
        },
    },
]
# django-dsfr's forms otherwise build a new renderer, hence a new template engine with
# an empty cache, for every form: each widget template was read from disk on each page.
FORM_RENDERER = "dsfr.forms.DsfrDjangoTemplates"

AUTH_USER_MODEL = "directory.User"
# Django's and allauth's, reading the signed-in user with their scope in one statement.
AUTHENTICATION_BACKENDS = [
    "vigie.core.backends.ModelBackend",
    "vigie.core.backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: e-mail login, no self sign-up (accounts are opened by the operator or
# by a structure's director), MFA by TOTP with recovery codes.
ACCOUNT_ADAPTER = "vigie.directory.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# An address counts only once verified: an added one waits, unverified, until the link
# e-mailed to it is followed, and never becomes the main (sign-in) address before that
# (vigie/core/identity_views.py: allauth lets an account without any verified address
# promote an unverified one). Designations match verified addresses only
# (vigie/directory/services.py). Not ACCOUNT_CHANGE_EMAIL: it replaces the current
# address, and accounts opened by the operator have an unverified one (it would be lost).
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Vigie] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_RATE_LIMITS = {
    # Failed logins are limited per IP address and per account (e-mail).
    "login_failed": env("VIGIE_LOGIN_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "login": "30/m/ip",
    "reset_password": "5/m/ip,3/m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_ADAPTER = "vigie.directory.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Vigie"
MFA_TOTP_TOLERANCE = 1  # one 30-second step either way: phone clocks drift
MFA_RECOVERY_CODE_COUNT = 10
MFA_PASSKEY_LOGIN_ENABLED = False

# Sessions and cookies: secure by default; VIGIE_SECURE_COOKIES=0 only behind plain HTTP
# on a host that is not localhost.
SECURE_COOKIES = env_bool("VIGIE_SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("VIGIE_SESSION_AGE", 8 * 3600)
SESSION_COOKIE_NAME = "vigie_session"
# Database sessions, loaded with one fixed statement (vigie/core/sessions.py).
SESSION_ENGINE = "vigie.core.sessions"
CSRF_COOKIE_NAME = "vigie_csrftoken"
SECURE_SSL_REDIRECT = env_bool("VIGIE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("VIGIE_HSTS_SECONDS", 0)
# The scheme is the WSGI server's: gunicorn takes X-Forwarded-Proto from the reverse proxy's
# addresses only (VIGIE_FORWARDED_ALLOW_IPS, deploy/gunicorn.conf.py). Django reading the
# header itself (SECURE_PROXY_SSL_HEADER) would take it from whoever reaches a node.
SECURE_PROXY_SSL_HEADER = None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

CACHES = {
    # A database cache keeps login rate limits shared between server processes.
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "vigie_cache",
    }
}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "vigie" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("VIGIE_STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "vigie.core.staticfiles.StaticFilesStorage"  # whitenoise's, memoised
        ),
        # Public files read by the web nodes' user, not FILE_UPLOAD_PERMISSIONS (0600): the
        # image collects them as root and runs as uid 10001 (deploy/Containerfile).
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}
# Uploaded files (attachments, evidence) live outside the web root and are only served
# through views that check visibility.
MEDIA_ROOT = Path(env("VIGIE_MEDIA_ROOT", str(VAR_DIR / "media")))
# Several nodes: uploads in a private S3-compatible bucket (vigie/core/storage.py). Without
# VIGIE_S3_ACCESS_KEY_ID boto3 finds credentials itself (AWS_* variables, instance role).
# Downloads are streamed by the scoped views, or with VIGIE_S3_SIGNED_URLS redirected, after
# the scope check, to a URL signed for VIGIE_S3_SIGNED_URL_SECONDS.
VIGIE_S3_BUCKET = env("VIGIE_S3_BUCKET")
VIGIE_S3_SIGNED_URLS = env_bool("VIGIE_S3_SIGNED_URLS", False)
VIGIE_S3_SIGNED_URL_SECONDS = env_int("VIGIE_S3_SIGNED_URL_SECONDS", 60)
if VIGIE_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "vigie.core.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": VIGIE_S3_BUCKET,
            "endpoint_url": env("VIGIE_S3_ENDPOINT_URL") or None,
            "region_name": env("VIGIE_S3_REGION") or None,
            "access_key": env("VIGIE_S3_ACCESS_KEY_ID") or None,
            "secret_key": env("VIGIE_S3_SECRET_ACCESS_KEY") or None,
            "location": env("VIGIE_S3_PREFIX").strip("/"),
            "addressing_style": env("VIGIE_S3_ADDRESSING_STYLE") or None,  # path or virtual
            "verify": env("VIGIE_S3_CA_BUNDLE") or None,
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": VIGIE_S3_SIGNED_URL_SECONDS,
            "file_overwrite": False,
            # A download larger than this spills from memory to a temporary file.
            "max_memory_size": 2 * 1024 * 1024,
        },
    }
FILE_UPLOAD_PERMISSIONS = 0o600
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# E-mail: SMTP when VIGIE_EMAIL_HOST is set, otherwise messages are written under var/mail
# so a local demo never loses one.
EMAIL_HOST = env("VIGIE_EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("VIGIE_EMAIL_PORT", 25)
    EMAIL_HOST_USER = env("VIGIE_EMAIL_USER")
    EMAIL_HOST_PASSWORD = env("VIGIE_EMAIL_PASSWORD")
    EMAIL_USE_TLS = env_bool("VIGIE_EMAIL_USE_TLS", False)
    EMAIL_TIMEOUT = env_int("VIGIE_EMAIL_TIMEOUT", 10)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env("VIGIE_FROM_EMAIL", "Vigie <ne-pas-repondre@vigie.sante.gouv.fr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background jobs (Procrastinate, `manage.py worker`). Each worker writes a heartbeat every
# VIGIE_WORKER_HEARTBEAT_SECONDS; one silent for VIGIE_STALLED_JOB_SECONDS is dead: its
# running jobs are retried (core.retry_stalled_jobs) and its row pruned. That check and the
# e-mail outbox sweep (rows still pending after VIGIE_EMAIL_SWEEP_SECONDS) run every
# VIGIE_HOUSEKEEPING_SECONDS.
VIGIE_WORKER_HEARTBEAT_SECONDS = env_int("VIGIE_WORKER_HEARTBEAT_SECONDS", 10)
VIGIE_STALLED_JOB_SECONDS = env_int("VIGIE_STALLED_JOB_SECONDS", 60)
VIGIE_HOUSEKEEPING_SECONDS = env_int("VIGIE_HOUSEKEEPING_SECONDS", 60)
VIGIE_EMAIL_SWEEP_SECONDS = env_int("VIGIE_EMAIL_SWEEP_SECONDS", 600)
if VIGIE_STALLED_JOB_SECONDS < 3 * VIGIE_WORKER_HEARTBEAT_SECONDS:
    raise RuntimeError("VIGIE_STALLED_JOB_SECONDS must be at least 3 heartbeats")
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": float(VIGIE_WORKER_HEARTBEAT_SECONDS),
    "stalled_worker_timeout": float(VIGIE_STALLED_JOB_SECONDS),
}

# /readyz: a worker heartbeat at most this old, no e-mail pending longer than this, and
# the result reused this long by the process (a flood of probes costs one round of checks).
VIGIE_READY_WORKER_SECONDS = env_int("VIGIE_READY_WORKER_SECONDS", 60)
VIGIE_READY_OUTBOX_SECONDS = env_int("VIGIE_READY_OUTBOX_SECONDS", 1800)
VIGIE_READY_CACHE_SECONDS = env_int("VIGIE_READY_CACHE_SECONDS", 2)

# Prometheus metrics at /metrics, for `Authorization: Bearer <token>` only; without a
# token the endpoint does not exist (404). The business gauges are read at most once per
# VIGIE_METRICS_CACHE_SECONDS by each process.
VIGIE_METRICS_TOKEN = env("VIGIE_METRICS_TOKEN")
if VIGIE_METRICS_TOKEN and len(VIGIE_METRICS_TOKEN) < 32:
    raise RuntimeError("VIGIE_METRICS_TOKEN must be at least 32 random characters")
VIGIE_METRICS_CACHE_SECONDS = env_int("VIGIE_METRICS_CACHE_SECONDS", 10)

# Delay before the first retry of an e-mail the SMTP server refused (doubles each time).
VIGIE_EMAIL_RETRY_SECONDS = env_int("VIGIE_EMAIL_RETRY_SECONDS", 60)

# Attachments of a declaration: per-file size, count and total size.
VIGIE_ATTACHMENT_MAX_BYTES = env_int("VIGIE_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
VIGIE_ATTACHMENT_MAX_COUNT = env_int("VIGIE_ATTACHMENT_MAX_COUNT", 20)
VIGIE_ATTACHMENT_MAX_TOTAL_BYTES = env_int("VIGIE_ATTACHMENT_MAX_TOTAL_BYTES", 100 * 1024 * 1024)

# Functional mailboxes of the national actors (configurable per deployment).
VIGIE_MAILBOXES = {
    "acss": env("VIGIE_MAILBOX_ACSS", "cyberveille@sante.gouv.fr"),
    "fssi": env("VIGIE_MAILBOX_FSSI", "ssi@sg.social.gouv.fr"),
    "dgs": env("VIGIE_MAILBOX_DGS", "alerte@sante.gouv.fr"),
    "ansm": env("VIGIE_MAILBOX_ANSM", "materiovigilance@ansm.sante.fr"),
    "anssi": env("VIGIE_MAILBOX_ANSSI", "cert-fr@ssi.gouv.fr"),
    "defence": env("VIGIE_MAILBOX_DEFENCE", "cyber@intradef.gouv.fr"),
}
# ARS SSI mailboxes follow this pattern unless a region overrides it in the reference data.
VIGIE_ARS_MAILBOX_PATTERN = env("VIGIE_ARS_MAILBOX_PATTERN", "ssi-{slug}@ars.sante.fr")


# The functional mailboxes Vigie reads (vigie/inbox): the worker fetches each configured
# box over IMAP every minute. Per box (FSSI, ACSS): VIGIE_INBOX_<BOX>_HOST (unset: the box is
# not read), _PORT (993 with TLS, 143 otherwise), _TLS (ssl, starttls or none), _USER,
# _PASSWORD, _FOLDER (INBOX), _PROCESSED_FOLDER (processed messages are moved there; unset,
# they stay and get the $VigieImported keyword) and _CA_FILE (a private certificate authority).
def _inbox(box: str) -> dict[str, object] | None:
    prefix = f"VIGIE_INBOX_{box.upper()}_"
    host = env(prefix + "HOST")
    if not host:
        return None
    tls = env(prefix + "TLS", "ssl").strip().lower()
    if tls not in {"ssl", "starttls", "none"}:
        raise RuntimeError(f"{prefix}TLS must be ssl, starttls or none")
    return {
        "host": host,
        "port": env_int(prefix + "PORT", 993 if tls == "ssl" else 143),
        "tls": tls,
        "user": env(prefix + "USER"),
        "password": env(prefix + "PASSWORD"),
        "folder": env(prefix + "FOLDER", "INBOX"),
        "processed_folder": env(prefix + "PROCESSED_FOLDER"),
        "ca_file": env(prefix + "CA_FILE"),
    }


VIGIE_INBOXES = {box: conf for box in ("fssi", "acss") if (conf := _inbox(box)) is not None}
# Messages fetched per box and run, the largest message stored whole (a larger one is
# recorded from its headers and left on the server), the IMAP time-out in seconds.
VIGIE_INBOX_BATCH = env_int("VIGIE_INBOX_BATCH", 200)
VIGIE_INBOX_MAX_MESSAGE_BYTES = env_int("VIGIE_INBOX_MAX_MESSAGE_BYTES", 50 * 1024 * 1024)
VIGIE_INBOX_TIMEOUT = env_int("VIGIE_INBOX_TIMEOUT", 30)
# Where replies to Vigie's e-mails go (Reply-To): the cell's mailbox read above, so that a
# reply carrying a case reference comes back to its case. Unset: no Reply-To header.
VIGIE_REPLY_TO = env("VIGIE_REPLY_TO")

# Weak-signal correlation: cases of one region within the window (days), from this many.
VIGIE_CLUSTER_WINDOW_DAYS = env_int("VIGIE_CLUSTER_WINDOW_DAYS", 14)
VIGIE_CLUSTER_MIN_CASES = env_int("VIGIE_CLUSTER_MIN_CASES", 3)
# Cases of one incident type in one département (or region) that are a weak signal alone.
VIGIE_CLUSTER_TYPE_MIN_CASES = env_int("VIGIE_CLUSTER_TYPE_MIN_CASES", 3)
# Regulatory clock: reminder this many hours before each notification deadline (once).
VIGIE_OBLIGATION_REMINDER_HOURS = env_int("VIGIE_OBLIGATION_REMINDER_HOURS", 6)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so a request without credentials gets 401 with WWW-Authenticate: Bearer.
        "vigie.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "vigie.api.exceptions.api_exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "vigie.api.throttling.AnonThrottle",
        "vigie.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("VIGIE_API_ANON_RATE", "30/min"),
        "user": env("VIGIE_API_USER_RATE", "600/min"),
        # Declarations filed through the API, per account (a runaway client cannot flood).
        "declarations": env("VIGIE_API_SUBMIT_RATE", "120/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vigie API",
    "DESCRIPTION": "Declaration and handling of health-sector SSI incidents.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # One name for the yes/no/unknown choices shared by several fields.
    "ENUM_NAME_OVERRIDES": {"TriStateEnum": "vigie.declarations.models.TriState"},
    # The documentation's scripts and styles from our own static files: the CSP allows
    # no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Whitenoise rewrites url() in CSS when hashing names, so DSFR's SRI digests would not match.
DSFR_USE_INTEGRITY_CHECKSUMS = False

# Logs: one line per request (vigie.request) and per background job (vigie.jobs), with
# the request id; VIGIE_LOG_FORMAT=json in production (one JSON object per line), text by
# default. Nothing personal is logged (vigie/core/logs.py).
LOG_FORMAT = env("VIGIE_LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise RuntimeError("VIGIE_LOG_FORMAT must be text or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "vigie.core.logs.RequestIdFilter"}},
    "formatters": {
        "text": {
            "()": "vigie.core.logs.TextFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "vigie.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("VIGIE_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "procrastinate": {"level": "WARNING"},
        # Its "Not Found: <raw path>" repeats the request line with the raw path (which
        # may hold a key); server errors are still logged, with their traceback.
        "django.request": {"level": "ERROR"},
    },
}
# The request id follows the jobs a request defers; one log line per job.
PROCRASTINATE_ON_APP_READY = "vigie.core.jobs.on_app_ready"
