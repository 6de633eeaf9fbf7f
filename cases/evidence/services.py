"""Writes of sealed documents: upload, correction (a new version), withdrawal, evidence package export.

Each step is atomic, checks the actor's rights and the document's state first, then changes, records the
timeline line and the audit record (both carrying the bureau of an internal document). The seal of a
document (hash, size, detected type, uploader, server time) is written once, at upload, and never again.
These steps are re-exported by `cases.services`, where the other apps call them.
"""

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from interop import events as webhook_events
from portal.exceptions import WorkflowError
from portal.models import User
from portal.services import audit

from .. import permissions, selectors
from ..models import Document, EvidencePackage, JointCase
from . import filetypes, package, storage
from .names import clean_file_name

__all__ = [
    "clean_file_name",
    "document_new_version",
    "document_upload",
    "document_withdraw",
    "package_create",
]


def _timeline(**kwargs) -> None:
    # cases.services re-exports this module's steps, so it is imported here only when called.
    from ..services import record_timeline

    record_timeline(**kwargs)


def _seal(
    *,
    case: JointCase,
    actor: User,
    uploaded_file,
    title: str,
    internal_bureau_id: int | None,
    supersedes: Document | None = None,
) -> Document:
    """Store the bytes under their hash, verify what storage holds, detect the type, insert the sealed row."""
    if uploaded_file.size > settings.PORTAL_MAX_UPLOAD_BYTES:
        raise WorkflowError(
            _(
                "The file is too large: “%(name)s” passes the limit of %(limit)s per file, so it was not stored."
            )
            % {"name": uploaded_file.name, "limit": filesizeformat(settings.PORTAL_MAX_UPLOAD_BYTES)}
        )
    original_name = clean_file_name(uploaded_file.name or "")
    streamed = getattr(uploaded_file, "sha256", None) or storage.digest_upload(uploaded_file)
    try:
        blob = storage.store_sealed(uploaded_file, streamed)
    except storage.IntegrityRefused:
        raise WorkflowError(
            _("“%(name)s” did not arrive intact in storage, so it was not sealed. Please upload it again.")
            % {"name": original_name}
        ) from None
    detection = filetypes.detect(blob.digest.head, original_name)
    try:
        return Document.objects.create(
            case=case,
            title=(title or original_name)[:200],
            original_name=original_name,
            file=blob.name,
            sha256=blob.digest.sha256,
            size=blob.digest.size,
            content_type=detection.content_type,
            declared_type=detection.declared_type,
            type_mismatch=detection.mismatch,
            uploaded_by=actor,
            internal_bureau_id=internal_bureau_id,
            version=supersedes.version + 1 if supersedes else 1,
            supersedes=supersedes,
            first_version_id=supersedes.lineage_id if supersedes else None,
        )
    except BaseException:
        if blob.created:  # nothing refers to the bytes this call stored
            storage.delete_blob(blob.name)
        raise


@transaction.atomic
def document_upload(
    *,
    case: JointCase,
    actor: User,
    uploaded_file,
    title: str = "",
    internal: bool = False,
    announce: bool = True,
) -> Document:
    """Seal and store an uploaded file as a document of the case (officers on the case, leaders of its teams).

    The SHA-256 comes from the upload handler, which hashed the bytes as they streamed in (files given any
    other way are hashed here in chunks); what storage then holds is read back and must hash the same, or
    nothing is sealed. The type is detected from the content; a name that contradicts it is flagged. Files
    over PORTAL_MAX_UPLOAD_BYTES are refused. Content already in the case is sealed again (a second,
    true record of who provided it when); `selectors.earlier_copies` tells the uploader where it already is.
    With announce=False the caller writes the timeline line itself (a draft request's attachment is
    announced on the requesting side only).
    """
    permissions.require(permissions.can_work_on(actor, case))
    document = _seal(
        case=case,
        actor=actor,
        uploaded_file=uploaded_file,
        title=title,
        internal_bureau_id=actor.bureau_id if internal else None,
    )
    if announce:
        _timeline(
            case=case,
            actor=actor,
            kind="document_uploaded",
            params={"title": document.title, "sha256": document.sha256},
            internal_bureau_id=document.internal_bureau_id,
        )
    audit(
        actor=actor,
        action="document.upload",
        obj=document,
        case_id=case.pk,
        detail={"sha256": document.sha256, "size": document.size, "type": document.content_type},
        internal_bureau_id=document.internal_bureau_id,
    )
    webhook_events.document_added(document, only_bureau_id=None if announce else actor.bureau_id)
    return document


