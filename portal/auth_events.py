"""Logins, logouts and failed logins go on the audit trail; a login starts the session clock.

Django announces these only through its auth signals, so the receivers live here and are connected in
PortalConfig.ready(); they only record, they decide nothing.
"""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from .audit import record
from .middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY, TWO_FACTOR_STEP_KEY, two_factor_step
from .web import client_ip


def _on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        # The absolute session limit counts from here (portal.middleware.SessionExpiryMiddleware).
        now = int(time.time())
        request.session[SESSION_STARTED_KEY] = request.session[SESSION_SEEN_KEY] = now
        request.session[TWO_FACTOR_STEP_KEY] = two_factor_step(user)
    record(actor=user, action="auth.login", ip_address=client_ip(request) if request else None)


def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(actor=user, action="auth.logout", ip_address=client_ip(request) if request else None)


def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    record(
        actor=None,
        action="auth.login_failed",
        detail={"username": username},
        ip_address=client_ip(request) if request else None,
    )


def connect() -> None:
    user_logged_in.connect(_on_login, dispatch_uid="portal.audit.login")
    user_logged_out.connect(_on_logout, dispatch_uid="portal.audit.logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="portal.audit.login_failed")
