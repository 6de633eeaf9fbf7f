"""`manage.py check --deploy` is clean under the production settings."""

import os
import subprocess
import sys

from django.conf import settings


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_production",
        "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-key-for-the-check-only",
        "DJANGO_ALLOWED_HOSTS": "portal.example.gov.cn",
    }
    env.pop("DJANGO_DEBUG", None)
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
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_production"}
    env.pop("DJANGO_SECRET_KEY", None)
    env.pop("DJANGO_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
