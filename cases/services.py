"""Writes of the cases app: one function per workflow step.

Each step is atomic, checks the actor's rights and the current state first (on a locked row), then
changes, records the timeline entry and the audit record, and queues notifications for after commit.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from portal.exceptions import WorkflowError
from portal.models import Bureau, Team, User
from portal.services import audit, notify

from . import permissions
from .evidence.services import (  # noqa: F401 (documents are uploaded through cases.services)
    clean_file_name,
    document_new_version,
    document_upload,
    document_withdraw,
    package_create,
)
from .models import (
    CaseMember,
    CaseNote,
    CaseNumberCounter,
    CaseParticipant,
    Category,
    JointCase,
    Party,
    TimelineEntry,
)

Status = JointCase.Status


def record_timeline(
    *, case: JointCase, actor: User | None, kind: str, params: dict | None = None, internal_bureau_id=None
) -> TimelineEntry:
    """Append a line to the case's timeline (called by services of this and other apps).

    A line about something internal to a bureau carries that bureau, so the partner never sees it.
    """
    return TimelineEntry.objects.create(
        case=case, actor=actor, kind=kind, params=params or {}, internal_bureau_id=internal_bureau_id
    )


def record_system_timeline(*, entries: Iterable[tuple[JointCase, str, dict]]) -> list[TimelineEntry]:
    """Append lines without an actor (e.g. "passed its due date") to many cases' timelines in one INSERT,
    for sweeps that record thousands of events at once; `entries` are (case, kind, params)."""
    return TimelineEntry.objects.bulk_create(
        [TimelineEntry(case=case, actor=None, kind=kind, params=params) for case, kind, params in entries],
        batch_size=2000,
    )


def lock_case(case_id: int) -> JointCase:
    return JointCase.objects.select_for_update().get(pk=case_id)


def _grant_view(case: JointCase, *, user: User | None = None, team: Team | None = None) -> None:
    if user is not None:
        assign_perm(permissions.VIEW_CASE, user, case)
    if team is not None:
        assign_perm(permissions.VIEW_CASE, team.leaders_group, case)


def grant_view(case: JointCase, *, user: User | None = None, team: Team | None = None) -> None:
    """Grant a case's view permission to a user or to a participating team's leaders: the same grants as
    case creation and membership give (used by the case import of the interop app)."""
    _grant_view(case, user=user, team=team)


@transaction.atomic
def case_create(
    *,
    actor: User,
    title: str,
    summary: str,
    category: Category,
    partner_teams: list[Team],
) -> JointCase:
    """Create a draft case led by the actor's bureau, with the actor on the case team.

    The actor's team takes part for the lead bureau; each partner team takes part for its bureau, and
    its leaders can see the case from then on. Officers and leaders with a team may call this.
    """
    permissions.require(
        permissions.can_create_case(actor),
        _("Only officers and leaders of a team can open joint cases."),
    )
    partner_bureaus = {team.bureau_id for team in partner_teams}
    if not partner_teams:
        raise WorkflowError(_("A joint case needs at least one partner bureau."))
    if actor.bureau_id in partner_bureaus:
        raise WorkflowError(_("Partner teams must belong to other bureaus than the lead bureau."))
    if len(partner_bureaus) != len(partner_teams):
        raise WorkflowError(_("Choose one team per partner bureau."))
    case = JointCase.objects.create(
        title=title, summary=summary, category=category, lead_bureau_id=actor.bureau_id, created_by=actor
    )
    for team in [actor.team, *partner_teams]:
        CaseParticipant.objects.create(case=case, bureau_id=team.bureau_id, team=team)
    # A draft is the lead bureau's own work: partner leaders are granted the case when it is opened.
    _grant_view(case, team=actor.team)
    CaseMember.objects.create(case=case, user=actor, added_by=actor)
    _grant_view(case, user=actor)
    record_timeline(case=case, actor=actor, kind="case_created")
    audit(actor=actor, action="case.create", obj=case, case_id=case.pk)
    return case


@transaction.atomic
def case_update(*, case: JointCase, actor: User, title: str, summary: str, category: Category) -> JointCase:
    """Edit the case's description (lead bureau's team; not once closed)."""
    case = lock_case(case.pk)
    permissions.require(permissions.can_manage_case(actor, case))
    if case.status == Status.CLOSED:
        raise WorkflowError(_("A closed case cannot be edited."))
    case.title, case.summary, case.category = title, summary, category
    case.save(update_fields=["title", "summary", "category", "updated_at"])
    record_timeline(case=case, actor=actor, kind="case_updated")
    audit(actor=actor, action="case.update", obj=case, case_id=case.pk)
    return case


def _issue_number(bureau: Bureau, year: int) -> int:
    """Next gap-free sequence number for the bureau and year, serialised by a row lock on the counter.

    The counter row is created idempotently first, so concurrent first openings of a year do not
    collide; the lock is held until the opening transaction commits, and a rollback gives the number back.
    """
    CaseNumberCounter.objects.bulk_create(
        [CaseNumberCounter(bureau=bureau, year=year)], ignore_conflicts=True
    )
    counter = CaseNumberCounter.objects.select_for_update().get(bureau=bureau, year=year)
    counter.last_seq += 1
    counter.save(update_fields=["last_seq"])
    return counter.last_seq


def format_case_number(bureau: Bureau, year: int, seq: int) -> str:
    return f"{bureau.case_number_prefix}〔{year}〕{seq:04d}号"


def _transition(case_id: int, actor: User, allowed_from: tuple[str, ...], to: str) -> JointCase:
    case = lock_case(case_id)
    if case.status not in allowed_from:
        raise WorkflowError(
            _(
                "This cannot be done while the case is “%(status)s”. Someone may have acted on it a moment ago; reload the page."
            )
            % {"status": case.get_status_display()}
        )
    case.status = to
    return case


@transaction.atomic
def case_open(*, case: JointCase, actor: User) -> JointCase:
    """Open (立案) a draft case and issue its number: unique per lead bureau and year, gap-free."""
    permissions.require(permissions.can_manage_case(actor, case))
    case = _transition(case.pk, actor, (Status.DRAFT,), Status.OPEN)
    year = timezone.localdate().year
    bureau = Bureau.objects.get(pk=case.lead_bureau_id)
    case.number_year = year
    case.number_seq = _issue_number(bureau, year)
    case.number = format_case_number(bureau, year, case.number_seq)
    case.opened_at = timezone.now()
    case.save()
    for participant in case.participants.exclude(bureau_id=case.lead_bureau_id).select_related("team"):
        _grant_view(case, team=participant.team)  # the partner bureaus' leaders see the case from now on
    record_timeline(case=case, actor=actor, kind="case_opened", params={"number": case.number})
    audit(actor=actor, action="case.open", obj=case, case_id=case.pk, detail={"number": case.number})
    return case


@transaction.atomic
def case_start_investigation(*, case: JointCase, actor: User) -> JointCase:
    permissions.require(permissions.can_manage_case(actor, case))
    case = _transition(case.pk, actor, (Status.OPEN,), Status.INVESTIGATING)
    case.save(update_fields=["status", "updated_at"])
    record_timeline(case=case, actor=actor, kind="case_investigating")
    audit(actor=actor, action="case.investigate", obj=case, case_id=case.pk)
    return case


@transaction.atomic
def case_request_closure(*, case: JointCase, actor: User) -> JointCase:
    """Ask the lead team's leaders to approve closing the case. Every request must be finished first."""
    from collaboration.selectors import unfinished_requests_of_case

    permissions.require(permissions.can_manage_case(actor, case))
    case = _transition(case.pk, actor, (Status.OPEN, Status.INVESTIGATING), Status.CLOSURE_PENDING)
    if unfinished := unfinished_requests_of_case(case).count():
        raise WorkflowError(
            _("The case cannot be closed while %(count)d assistance request(s) are unfinished.")
            % {"count": unfinished}
        )
    case.save(update_fields=["status", "updated_at"])
    record_timeline(case=case, actor=actor, kind="case_closure_requested")
    audit(actor=actor, action="case.request_closure", obj=case, case_id=case.pk)
    lead = permissions.participant_for(case, case.lead_bureau_id)
    notify(
        recipients=lead.team.leaders_group.user_set.all(),
        kind="case_closure_requested",
        params={"actor": str(actor), "case": case.reference},
        url=case_url(case),
    )
    return case


