"""Settings for the Joint Enforcement Portal.

Everything that differs between the quick start and production comes from environment variables
(django-environ). The defaults give the quick start: SQLite under var/, an embedded file-system broker,
mail written as .eml files under var/mail/.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# A development key only when DEBUG is on; production must provide DJANGO_SECRET_KEY.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "guardian",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "portal",
    "cases",
    "collaboration",
    "interop",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.SessionExpiryMiddleware",
    "portal.middleware.TwoFactorMiddleware",
    "portal.middleware.UserLanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The quick start runs web, worker and beat on one SQLite file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out username/address pairs
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cases:list"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portal.passwords.CharacterClassValidator"},
]

# --- Language and time -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static and uploaded files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages come from the npm registry (package.json); we serve them ourselves.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
]
# Sealed documents: the local file system by default; S3-compatible object storage (django-storages)
# when PORTAL_S3_BUCKET is set. Blobs are named by their SHA-256 and never overwritten.
PORTAL_S3_BUCKET = env("PORTAL_S3_BUCKET", default="")
DOCUMENT_STORAGE = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PORTAL_S3_BUCKET,
            "endpoint_url": env("PORTAL_S3_ENDPOINT_URL", default=None),
            "region_name": env("PORTAL_S3_REGION", default=None),
            "access_key": env("PORTAL_S3_ACCESS_KEY_ID", default=None),
            "secret_key": env("PORTAL_S3_SECRET_ACCESS_KEY", default=None),
            "addressing_style": env("PORTAL_S3_ADDRESSING_STYLE", default=None),
            "location": env("PORTAL_S3_PREFIX", default=""),
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
    if PORTAL_S3_BUCKET
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.path("PORTAL_MEDIA_ROOT", default=VAR_DIR / "media")},
    }
)
STORAGES = {
    "default": DOCUMENT_STORAGE,
    "staticfiles": {
        "BACKEND": env(
            "PORTAL_STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        ),
    },
}
# Uploads larger than this are refused with a message as soon as they pass it; the temporary file is
# removed. The files of one request together may not pass the second limit (the upload page sends each
# file in its own request; a plain form sends them together).
PORTAL_MAX_UPLOAD_BYTES = env.int("PORTAL_MAX_UPLOAD_BYTES", default=2 * 1024**3)
PORTAL_MAX_UPLOAD_REQUEST_BYTES = env.int(
    "PORTAL_MAX_UPLOAD_REQUEST_BYTES", default=2 * PORTAL_MAX_UPLOAD_BYTES
)
# The integrity sweep (cases.tasks.sweep_document_integrity): documents and bytes re-hashed per run, and
# how long a check stays fresh before the document is due again.
PORTAL_INTEGRITY_BATCH = env.int("PORTAL_INTEGRITY_BATCH", default=500)
PORTAL_INTEGRITY_MAX_BYTES = env.int("PORTAL_INTEGRITY_MAX_BYTES", default=4 * 1024**3)
PORTAL_INTEGRITY_RECHECK_DAYS = env.int("PORTAL_INTEGRITY_RECHECK_DAYS", default=7)
FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload goes through the hashing temporary-file handler
FILE_UPLOAD_HANDLERS = ["portal.uploads.HashingUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env("PORTAL_UPLOAD_TEMP_DIR", default=None)

# --- Mail --------------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="portal.mail.EmlFileBackend")
EMAIL_FILE_PATH = env.path("PORTAL_MAIL_DIR", default=VAR_DIR / "mail")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="协作执法平台 <noreply@portal.local>")

# --- Celery ------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost//"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {}
    if REDIS_URL
    else {
        # Embedded broker for the quick start: messages are files, no server needed.
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        # Exchange bindings; kombu's default is a folder named "control" in the current directory.
        "control_folder": str(BROKER_DIR / "control"),
    }
)
if not REDIS_URL:
    # kombu does not create the folders of the file-system broker; every process needs them at once.
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "deadline-sweep": {
        "task": "collaboration.tasks.sweep_deadlines",
        "schedule": crontab(minute="*/10"),
    },
    "audit-chain": {"task": "portal.tasks.chain_audit_trail", "schedule": crontab(minute="*")},
    "audit-verify": {"task": "portal.tasks.verify_audit_trail", "schedule": crontab(minute=17)},
    "idempotency-keys-purge": {"task": "portal.tasks.purge_idempotency_keys", "schedule": crontab(minute=43)},
    "document-integrity": {"task": "cases.tasks.sweep_document_integrity", "schedule": crontab(minute="*/5")},
    # The email outbox: queue again what the broker lost, what backed off and what a dead worker held.
    "mail-outbox": {"task": "portal.tasks.redeliver_notification_emails", "schedule": crontab(minute="*")},
    # Provisional due dates counted again once their year is entered in the calendar.
    "calendar-recount": {
        "task": "collaboration.tasks.recount_provisional_due_dates",
        "schedule": crontab(minute=41),
    },
}

# --- Cache: Redis when REDIS_URL is set (shared by every process: API rate limits, debounces) ----
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Portal rules ------------------------------------------------------------------------------
# Working days the requested bureau has by default (penalty procedure rules: 15 working days).
PORTAL_DEFAULT_TIME_LIMIT_DAYS = env.int("PORTAL_DEFAULT_TIME_LIMIT_DAYS", default=15)
# Working days before the due date on which a reminder is sent.
PORTAL_REMINDER_DAYS = env.list("PORTAL_REMINDER_DAYS", cast=int, default=[3, 1])
# The daily digest, on working days at this time (Asia/Shanghai): what waits for each person and what is
# due within PORTAL_DIGEST_DUE_DAYS working days.
PORTAL_DIGEST_TIME = env("PORTAL_DIGEST_TIME", default="08:30")
PORTAL_DIGEST_DUE_DAYS = env.int("PORTAL_DIGEST_DUE_DAYS", default=3)
_digest_hour, _digest_minute = (int(part) for part in PORTAL_DIGEST_TIME.split(":"))
CELERY_BEAT_SCHEDULE["daily-digest"] = {
    "task": "portal.tasks.send_daily_digests",
    "schedule": crontab(hour=_digest_hour, minute=_digest_minute),
}
# Email outbox (portal/outbox.py): attempts before an email is marked failed, the first back-off
# (doubled after each failure, at most an hour), how long a worker's claim on an email lasts (well
# above EMAIL_TIMEOUT), and after how long a queued but unsent email is queued again.
PORTAL_MAIL_MAX_ATTEMPTS = env.int("PORTAL_MAIL_MAX_ATTEMPTS", default=8)
PORTAL_MAIL_RETRY_SECONDS = env.int("PORTAL_MAIL_RETRY_SECONDS", default=30)
PORTAL_MAIL_CLAIM_SECONDS = env.int("PORTAL_MAIL_CLAIM_SECONDS", default=600)
PORTAL_MAIL_REDISPATCH_SECONDS = env.int("PORTAL_MAIL_REDISPATCH_SECONDS", default=600)
# The right-hand side of the emails' Message-IDs; by default the host of PORTAL_BASE_URL.
PORTAL_MAIL_ID_DOMAIN = env("PORTAL_MAIL_ID_DOMAIN", default="")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- REST API (/api/v1/) -----------------------------------------------------------------------
# Systems and scripts send `Authorization: Bearer <token>`; the browser uses its session (with CSRF).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "portal.api.permissions.TokenScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["portal.api.throttling.ApiClientRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PortalPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Calls per minute (or /hour, /day) per API client or token; per user for the browser.
PORTAL_API_RATE = env("PORTAL_API_RATE", default="600/min")
# How long a POST's Idempotency-Key is remembered.
PORTAL_IDEMPOTENCY_KEY_HOURS = env.int("PORTAL_IDEMPOTENCY_KEY_HOURS", default=48)
# Webhook deliveries: seconds to connect and to wait for the answer.
PORTAL_WEBHOOK_TIMEOUT_SECONDS = (5, env.int("PORTAL_WEBHOOK_TIMEOUT_SECONDS", default=10))
SPECTACULAR_SETTINGS = {
    "TITLE": "Joint Enforcement Portal API",
    "DESCRIPTION": (
        "The REST API of the Joint Enforcement Portal for the bureaus' own systems. Authenticate with "
        "`Authorization: Bearer <token>` (an API client registered by a bureau administrator, or a personal "
        "token). Every endpoint applies the same access policy as the pages: an object the caller may not "
        "see answers 404, a forbidden action 403, a workflow step refused in the current state 409. "
        "POSTs that create or move something accept an `Idempotency-Key` header."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to the public validator service: the network is closed.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.JointCase.Status",
        "RequestStatusEnum": "collaboration.models.AssistanceRequest.Status",
    },
}

GUARDIAN_RAISE_403 = False
GUARDIAN_MONKEY_PATCH_USER = False
ANONYMOUS_USER_NAME = None

# --- Security ----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# A session ends after this long without a request, and in any case this long after the login.
PORTAL_SESSION_IDLE_SECONDS = env.int("PORTAL_SESSION_IDLE_SECONDS", default=30 * 60)
PORTAL_SESSION_ABSOLUTE_SECONDS = env.int("PORTAL_SESSION_ABSOLUTE_SECONDS", default=10 * 3600)
SESSION_COOKIE_AGE = PORTAL_SESSION_ABSOLUTE_SECONDS

# Client address: REMOTE_ADDR, unless the request comes from a configured reverse proxy, in which case
# the proxy's header (e.g. HTTP_X_REAL_IP) is trusted. Used by the audit trail and the login lockout.
PORTAL_TRUSTED_PROXIES = env.list("PORTAL_TRUSTED_PROXIES", default=[])
PORTAL_CLIENT_IP_HEADER = env("PORTAL_CLIENT_IP_HEADER", default="HTTP_X_REAL_IP")

# Login lockout (django-axes): keyed on the pair (user name, address), so nobody can lock out a user
# from everywhere, nor everyone behind one address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "portal.web.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Two-factor login (django-otp TOTP): required for these roles, available to everyone.
PORTAL_2FA_REQUIRED_ROLES = env.list("PORTAL_2FA_REQUIRED_ROLES", default=["leader", "bureau_admin"])
OTP_TOTP_ISSUER = "Joint Enforcement Portal"

# Content-Security-Policy: nothing from outside, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Axes logs every login at INFO; lockouts (WARNING) are what operators need to see.
    "loggers": {"axes": {"level": "WARNING"}},
}

PORTAL_SITE_NAME = _("Joint Enforcement Portal")
# Only bench/pages.sh turns this on: it routes the bare comparison view of portal/bench_views.py.
PORTAL_BENCHMARK_VIEWS = env.bool("PORTAL_BENCHMARK_VIEWS", default=False)
