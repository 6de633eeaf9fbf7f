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
    "document_file_changed": _(
        "The stored file of “%(title)s” (case %(case)s) has been changed: it no longer matches its seal (SHA-256 %(sha256)s)."
    ),
    "document_file_missing": _(
        "The stored file of “%(title)s” (case %(case)s) is missing (sealed SHA-256 %(sha256)s)."
    ),
    "extension_requested": _(
        "%(actor)s asks to extend the deadline of the assistance request “%(request)s” (case %(case)s) from %(due)s to %(new_due)s: %(reason)s"
    ),
    "extension_approved": _(
        "%(actor)s extended the deadline of the assistance request “%(request)s” (case %(case)s) to %(due)s."
    ),
    "extension_refused": _(
        "%(actor)s refused to extend the deadline of the assistance request “%(request)s” (case %(case)s): %(comment)s"
    ),
    "due_date_recounted": _(
        "The due date of the assistance request “%(request)s” (case %(case)s) was counted again on the entered calendar: %(old_due)s → %(due)s."
    ),
    "daily_digest": _(
        "Your daily digest of %(date)s: %(waiting)s item(s) waiting for you, %(due_soon)s due soon."
    ),
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
    "document_file_changed": _("[%(case)s] [Security] A sealed document's stored file has changed"),
    "document_file_missing": _("[%(case)s] [Security] A sealed document's stored file is missing"),
    "extension_requested": _("[%(case)s] Deadline extension asked"),
    "extension_approved": _("[%(case)s] Deadline extended"),
    "extension_refused": _("[%(case)s] Deadline extension refused"),
    "due_date_recounted": _("[%(case)s] Due date counted again"),
    "daily_digest": _("Daily digest of %(date)s"),
}

# What each kind is about, for the preferences page (in the order shown there).
KIND_LABELS = {
    "request_awaiting_approval": _("A request waits for my approval"),
    "request_returned": _("My request was returned to draft"),
    "request_received": _("A request was sent to my team"),
    "request_approved": _("My request was approved and sent"),
    "request_assigned": _("A request was assigned to me"),
    "request_declined": _("A request was declined"),
    "request_answered": _("My request was answered"),
    "request_completed": _("An answer was confirmed as complete"),
    "deadline_reminder": _("Deadline reminders"),
    "deadline_overdue": _("Overdue requests (escalations)"),
    "extension_requested": _("A deadline extension is asked"),
    "extension_approved": _("A deadline extension was approved"),
    "extension_refused": _("A deadline extension was refused"),
    "due_date_recounted": _("A provisional due date was counted again"),
    "case_closure_requested": _("A case closure waits for my approval"),
    "case_closed": _("A case was closed"),
    "case_closure_refused": _("A case closure was refused"),
}

IMMEDIATE, DIGEST, IN_APP = "immediate", "digest", "in_app"
DEFAULT_DELIVERY = IMMEDIATE
# Security alerts always go out at once; the digest itself is either mailed or not.
ALWAYS_IMMEDIATE = {"audit_chain_broken", "document_file_changed", "document_file_missing"}
DIGEST_KIND = "daily_digest"


def deliveries_for_kind(kind: str) -> tuple[str, ...]:
    """The ways a person may choose to hear of this kind of event."""
    if kind == DIGEST_KIND:
        return (IMMEDIATE, IN_APP)
    if kind in KIND_LABELS:
        return (IMMEDIATE, DIGEST, IN_APP)
    return ()


class _Defaulting(dict):
    def __missing__(self, key):
        return ""


def render_message(kind: str, params: dict) -> str:
    return str(MESSAGES[kind]) % _Defaulting(params)


def render_subject(kind: str, params: dict) -> str:
    return str(SUBJECTS[kind]) % _Defaulting(params)
