"""How the API answers when a service refuses: the same refusals as the pages, as HTTP statuses.

A forbidden object is 404 and a forbidden action 403 (DRF maps Django's Http404 and PermissionDenied);
a refused workflow step (WorkflowError) is 409 with its translated message; a ValidationError raised
by a service (a bad USCC, say) is 400 with the field errors.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.exceptions import WorkflowError


def exception_handler(exc, context):
    if isinstance(exc, WorkflowError):
        return Response({"detail": str(exc.message), "code": "refused"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
