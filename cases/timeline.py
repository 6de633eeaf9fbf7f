"""Timeline entry kinds and their messages, rendered in the reader's language."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "case_created": _("%(actor)s created the case as a draft."),
    "case_opened": _("%(actor)s opened the case; number %(number)s was issued."),
    "case_investigating": _("%(actor)s started the investigation."),
    "case_closure_requested": _("%(actor)s asked for approval to close the case."),
    "case_closed": _("%(actor)s approved the closure; the case is closed."),
    "case_closure_refused": _("%(actor)s refused the closure: %(comment)s"),
    "case_updated": _("%(actor)s edited the case details."),
    "party_added": _("%(actor)s added the party %(party)s."),
    "member_added": _("%(actor)s added %(member)s to the case team."),
    "member_removed": _("%(actor)s took %(member)s off the case team."),
    "request_updated": _("%(actor)s edited the draft assistance request “%(request)s”."),
    "document_uploaded": _("%(actor)s uploaded %(title)s (SHA-256 %(sha256)s)."),
    "request_created": _("%(actor)s drafted the assistance request “%(request)s” to %(bureau)s."),
    "request_submitted": _("%(actor)s submitted the assistance request “%(request)s” for approval."),
    "request_returned": _("%(actor)s returned the assistance request “%(request)s” to draft: %(comment)s"),
    "request_approved": _(
        "%(actor)s approved the assistance request “%(request)s”; sent to %(bureau)s, due %(due)s."
    ),
    "request_accepted": _(
        "%(actor)s accepted the assistance request “%(request)s” and assigned it to %(assignee)s."
    ),
    "request_declined": _("%(actor)s declined the assistance request “%(request)s”: %(reason)s"),
    "request_started": _("%(actor)s started work on the assistance request “%(request)s”."),
    "request_answered": _("%(actor)s answered the assistance request “%(request)s”."),
    "request_completed": _("%(actor)s confirmed the assistance request “%(request)s” as complete."),
    "request_overdue": _("The assistance request “%(request)s” passed its due date %(due)s."),
}


class _Defaulting(dict):
    def __missing__(self, key):
        return ""


def render_entry(entry) -> str:
    params = _Defaulting(entry.params)
    if params.get("sha256"):  # the full hash is on the document; the timeline line stays readable
        params["sha256"] = params["sha256"][:12] + "…"
    params.setdefault("actor", str(entry.actor) if entry.actor_id else "")
    return str(MESSAGES[entry.kind]) % params
