"""For bench/pages.sh: pick a typical officer and leader of the largest bureau, make them logged-in,
two-factor-verified sessions, and print what the benchmark needs as KEY=VALUE lines (shell-friendly)."""

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management.base import BaseCommand
from django.db.models import Count
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.permissions import visible_cases
from collaboration.permissions import visible_requests
from portal.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY, TWO_FACTOR_STEP_KEY
from portal.models import Bureau, User


def session_for(user: User) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    now = int(time.time())
    store[SESSION_STARTED_KEY] = store[SESSION_SEEN_KEY] = now
    store[TWO_FACTOR_STEP_KEY] = None
    if user.role in settings.PORTAL_2FA_REQUIRED_ROLES:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="benchmark", confirmed=True
        )
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    return store.session_key


class Command(BaseCommand):
    help = "Sessions and object ids for the page benchmark (bench/pages.sh)."

    def handle(self, *args, **options):
        bureau = Bureau.objects.annotate(n=Count("led_cases")).order_by("-n").first()
        officer = (
            User.objects.filter(bureau=bureau, role=User.Role.OFFICER, is_active=True)
            .annotate(n=Count("case_memberships"))
            .order_by("-n")
            .first()
        )
        leader = (
            User.objects.filter(bureau=bureau, role=User.Role.LEADER, is_active=True)
            .annotate(n=Count("team__case_participations"))
            .order_by("-n")
            .first()
        )
        case = visible_cases(officer).order_by("-updated_at").first()
        request = visible_requests(officer).filter(case=case).first() or visible_requests(officer).first()
        values = {
            "BUREAU": bureau.code,
            "OFFICER": officer.username,
            "OFFICER_CASES": visible_cases(officer).count(),
            "OFFICER_SESSION": session_for(officer),
            "LEADER": leader.username,
            "LEADER_CASES": visible_cases(leader).count(),
            "LEADER_SESSION": session_for(leader),
            "CASE_ID": case.pk,
            "REQUEST_ID": request.pk,
        }
        for key, value in values.items():
            self.stdout.write(f"{key}={value}")
