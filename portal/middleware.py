import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _

SESSION_STARTED_KEY = "portal_auth_at"
SESSION_SEEN_KEY = "portal_seen_at"
TWO_FACTOR_STEP_KEY = "portal_2fa_step"


class UserLanguageMiddleware:
    """The interface language follows the signed-in user's preference (zh-hans by default)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class SessionExpiryMiddleware:
    """End a session after PORTAL_SESSION_IDLE_SECONDS without a request or PORTAL_SESSION_ABSOLUTE_SECONDS
    after the login, whichever comes first. The last-seen time is written at most once a minute, so a
    busy user's pages do not each pay for a session write.
    """

    SEEN_RESOLUTION = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.get(SESSION_STARTED_KEY, now)
            seen = request.session.get(SESSION_SEEN_KEY, now)
            if (
                now - seen > settings.PORTAL_SESSION_IDLE_SECONDS
                or now - started > settings.PORTAL_SESSION_ABSOLUTE_SECONDS
            ):
                logout(request)
                messages.info(request, _("Your session has expired. Please log in again."))
                return redirect_to_login(request.get_full_path())
            if now - seen >= self.SEEN_RESOLUTION or SESSION_STARTED_KEY not in request.session:
                request.session[SESSION_SEEN_KEY] = now
                request.session.setdefault(SESSION_STARTED_KEY, now)
        return self.get_response(request)


class TwoFactorMiddleware:
    """After the password, a user with a TOTP device must enter a code; roles that require two-factor
    login must first set a device up. Until then only the two-factor pages, logout and static files answer.
    Which step is due is decided once, at login, and kept in the session: pages pay no query for it.
    """

    OPEN_URL_NAMES = {"login", "logout", "otp_verify", "otp_setup", "set_language"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_verified():
            if TWO_FACTOR_STEP_KEY not in request.session:  # a session from before this rule existed
                request.session[TWO_FACTOR_STEP_KEY] = two_factor_step(user)
            target = request.session[TWO_FACTOR_STEP_KEY]
            if target and not self._is_open(request):
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _is_open(self, request) -> bool:
        if request.path_info.startswith(settings.STATIC_URL):
            return True
        try:
            return resolve(request.path_info).url_name in self.OPEN_URL_NAMES
        except Resolver404:
            return False


def two_factor_step(user) -> str | None:
    """The page a signed-in, not yet verified user must go to: verify, set up, or none."""
    from django_otp import user_has_device

    if user_has_device(user, confirmed=True):
        return "otp_verify"
    if user.role in settings.PORTAL_2FA_REQUIRED_ROLES or user.is_superuser:
        return "otp_setup"
    return None
