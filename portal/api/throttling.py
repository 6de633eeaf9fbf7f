from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from portal.models import ApiClient


class ApiClientRateThrottle(SimpleRateThrottle):
    """Calls per API client (per token), per signed-in user for the browser, per address otherwise.

    The rate is read from settings.PORTAL_API_RATE at each call (e.g. "600/min"); the counters live in the
    default cache, Redis in production, so all web processes share them.
    """

    scope = "api"

    def get_rate(self):
        return settings.PORTAL_API_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiClient):
            ident = f"client:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return f"portal:throttle:{ident}"