@transaction.atomic
def case_approve_closure(*, case: JointCase, actor: User) -> JointCase:
    """Closure needs the lead bureau's team leader."""
    permissions.require(
        permissions.can_approve_closure(actor, case),
        _("Only a leader of the lead team can approve the closure."),
    )
    case = _transition(case.pk, actor, (Status.CLOSURE_PENDING,), Status.CLOSED)
    case.closed_at = timezone.now()
    case.save(update_fields=["status", "closed_at", "updated_at"])
    record_timeline(case=case, actor=actor, kind="case_closed")
    audit(actor=actor, action="case.close", obj=case, case_id=case.pk)
    _notify_lead_team(case, actor, "case_closed")
    return case


@transaction.atomic
def case_refuse_closure(*, case: JointCase, actor: User, comment: str) -> JointCase:
    permissions.require(
        permissions.can_approve_closure(actor, case),
        _("Only a leader of the lead team can refuse the closure."),
    )
    if not comment.strip():
        raise WorkflowError(_("Please give a reason for refusing the closure."))
    case = _transition(case.pk, actor, (Status.CLOSURE_PENDING,), Status.INVESTIGATING)
    case.save(update_fields=["status", "updated_at"])
    record_timeline(case=case, actor=actor, kind="case_closure_refused", params={"comment": comment})
    audit(actor=actor, action="case.refuse_closure", obj=case, case_id=case.pk)
    _notify_lead_team(case, actor, "case_closure_refused", comment=comment)
    return case


