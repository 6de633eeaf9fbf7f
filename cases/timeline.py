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
    "request_attachment_added": _("%(actor)s attached %(title)s to the assistance request “%(request)s”."),
    "request_updated": _("%(actor)s edited the draft assistance request “%(request)s”."),
    "document_uploaded": _("%(actor)s uploaded %(title)s (SHA-256 %(sha256)s)."),
    "document_version_added": _(
        "%(actor)s corrected %(title)s with version %(version)s (SHA-256 %(sha256)s; it supersedes SHA-256 %(previous)s)."
    ),
    "document_withdrawn": _("%(actor)s withdrew %(title)s (SHA-256 %(sha256)s): %(reason)s"),
    "package_exported": _(
        "%(actor)s exported an evidence package of %(count)s document(s); SHA-256 of its manifest: %(manifest_sha256)s."
    ),
    "document_file_changed": _(
        "The integrity check found that the stored file of %(title)s has been changed: it no longer matches its seal (SHA-256 %(sha256)s)."
    ),
    "document_file_missing": _(
        "The integrity check found that the stored file of %(title)s is missing (sealed SHA-256 %(sha256)s)."
    ),
    "document_integrity_restored": _(
        "The integrity check found the stored file of %(title)s intact again (SHA-256 %(sha256)s)."
    ),
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
    "extension_requested": _(
        "%(actor)s asked to extend the deadline of the assistance request “%(request)s” from %(due)s to %(new_due)s: %(reason)s"
    ),
    "extension_approved": _(
        "%(actor)s extended the deadline of the assistance request “%(request)s” from %(previous_due)s to %(due)s."
    ),
    "extension_refused": _(
        "%(actor)s refused to extend the deadline of the assistance request “%(request)s”: %(comment)s"
    ),
    "request_due_date_recounted": _(
        "The due date of the assistance request “%(request)s” was counted again on the entered calendar: %(old_due)s → %(due)s."
    ),
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
