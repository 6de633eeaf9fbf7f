"""The tamper-evident audit trail (DESIGN.md §4 and §7).

`record` writes an AuditEvent in the caller's transaction; once that transaction commits, a background task
(`chain_pending`, scheduled at most once per process every CHAIN_DEBOUNCE_SECONDS) numbers the new rows and
links each to the previous one by SHA-256, under a short lock on the chain head. Chaining in the page's own
request would cost it a second commit, about doubling a read page's latency; the beat sweep chains
whatever is left (a crashed process, a lost task) every minute. `verify_chain` recomputes the chain
and names the first record that does not match: an edited row changes its hash, a deleted row leaves
a gap in `seq`, a cut tail disagrees with the head.
"""

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction

from .models import AuditChainHead, AuditEvent

CHAIN_BATCH = 1000


def record(
    *, actor, action: str, obj=None, case_id=None, detail=None, ip_address=None, internal_bureau_id=None
) -> AuditEvent:
    """Append one audit record (atomic with the caller's transaction) and chain it after commit."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent.objects.create(
        actor=actor if authenticated else None,
        actor_name=actor.get_username() if authenticated else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        case_id=case_id,
        detail=detail or {},
        ip_address=ip_address,
        internal_bureau_id=internal_bureau_id,
    )
    transaction.on_commit(schedule_chaining)
    return event


CHAIN_DEBOUNCE_SECONDS = 2


def schedule_chaining() -> None:
    """Queue one chaining task for the records committed in the next moments (debounced per process)."""
    from django.core.cache import cache

    from .tasks import chain_audit_trail

    if chain_audit_trail.app.conf.task_always_eager:  # tests and scripts without a worker: chain now
        chain_pending()
        return
    if cache.add("portal:audit-chain-scheduled", True, timeout=CHAIN_DEBOUNCE_SECONDS):
        try:
            chain_audit_trail.apply_async(countdown=1)
        except Exception:  # noqa: BLE001 - the broker being down must not fail the page; beat chains later
            cache.delete("portal:audit-chain-scheduled")


def record_hash(event: AuditEvent, seq: int, prev_hash: str) -> str:
    payload = {
        "seq": seq,
        "prev": prev_hash,
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "case_id": event.case_id,
        "detail": event.detail,
        "ip": event.ip_address,
        "internal": event.internal_bureau_id,
        "at": event.created_at.isoformat(timespec="microseconds"),
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _head_for_update() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=1)], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def chain_pending(limit: int = CHAIN_BATCH) -> int:
    """Chain committed, unchained records in id order. Idempotent; concurrent callers queue on the head."""
    with transaction.atomic():
        head = _head_for_update()
        pending = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:limit])
        for event in pending:
            seq = head.last_seq + 1
            event.seq, event.prev_hash = seq, head.last_hash
            event.hash = record_hash(event, seq, head.last_hash)
            head.last_seq, head.last_hash = seq, event.hash
        if pending:
            AuditEvent.objects.bulk_update(pending, ["seq", "prev_hash", "hash"])
            head.save()
    return len(pending)


@dataclass
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""


def verify_chain() -> ChainReport:
    """Recompute the whole chain in seq order; stop at the first record that does not match."""
    head = AuditChainHead.objects.filter(pk=1).first()
    expected_prev, expected_seq, checked = "0" * 64, 1, 0
    events = AuditEvent.objects.filter(seq__isnull=False).order_by("seq")
    for event in events.iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return ChainReport(
                False, checked, expected_seq, None, f"record #{expected_seq} is missing (deleted)"
            )
        if event.prev_hash != expected_prev or event.hash != record_hash(event, event.seq, expected_prev):
            return ChainReport(False, checked, event.seq, event.pk, f"record #{event.seq} was changed")
        expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    if head is not None and (head.last_seq != checked or head.last_hash != expected_prev):
        return ChainReport(
            False, checked, checked + 1, None, f"records after #{checked} are missing (tail cut)"
        )
    return ChainReport(True, checked)
