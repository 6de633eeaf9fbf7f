"""The integrity sweep: stored files are re-hashed in batches and any change or loss raises an alert.

Each run takes the documents never checked, then those checked longest ago, up to a number of documents
and of bytes, hashes each stored blob once (documents sharing content share a blob), and records the
result and the time on every document. A run that stops half-way loses nothing: what it did not reach
is still due and comes first next time. A change of result is claimed with a conditional update, so
two runs checking the same document at once alert once.
"""

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from portal.models import User
from portal.services import audit, notify

from .. import selectors
from ..models import CaseParticipant, Document
from . import storage

Integrity = Document.Integrity
FAILURES = {Integrity.MISMATCH: "document_file_changed", Integrity.MISSING: "document_file_missing"}


def check_blob(name: str, sha256: str) -> str:
    """Re-hash one stored blob: intact, changed or missing. Storage errors (a server down) propagate,
    so that a transient failure is retried by the next run instead of being reported as a loss."""
    try:
        digest = storage.digest_blob(name)
    except FileNotFoundError:
        return Integrity.MISSING
    return Integrity.OK if digest.sha256 == sha256 else Integrity.MISMATCH


def sweep(*, batch_size: int | None = None, max_bytes: int | None = None, now=None) -> dict[str, int]:
    """Check the next batch of documents; returns how many ended in each state. Safe to run any time."""
    now = now or timezone.now()
    batch_size = batch_size or settings.PORTAL_INTEGRITY_BATCH
    max_bytes = max_bytes or settings.PORTAL_INTEGRITY_MAX_BYTES
    cutoff = now - timedelta(days=settings.PORTAL_INTEGRITY_RECHECK_DAYS)
    results: dict[tuple[str, str], str] = {}
    counts: Counter = Counter()
    spent = 0
    for row in selectors.documents_due_for_check(checked_before=cutoff, limit=batch_size):
        blob = (row["file"], row["sha256"])
        if blob not in results:
            if results and spent + row["size"] > max_bytes:
                break  # the rest stays due and comes first next run
            results[blob] = check_blob(*blob)
            spent += row["size"]
        record_check(document_id=row["id"], result=results[blob], previous=row["integrity"], checked_at=now)
        counts[results[blob]] += 1
    return dict(counts)


@transaction.atomic
def record_check(*, document_id: int, result: str, previous: str, checked_at) -> bool:
    """Store one document's check result. When the result changes to a failure, put it on the case's
    timeline and the audit trail and alert the case's leaders and the administrators; when a failed file
    is found intact again (restored from a backup), record that too. Returns whether the result changed."""
    changed = (
        Document.objects.filter(pk=document_id)
        .exclude(integrity=result)
        .update(integrity=result, integrity_checked_at=checked_at)
    )
    if not changed:
        Document.objects.filter(pk=document_id).update(integrity_checked_at=checked_at)
        return False
    if result in FAILURES:
        _report_failure(Document.objects.select_related("case").get(pk=document_id), result)
    elif previous in FAILURES:
        _record(Document.objects.select_related("case").get(pk=document_id), "document_integrity_restored")
    return True


def _record(document: Document, kind: str) -> None:
    from ..services import record_timeline

    record_timeline(
        case=document.case,
        actor=None,
        kind=kind,
        params={"title": document.title, "sha256": document.sha256},
        internal_bureau_id=document.internal_bureau_id,
    )
    audit(
        actor=None,
        action=f"document.{kind.removeprefix('document_')}",
        obj=document,
        case_id=document.case_id,
        detail={"sha256": document.sha256, "file": document.file.name},
        internal_bureau_id=document.internal_bureau_id,
    )


def alert_recipients(document: Document):
    """Leaders of the case's teams and administrators of its bureaus (of the document's own bureau only,
    when it is internal to one), and the platform's superusers."""
    participations = CaseParticipant.objects.filter(case_id=document.case_id)
    if document.internal_bureau_id:
        participations = participations.filter(bureau_id=document.internal_bureau_id)
    rule = (
        Q(groups__led_team__in=participations.values("team_id"), role=User.Role.LEADER)
        | Q(role=User.Role.BUREAU_ADMIN, bureau_id__in=participations.values("bureau_id"))
        | Q(is_superuser=True)
    )
    return User.objects.filter(rule, is_active=True).distinct()


def _report_failure(document: Document, result: str) -> None:
    kind = FAILURES[result]
    _record(document, kind)
    notify(
        recipients=alert_recipients(document),
        kind=kind,
        params={"title": document.title, "case": document.case.reference, "sha256": document.sha256},
        url=reverse("cases:document_detail", args=[document.case_id, document.pk]),
    )
