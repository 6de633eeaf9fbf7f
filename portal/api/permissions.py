"""API-level rules that come before the one access policy: a token's scope.

What a caller may see and do with an object is decided by the same policy functions as for the pages
(cases.permissions, collaboration.permissions); these classes only add what is about the credential.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from portal.models import ApiClient


class TokenScope(BasePermission):
    """A read-scope token may only read."""

    message = _("This token may only read: its scope is read.")

    def has_permission(self, request, view):
        client = request.auth
        if isinstance(client, ApiClient) and client.scope != ApiClient.Scope.WRITE:
            return request.method in SAFE_METHODS
        return True
