"""`manage.py check --deploy` is clean under the production settings."""

import os
import subprocess
import sys

from django.conf import settings


def clean_environment() -> dict[str, str]:
    """The machine's environment without the portal's and Django's own variables set for the tests."""
    return {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PORTAL_"))}


def test_production_settings_pass_the_deploy_check():
    env = {
        **clean_environment(),
        "DJANGO_SETTINGS_MODULE": "portal.settings_production",
        "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-key-for-the-check-only",
        "DJANGO_ALLOWED_HOSTS": "portal.example.gov.cn",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {**clean_environment(), "DJANGO_SETTINGS_MODULE": "portal.settings_production"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
