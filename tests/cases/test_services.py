"""cases/services.py: every case transition, allowed and refused; case numbers; members, parties, files."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import services
from cases.models import CaseNumberCounter, Document, JointCase
from cases.permissions import visible_cases
from portal.exceptions import WorkflowError
from portal.models import AuditEvent
from tests.helpers import nothing_changes, notified, timeline_kinds, upload

pytestmark = pytest.mark.django_db

Status = JointCase.Status


def this_year() -> int:
    return timezone.localdate().year


def set_status(case, status):
    JointCase.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


# --- case_create ----------------------------------------------------------------------------------


def test_officer_creates_a_draft_led_by_own_bureau_that_only_the_lead_side_sees(cast, sz_officer, category):
    case = services.case_create(
        actor=sz_officer, title="直播带货", summary="…", category=category, partner_teams=[cast.hz_team]
    )

    assert case.status == Status.DRAFT
    assert case.number == "" and case.number_seq is None
    assert case.lead_bureau == cast.sz
    assert {(p.bureau.code, p.team.name_zh) for p in case.participants.all()} == {
        ("SZ-AMR", "稽查一队"),
        ("HZ-AMR", "综合执法队"),
    }
    assert list(case.members.values_list("user__username", flat=True)) == ["sz_officer"]
    assert timeline_kinds(case) == ["case_created"]
    assert AuditEvent.objects.filter(action="case.create", case_id=case.pk).count() == 1
    for who in ("sz_officer", "sz_leader", "sz_auditor"):
        assert visible_cases(getattr(cast, who)).filter(pk=case.pk).exists(), who
    # The partner's leaders and auditors see it once it is opened (test_bureau_boundary).
    for who in ("sz_officer2", "hz_leader", "hz_auditor", "hz_officer", "sz_leader2", "gz_leader"):
        assert not visible_cases(getattr(cast, who)).filter(pk=case.pk).exists(), who


@pytest.mark.parametrize("who", ["sz_auditor", "outsider"])
def test_only_officers_and_leaders_of_a_team_can_create_a_case(cast, category, who):
    with nothing_changes(), pytest.raises(PermissionDenied):
        services.case_create(
            actor=getattr(cast, who), title="t", summary="s", category=category, partner_teams=[cast.hz_team]
        )


@pytest.mark.parametrize(
    "actor, partners",
    [
        ("sz_officer", []),  # no partner at all
        ("sz_officer", ["sz_team2"]),  # the lead bureau cannot be its own partner
        ("hz_officer", ["sz_team", "sz_team2"]),  # two teams of the same partner bureau
    ],
)
def test_case_create_refuses_partners_that_do_not_make_a_joint_case(cast, category, actor, partners):
    with nothing_changes(), pytest.raises(WorkflowError):
        services.case_create(
            actor=getattr(cast, actor),
            title="t",
            summary="s",
            category=category,
            partner_teams=[getattr(cast, team) for team in partners],
        )


# --- case_open and case numbers -------------------------------------------------------------------


def test_opening_issues_the_first_number_of_the_year_and_records_it(draft_case, sz_officer):
    case = services.case_open(case=draft_case, actor=sz_officer)

    case.refresh_from_db()
    assert case.status == Status.OPEN
    assert case.number == f"深市监协〔{this_year()}〕0001号"
    assert (case.number_year, case.number_seq) == (this_year(), 1)
    assert case.opened_at is not None
    assert timeline_kinds(case) == ["case_created", "case_opened"]
    assert case.timeline.last().params == {"number": case.number}
    assert AuditEvent.objects.filter(action="case.open", case_id=case.pk).get().detail == {
        "number": case.number
    }


def test_a_leader_of_the_lead_team_may_open_a_case(draft_case, sz_leader):
    assert services.case_open(case=draft_case, actor=sz_leader).status == Status.OPEN


@pytest.mark.parametrize("who", ["hz_leader", "sz_officer2", "sz_leader2", "sz_auditor", "gz_officer"])
def test_only_the_lead_team_can_open_a_case(cast, draft_case, who):
    with nothing_changes(draft_case), pytest.raises(PermissionDenied):
        services.case_open(case=draft_case, actor=getattr(cast, who))
    assert not CaseNumberCounter.objects.exists()


def test_opening_a_case_twice_is_refused_and_issues_no_second_number(joint_case, sz_officer):
    with nothing_changes(joint_case), pytest.raises(WorkflowError):
        services.case_open(case=joint_case, actor=sz_officer)
    assert CaseNumberCounter.objects.get().last_seq == 1


def test_numbers_run_without_gaps_per_lead_bureau(make_case, cast):
    numbers = [make_case().number for _ in range(3)]
    hz_led = make_case(actor=cast.hz_officer, partners=[cast.sz_team])

    year = this_year()
    assert numbers == [f"深市监协〔{year}〕000{n}号" for n in (1, 2, 3)]
    assert hz_led.number == f"杭市监协〔{year}〕0001号"


def test_draft_cases_take_no_number_so_opening_order_decides(make_case):
    first, second = make_case(opened=False), make_case(opened=False)
    services.case_open(case=second, actor=second.created_by)
    services.case_open(case=first, actor=first.created_by)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.number_seq, first.number_seq) == (1, 2)


def test_a_new_year_starts_again_at_0001(make_case, sz):
    CaseNumberCounter.objects.create(bureau=sz, year=this_year() - 1, last_seq=57)
    assert make_case().number_seq == 1
    assert CaseNumberCounter.objects.get(bureau=sz, year=this_year() - 1).last_seq == 57


def test_an_opening_that_fails_gives_its_number_back(make_case, monkeypatch):
    draft = make_case(opened=False)

    def audit_down(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "audit", audit_down)
    with pytest.raises(RuntimeError):
        services.case_open(case=draft, actor=draft.created_by)
    monkeypatch.undo()

    draft.refresh_from_db()
    assert (draft.status, draft.number) == (Status.DRAFT, "")
    assert make_case().number_seq == 1


def test_the_database_refuses_a_duplicate_number(joint_case, category, sz_officer):
    duplicate = JointCase(
        title="x",
        summary="x",
        category=category,
        lead_bureau_id=joint_case.lead_bureau_id,
        created_by=sz_officer,
        number_year=joint_case.number_year,
        number_seq=joint_case.number_seq,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


# --- investigation and closure --------------------------------------------------------------------


def test_the_lead_team_starts_the_investigation(joint_case, sz_officer):
    case = services.case_start_investigation(case=joint_case, actor=sz_officer)
    case.refresh_from_db()
    assert case.status == Status.INVESTIGATING
    assert timeline_kinds(case)[-1] == "case_investigating"


def test_a_partner_leader_cannot_start_the_investigation(joint_case, hz_leader):
    with nothing_changes(joint_case), pytest.raises(PermissionDenied):
        services.case_start_investigation(case=joint_case, actor=hz_leader)


def test_a_draft_case_cannot_go_under_investigation(draft_case, sz_officer):
    with nothing_changes(draft_case), pytest.raises(WorkflowError):
        services.case_start_investigation(case=draft_case, actor=sz_officer)
    draft_case.refresh_from_db()
    assert draft_case.status == Status.DRAFT


@pytest.mark.parametrize("from_status", [Status.OPEN, Status.INVESTIGATING])
def test_asking_for_closure_notifies_the_lead_team_leaders_only(joint_case, sz_officer, from_status):
    set_status(joint_case, from_status)

    case = services.case_request_closure(case=joint_case, actor=sz_officer)

    case.refresh_from_db()
    assert case.status == Status.CLOSURE_PENDING
    assert timeline_kinds(case)[-1] == "case_closure_requested"
    assert notified("case_closure_requested") == {"sz_leader"}


@pytest.mark.parametrize("who", ["hz_leader", "sz_officer2", "sz_auditor"])
def test_only_the_lead_team_can_ask_for_closure(cast, joint_case, who):
    with nothing_changes(joint_case), pytest.raises(PermissionDenied):
        services.case_request_closure(case=joint_case, actor=getattr(cast, who))


@pytest.mark.parametrize("status", [Status.DRAFT, Status.CLOSURE_PENDING, Status.CLOSED])
def test_closure_cannot_be_asked_for_in_the_wrong_state(joint_case, sz_officer, status):
    set_status(joint_case, status)
    with nothing_changes(joint_case), pytest.raises(WorkflowError):
        services.case_request_closure(case=joint_case, actor=sz_officer)


@pytest.fixture
def closure_pending_case(joint_case, sz_officer):
    return services.case_request_closure(case=joint_case, actor=sz_officer)


def test_the_lead_team_leader_approves_the_closure(closure_pending_case, sz_leader):
    case = services.case_approve_closure(case=closure_pending_case, actor=sz_leader)
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.closed_at is not None
    assert timeline_kinds(case)[-1] == "case_closed"
    assert AuditEvent.objects.filter(action="case.close", case_id=case.pk).exists()


@pytest.mark.parametrize("who", ["sz_officer", "hz_leader", "sz_leader2", "sz_auditor"])
def test_only_a_leader_of_the_lead_team_can_approve_the_closure(cast, closure_pending_case, who):
    with nothing_changes(closure_pending_case), pytest.raises(PermissionDenied):
        services.case_approve_closure(case=closure_pending_case, actor=getattr(cast, who))


def test_leader_cannot_approve_a_closure_nobody_asked_for(joint_case, sz_leader):
    with nothing_changes(joint_case), pytest.raises(WorkflowError):
        services.case_approve_closure(case=joint_case, actor=sz_leader)
    joint_case.refresh_from_db()
    assert joint_case.status == Status.OPEN


def test_leader_cannot_approve_the_closure_twice(closure_pending_case, sz_leader):
    services.case_approve_closure(case=closure_pending_case, actor=sz_leader)
    closure_pending_case.refresh_from_db()
    with nothing_changes(closure_pending_case), pytest.raises(WorkflowError):
        services.case_approve_closure(case=closure_pending_case, actor=sz_leader)


def test_refusing_the_closure_sends_the_case_back_to_investigation_with_the_reason(
    closure_pending_case, sz_leader
):
    case = services.case_refuse_closure(case=closure_pending_case, actor=sz_leader, comment="证据不足")
    case.refresh_from_db()
    assert case.status == Status.INVESTIGATING
    assert case.timeline.last().kind == "case_closure_refused"
    assert case.timeline.last().params == {"comment": "证据不足"}


def test_a_closure_cannot_be_refused_without_a_reason(closure_pending_case, sz_leader):
    with nothing_changes(closure_pending_case), pytest.raises(WorkflowError):
        services.case_refuse_closure(case=closure_pending_case, actor=sz_leader, comment="  ")


def test_an_officer_cannot_refuse_the_closure(closure_pending_case, sz_officer):
    with nothing_changes(closure_pending_case), pytest.raises(PermissionDenied):
        services.case_refuse_closure(case=closure_pending_case, actor=sz_officer, comment="no")


def test_a_closure_cannot_be_refused_when_none_is_pending(joint_case, sz_leader):
    with nothing_changes(joint_case), pytest.raises(WorkflowError):
        services.case_refuse_closure(case=joint_case, actor=sz_leader, comment="no")


# --- editing --------------------------------------------------------------------------------------


def test_the_lead_team_edits_the_case(joint_case, sz_officer, category):
    services.case_update(
        case=joint_case, actor=sz_officer, title="新标题", summary="新摘要", category=category
    )
    joint_case.refresh_from_db()
    assert (joint_case.title, joint_case.summary) == ("新标题", "新摘要")
    assert timeline_kinds(joint_case)[-1] == "case_updated"


def test_a_partner_leader_cannot_edit_the_case(joint_case, hz_leader, category):
    with nothing_changes(joint_case), pytest.raises(PermissionDenied):
        services.case_update(case=joint_case, actor=hz_leader, title="x", summary="x", category=category)


def test_a_closed_case_cannot_be_edited(joint_case, sz_officer, category):
    set_status(joint_case, Status.CLOSED)
    with nothing_changes(joint_case), pytest.raises(WorkflowError):
        services.case_update(case=joint_case, actor=sz_officer, title="x", summary="x", category=category)


# --- members --------------------------------------------------------------------------------------


def test_adding_a_member_grants_the_case_once(joint_case, sz_officer, sz_officer2):
    services.member_add(case=joint_case, user=sz_officer2, actor=sz_officer)
    services.member_add(case=joint_case, user=sz_officer2, actor=sz_officer)  # idempotent

    assert visible_cases(sz_officer2).filter(pk=joint_case.pk).exists()
    assert timeline_kinds(joint_case).count("member_added") == 1


def test_a_removed_member_loses_the_case_at_once(joint_case, sz_officer, sz_officer2):
    services.member_add(case=joint_case, user=sz_officer2, actor=sz_officer)
    services.member_remove(case=joint_case, user=sz_officer2, actor=sz_officer)
    assert not visible_cases(sz_officer2).filter(pk=joint_case.pk).exists()
    assert not joint_case.members.filter(user=sz_officer2).exists()


def test_a_partner_leader_cannot_remove_members(joint_case, sz_officer, hz_leader):
    with nothing_changes(), pytest.raises(PermissionDenied):
        services.member_remove(case=joint_case, user=sz_officer, actor=hz_leader)


# --- parties --------------------------------------------------------------------------------------


def test_a_member_adds_a_party(joint_case, sz_officer):
    party = services.party_add(
        case=joint_case, actor=sz_officer, kind="company", name="某科技有限公司", uscc="914403001922038216"
    )
    assert joint_case.parties.get() == party
    assert joint_case.timeline.last().params == {"party": "某科技有限公司"}


@pytest.mark.parametrize("who", ["sz_auditor", "sz_officer2", "hz_officer"])
def test_people_not_working_on_the_case_cannot_add_parties(cast, joint_case, who):
    with nothing_changes(joint_case), pytest.raises(PermissionDenied):
        services.party_add(case=joint_case, actor=getattr(cast, who), kind="individual", name="张三")


def test_nobody_adds_parties_to_a_closed_case(joint_case, sz_officer):
    set_status(joint_case, Status.CLOSED)
    with nothing_changes(joint_case), pytest.raises(PermissionDenied):
        services.party_add(case=joint_case, actor=sz_officer, kind="individual", name="张三")


# --- documents ------------------------------------------------------------------------------------


def test_an_upload_is_sealed_and_stored_under_its_hash(joint_case, sz_officer, media_storage):
    content = b"\x89PNG\r\n\x1a\n" + "直播录屏截图".encode()
    sha256 = hashlib.sha256(content).hexdigest()

    document = services.document_upload(
        case=joint_case, actor=sz_officer, uploaded_file=upload("截图.png", content)
    )

    assert (document.sha256, document.size, document.content_type) == (sha256, len(content), "image/png")
    assert (document.title, document.original_name, document.uploaded_by) == (
        "截图.png",
        "截图.png",
        sz_officer,
    )
    assert document.file.name == f"documents/{sha256[:2]}/{sha256[2:4]}/{sha256}"
    assert (media_storage / document.file.name).read_bytes() == content
    assert joint_case.timeline.last().params == {"title": "截图.png", "sha256": sha256}


def test_identical_content_is_stored_once_but_sealed_twice(joint_case, sz_officer, media_storage):
    first = services.document_upload(
        case=joint_case, actor=sz_officer, uploaded_file=upload("a.txt", b"same")
    )
    second = services.document_upload(
        case=joint_case, actor=sz_officer, uploaded_file=upload("b.txt", b"same")
    )
    assert first.pk != second.pk and first.file.name == second.file.name
    assert len([p for p in media_storage.rglob("*") if p.is_file()]) == 1


@pytest.mark.parametrize(
    "given, kept",
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\证据.pdf", "证据.pdf"),
        (".htaccess", "htaccess"),
        ("a\u202egpj.exe", "agpj.exe"),
    ],
)
def test_file_names_lose_paths_hidden_dots_and_control_characters(given, kept):
    assert services.clean_file_name(given) == kept


def test_a_file_over_the_limit_is_refused_and_not_stored(joint_case, sz_officer, settings, media_storage):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1000
    with nothing_changes(joint_case), pytest.raises(WorkflowError):
        services.document_upload(case=joint_case, actor=sz_officer, uploaded_file=upload(content=b"x" * 1001))
    assert not media_storage.exists() or not any(media_storage.rglob("*"))


def test_an_auditor_cannot_upload(joint_case, sz_auditor, media_storage):
    with nothing_changes(joint_case), pytest.raises(PermissionDenied):
        services.document_upload(case=joint_case, actor=sz_auditor, uploaded_file=upload())
    assert Document.objects.count() == 0
