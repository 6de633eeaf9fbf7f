"""Test settings: the same settings, with tasks run eagerly and mail kept in memory by default.

Tests that need the real services (PostgreSQL, Redis, a Celery worker, an SMTP server) start or reach
them explicitly; DATABASE_URL and REDIS_URL come from the environment as in production.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("PORTAL_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")

from .settings import *  # noqa: E402,F403
from .settings import DATABASES, VAR_DIR  # noqa: E402

SECURE_SSL_REDIRECT = False
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic before tests
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_TEST_ROOT = VAR_DIR / "test-media"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_TEST_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PORTAL_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a worker process started by a test sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(DATABASES["default"]["NAME"]) + "-test"}