@transaction.atomic
def document_new_version(*, document: Document, actor: User, uploaded_file, title: str = "") -> Document:
    """Correct a document with a new version, sealed on its own and linked to the one it corrects.

    The old version stays as it was (it is marked superseded by the link, not by a change). Only the
    bureau that provided the evidence corrects it, and only the latest version, once: the old row is
    locked, so of two simultaneous corrections one wins and the other is told. A withdrawn document
    cannot be corrected. The new version keeps the old one's bureau-internal marking.
    """
    old = Document.objects.select_for_update().select_related("case", "uploaded_by").get(pk=document.pk)
    permissions.require(
        permissions.can_correct_document(actor, old),
        _("Only the bureau that provided this document can correct it, while the case is not closed."),
    )
    if old.withdrawn_at:
        raise WorkflowError(_("A withdrawn document cannot be corrected."))
    newer = Document.objects.filter(supersedes=old).first()
    if newer is not None:
        raise WorkflowError(
            _("“%(title)s” has already been corrected by version %(version)s; correct the latest version.")
            % {"title": old.title, "version": newer.version}
        )
    new = _seal(
        case=old.case,
        actor=actor,
        uploaded_file=uploaded_file,
        title=title or old.title,
        internal_bureau_id=old.internal_bureau_id,
        supersedes=old,
    )
    _timeline(
        case=old.case,
        actor=actor,
        kind="document_version_added",
        params={"title": new.title, "version": new.version, "sha256": new.sha256, "previous": old.sha256},
        internal_bureau_id=new.internal_bureau_id,
    )
    audit(
        actor=actor,
        action="document.new_version",
        obj=new,
        case_id=old.case_id,
        detail={"sha256": new.sha256, "supersedes": old.pk, "version": new.version},
        internal_bureau_id=new.internal_bureau_id,
    )
    webhook_events.document_added(new)
    return new


@transaction.atomic
def document_withdraw(*, document: Document, actor: User, reason: str) -> Document:
    """Withdraw a document: a recorded state with the reason, the person and the time; the file stays.

    Same rights as a correction. Claimed with a conditional update, so a second withdrawal (or two at
    once) is refused with a message instead of overwriting the first one's reason.
    """
    permissions.require(
        permissions.can_correct_document(actor, document),
        _("Only the bureau that provided this document can withdraw it, while the case is not closed."),
    )
    reason = reason.strip()
    if not reason:
        raise WorkflowError(_("Please give a reason for the withdrawal."))
    now = timezone.now()
    claimed = Document.objects.filter(pk=document.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_by=actor, withdrawal_reason=reason
    )
    if not claimed:
        raise WorkflowError(_("This document has already been withdrawn."))
    document.withdrawn_at, document.withdrawn_by, document.withdrawal_reason = now, actor, reason
    _timeline(
        case=document.case,
        actor=actor,
        kind="document_withdrawn",
        params={"title": document.title, "reason": reason, "sha256": document.sha256},
        internal_bureau_id=document.internal_bureau_id,
    )
    audit(
        actor=actor,
        action="document.withdraw",
        obj=document,
        case_id=document.case_id,
        detail={"reason": reason},
        internal_bureau_id=document.internal_bureau_id,
    )
    return document


@transaction.atomic
def package_create(*, case: JointCase, actor: User, document_ids: list[int] | None = None) -> EvidencePackage:
    """Fix an evidence package of the case: its manifest, and the manifest's SHA-256 on the timeline.

    Anyone who may see the case may export what they may see of it: the whole case, or the documents
    chosen (ids the user may not see are ignored, never revealed). A package holding documents another
    bureau of the case may not see (internal ones, attachments of unsent requests) is internal to the
    actor's bureau, and so is its timeline line. The ZIP itself is
    streamed later from the stored manifest and the sealed files (`package.stream_zip`).
    """
    permissions.require(permissions.can_see_case(actor, case))
    documents = selectors.documents_for_package(case, actor, document_ids)
    if not documents:
        raise WorkflowError(_("There is no document to put in a package."))
    internal = selectors.hidden_from_partners(case, actor, documents)
    evidence = EvidencePackage.objects.create(
        case=case,
        created_by=actor,
        document_count=len(documents),
        total_size=sum(document.size for document in documents),
        internal_bureau_id=actor.bureau_id if internal else None,
    )
    evidence.documents.set(documents)
    chains = selectors.version_chains(documents, actor)
    entries = [package.document_entry(document, chains[document.pk]) for document in documents]
    evidence.manifest_json, evidence.manifest_csv = package.build_manifest(
        package=evidence, case=case, created_by=actor, entries=entries
    )
    evidence.manifest_sha256 = package.sha256_text(evidence.manifest_json)
    evidence.save(update_fields=["manifest_json", "manifest_csv", "manifest_sha256"])
    _timeline(
        case=case,
        actor=actor,
        kind="package_exported",
        # The whole hash on the line (not shortened like a document's): it is what recipients compare.
        params={"count": len(documents), "manifest_sha256": evidence.manifest_sha256, "package": evidence.pk},
        internal_bureau_id=evidence.internal_bureau_id,
    )
    audit(
        actor=actor,
        action="package.export",
        obj=evidence,
        case_id=case.pk,
        detail={"manifest_sha256": evidence.manifest_sha256, "documents": [d.pk for d in documents]},
        internal_bureau_id=evidence.internal_bureau_id,
    )
    return evidence
