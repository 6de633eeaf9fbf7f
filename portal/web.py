"""Small helpers shared by the views of every app."""

from django.conf import settings
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
    """The client's address: the trusted proxy's header only when the request comes from that proxy.

    A header sent by anyone else is ignored, so a client cannot choose the address it is audited and
    locked out under.
    """
    remote = request.META.get("REMOTE_ADDR")
    if remote and remote in settings.PORTAL_TRUSTED_PROXIES:
        forwarded = request.META.get(settings.PORTAL_CLIENT_IP_HEADER, "").split(",")[-1].strip()
        return forwarded or remote
    return remote
