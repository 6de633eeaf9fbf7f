"""Notification kinds and their messages.

One registry serves the in-app list and the email, so that both say the same thing. Messages are
formatted with the notification's stored params in the reader's language at display time.
"""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "request_awaiting_approval": _(
        "%(actor)s asks you to approve the assistance request “%(request)s” (case %(case)s)."
    ),
    "request_returned": _("%(actor)s returned your assistance request “%(request)s” to draft: %(comment)s"),
    "request_received": _(
        "%(bureau)s sent your team the assistance request “%(request)s” (case %(case)s), due %(due)s."
    ),
    "request_approved": _(
        "%(actor)s approved the assistance request “%(request)s”; it was sent to %(bureau)s."
    ),
    "request_assigned": _(
        "%(actor)s assigned the assistance request “%(request)s” (case %(case)s) to you, due %(due)s."
    ),
    "request_declined": _("%(actor)s declined the assistance request “%(request)s”: %(reason)s"),
    "request_answered": _("%(actor)s answered the assistance request “%(request)s” (case %(case)s)."),
    "request_completed": _(
        "%(actor)s confirmed the answer to the assistance request “%(request)s” as complete."
    ),
    "deadline_reminder": _(
        "The assistance request “%(request)s” (case %(case)s) is due on %(due)s: %(days)s working day(s) left."
    ),
    "deadline_overdue": _(
        "The assistance request “%(request)s” (case %(case)s) was due on %(due)s and is overdue."
    ),
    "case_closure_requested": _("%(actor)s asks you to approve the closure of case %(case)s."),
    "case_closed": _("%(actor)s approved the closure of case %(case)s; the case is closed."),
    "case_closure_refused": _("%(actor)s refused the closure of case %(case)s: %(comment)s"),
    "audit_chain_broken": _("The audit trail's hash chain is broken at record #%(seq)s: %(reason)s"),
}

SUBJECTS = {
    "request_awaiting_approval": _("[%(case)s] Request awaiting your approval"),
    "request_returned": _("[%(case)s] Request returned to draft"),
    "request_received": _("[%(case)s] New assistance request for your team"),
    "request_approved": _("[%(case)s] Request approved and sent"),
    "request_assigned": _("[%(case)s] Assistance request assigned to you"),
    "request_declined": _("[%(case)s] Assistance request declined"),
    "request_answered": _("[%(case)s] Assistance request answered"),
    "request_completed": _("[%(case)s] Assistance request completed"),
    "deadline_reminder": _("[%(case)s] Deadline reminder"),
    "deadline_overdue": _("[%(case)s] Assistance request overdue"),
    "case_closure_requested": _("[%(case)s] Case closure awaiting approval"),
    "case_closed": _("[%(case)s] Case closed"),
    "case_closure_refused": _("[%(case)s] Closure refused"),
    "audit_chain_broken": _("[Security] Audit trail tampering detected"),
}


class _Defaulting(dict):
    def __missing__(self, key):
        return ""


def render_message(kind: str, params: dict) -> str:
    return str(MESSAGES[kind]) % _Defaulting(params)


def render_subject(kind: str, params: dict) -> str:
    return str(SUBJECTS[kind]) % _Defaulting(params)
