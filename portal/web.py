"""Small helpers shared by the views of every app."""

from django.contrib import messages
from django.db import transaction

from .exceptions import WorkflowError


def run_step(request, step, /, *, success: str = "", **kwargs):
    """Run one service step for a view. A WorkflowError becomes an error message and changes nothing.

    Returns the step's result, or None when it was refused.
    """
    try:
        with transaction.atomic():
            result = step(**kwargs)
    except WorkflowError as error:
        messages.error(request, error.message)
        return None
    if success:
        messages.success(request, success)
    return result


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")