def _notify_lead_team(case: JointCase, actor: User, kind: str, **params) -> None:
    """Tell the lead bureau's case team about a decision on their case."""
    members = User.objects.filter(case_memberships__case=case, bureau_id=case.lead_bureau_id, is_active=True)
    notify(
        recipients=members,
        kind=kind,
        params={"actor": str(actor), "case": case.reference, **params},
        url=case_url(case),
    )


@transaction.atomic
def member_add(*, case: JointCase, user: User, actor: User | None) -> CaseMember:
    """Put a user on the case team and grant the view permission. Idempotent.

    Called by the lead team when it staffs the case and by the assignment of a request, so the
    receiving officer can see the case they work for.
    """
    membership, created = CaseMember.objects.get_or_create(
        case=case, user=user, defaults={"added_by": actor or user}
    )
    if created:
        _grant_view(case, user=user)
        record_timeline(case=case, actor=actor, kind="member_added", params={"member": str(user)})
        audit(actor=actor, action="case.member_add", obj=case, case_id=case.pk, detail={"user": user.pk})
    return membership


@transaction.atomic
def member_remove(*, case: JointCase, user: User, actor: User) -> None:
    """Take a user off the case team; their access ends at their next request.

    Refused while the user is the assigned officer of an unfinished request: reassign it first.
    """
    from collaboration.selectors import unfinished_requests_of_case

    permissions.require(permissions.can_manage_case(actor, case))
    if unfinished_requests_of_case(case).filter(assignee=user).exists():
        raise WorkflowError(_("%(user)s is handling an unfinished request of this case.") % {"user": user})
    CaseMember.objects.filter(case=case, user=user).delete()
    remove_perm(permissions.VIEW_CASE, user, case)
    record_timeline(case=case, actor=actor, kind="member_removed", params={"member": str(user)})
    audit(actor=actor, action="case.member_remove", obj=case, case_id=case.pk, detail={"user": user.pk})


@transaction.atomic
def party_add(*, case: JointCase, actor: User, **fields) -> Party:
    """Add a party (当事人) to the case. Codes are validated here too (USCC and ID check characters),
    whoever calls: a bad code raises ValidationError and nothing is stored."""
    permissions.require(permissions.can_work_on(actor, case))
    party = Party(case=case, added_by=actor, **fields)
    party.full_clean()
    party.save()
    record_timeline(case=case, actor=actor, kind="party_added", params={"party": party.name})
    audit(actor=actor, action="party.add", obj=party, case_id=case.pk)
    JointCase.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    return party


@transaction.atomic
def note_add(*, case: JointCase, actor: User, body: str, internal: bool = False) -> CaseNote:
    """Add a note to the case; an internal note is seen by the author's bureau only."""
    permissions.require(permissions.can_work_on(actor, case))
    if not body.strip():
        raise WorkflowError(_("The note cannot be empty."))
    note = CaseNote.objects.create(
        case=case, author=actor, body=body, internal_bureau_id=actor.bureau_id if internal else None
    )
    audit(
        actor=actor, action="note.add", obj=note, case_id=case.pk, internal_bureau_id=note.internal_bureau_id
    )
    return note


def case_url(case: JointCase) -> str:
    from django.urls import reverse

    return reverse("cases:detail", args=[case.pk])
