"""API authentication for systems and scripts: `Authorization: Bearer jep_<prefix>_<secret>`.

Browsers keep using their session (with CSRF); this class serves tokens of API clients and personal
tokens alike. Every call made with a token is audited as `api.call`, with the client and the address.
"""

import hmac

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from portal.models import ApiClient
from portal.services import TOKEN_PREFIX, api_client_touch, audit, hash_token
from portal.web import client_ip


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Finds the client by the token's public prefix (one indexed query) and compares the hash in
    constant time. Revoked clients and deactivated users are refused with 401."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header: give one token."))
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        client = self._client_for(token)
        api_client_touch(client)
        audit(
            actor=client.user,
            action="api.call",
            detail={"client": client.pk, "method": request.method, "path": request.path[:300]},
            ip_address=client_ip(request),
        )
        if "HTTP_ACCEPT_LANGUAGE" not in request.META and client.user.language:
            # Messages follow the caller's Accept-Language, else the account's language, as on the pages.
            translation.activate(client.user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return client.user, client

    def _client_for(self, token: str) -> ApiClient:
        scheme, _sep, rest = token.partition("_")
        prefix = rest.partition("_")[0]
        if scheme != TOKEN_PREFIX or not prefix:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        client = ApiClient.objects.select_related("user").filter(prefix=prefix).first()
        if client is None or not hmac.compare_digest(client.secret_hash, hash_token(token)):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if client.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if not client.user.is_active:
            raise exceptions.AuthenticationFailed(_("The account of this token is deactivated."))
        return client

    def authenticate_header(self, request):
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Names the token scheme in the OpenAPI schema."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API client's or a personal token: `Authorization: Bearer jep_…`.",
        }
