"""`Idempotency-Key` for every POST that creates or moves something.

A client that did not get an answer (a timeout, a dropped connection) sends the same POST again with the
same key and gets the first result, status and body, without the work being done twice. The key belongs
to the acting user (for a system client, its service account): the same key with a different body or
on another URL answers 422. The (user, key) row is claimed in its own transaction before the work, so
of two concurrent calls with one key exactly one does the work; the other answers 409 and may retry.
Results of 5xx errors are not kept: the retry runs again. Keys are forgotten after
PORTAL_IDEMPOTENCY_KEY_HOURS (portal.tasks.purge_idempotency_keys).
"""

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from portal.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID): a retry with the same key returns the first result.",
)


def _file_fingerprint(uploaded) -> dict:
    return {"name": uploaded.name, "size": uploaded.size, "sha256": getattr(uploaded, "sha256", "")}


def request_fingerprint(request) -> str:
    """A hash of what the call asks for: method, path and the parsed body (files by name, size, hash)."""
    data = request.data
    if hasattr(data, "lists"):  # QueryDict (form or multipart)
        body = {key: values for key, values in data.lists()}
    else:
        body = data
    files = {key: [_file_fingerprint(f) for f in request.FILES.getlist(key)] for key in request.FILES}
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "body": body, "files": files},
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _error(message: str, code: int) -> Response:
    return Response({"detail": message, "code": "idempotency"}, status=code)


def _replay(user, key: str, fingerprint: str) -> Response:
    row = IdempotencyKey.objects.filter(user=user, key=key).first()
    if row is None:  # the first call failed and gave the key back a moment ago
        return _error(_("The first request with this Idempotency-Key failed; send it again."), 409)
    if not row.completed:
        return _error(
            _("A request with this Idempotency-Key is still being processed; retry in a moment."),
            status.HTTP_409_CONFLICT,
        )
    if row.fingerprint != fingerprint:
        return _error(
            _("This Idempotency-Key was already used for a different request."),
            status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    response = Response(row.response_body, status=row.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view_method):
    """Decorate a DRF view method (create or transition) to honour the Idempotency-Key header."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return _error(_("The Idempotency-Key is too long (200 characters at most)."), 400)
        user = request.user
        fingerprint = request_fingerprint(request)
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint)
        except IntegrityError:
            return _replay(user, key, fingerprint)
        try:
            try:
                response = view_method(self, request, *args, **kwargs)
            except Exception as exc:  # a refusal (403, 404, 409, 400) is a result like any other
                response = self.handle_exception(exc)
        except BaseException:
            IdempotencyKey.objects.filter(user=user, key=key, completed=False).delete()
            raise
        if response.status_code >= 500:
            IdempotencyKey.objects.filter(user=user, key=key, completed=False).delete()
            return response
        body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
        IdempotencyKey.objects.filter(user=user, key=key).update(
            completed=True, response_status=response.status_code, response_body=body
        )
        return response

    return wrapper
