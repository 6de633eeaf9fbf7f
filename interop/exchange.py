"""The case exchange format, version 1 (docs/exchange/case-v1.schema.json).

A case travels as one JSON document: the case with its participating bureaus, its parties, its assistance
requests with their answers, its timeline and its evidence manifest (the seal of each file: SHA-256,
size, type, uploader, time; never the bytes). Bureaus, teams and categories are named by their codes
and names, people by their display names, so the document means the same in any system.

Export shows what the exporting bureau may see: items internal to another bureau are left out (the one
policy, cases.permissions.bureau_scope), the exporter's own internal items are marked `internal_to`.

Import is idempotent: the case's `exchange_id` (a UUID drawn at its first export) finds a case imported
before; the same content changes nothing, different content is reported as a conflict and not written.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.models import CaseMember, CaseParticipant, Category, Document, JointCase, Party, TimelineEntry
from cases.permissions import bureau_scope, document_scope, visible_cases
from cases.timeline import MESSAGES as TIMELINE_MESSAGES
from collaboration.models import AssistanceRequest, Response
from collaboration.permissions import visible_requests
from portal.exceptions import WorkflowError
from portal.models import Bureau, Team, User
from portal.services import audit

from . import permissions
from .models import CaseExchange, ExternalEvidence

FORMAT = "jep-case-exchange"
VERSION = 1
SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "exchange" / "case-v1.schema.json"
SECTIONS = ("case", "parties", "requests", "timeline", "evidence")
PARTY_FIELDS = ("kind", "name", "uscc", "id_number", "platform", "platform_account_id", "address", "notes")


class ExchangeFormatError(ValidationError):
    """The document does not follow the exchange schema; `messages` names each problem and where."""


@dataclass
class ImportResult:
    outcome: str  # "created", "unchanged" or "conflict"
    case: JointCase
    differences: list[str] = field(default_factory=list)


# --- export -------------------------------------------------------------------------------------


def _dt(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _exchange_of(case: JointCase) -> CaseExchange:
    exchange = CaseExchange.objects.filter(case=case).first()
    if exchange is None:
        CaseExchange.objects.bulk_create([CaseExchange(case=case)], ignore_conflicts=True)
        exchange = CaseExchange.objects.get(case=case)
    return exchange


def export_case(case: JointCase, *, viewer: User) -> dict:
    """The case as `viewer` may see it, in the exchange format: the same policy as the pages (items internal
    to another bureau and the other side's drafts left out). The caller has checked that the viewer may
    see the case."""
    scope = bureau_scope(viewer)
    case = JointCase.objects.select_related("category", "lead_bureau").get(pk=case.pk)
    exchange = _exchange_of(case)
    codes = dict(Bureau.objects.values_list("pk", "code"))
    participants = CaseParticipant.objects.filter(case=case).select_related("bureau", "team")
    documents = list(case.documents.filter(document_scope(viewer)).select_related("uploaded_by"))
    external = list(ExternalEvidence.objects.filter(case=case).filter(scope))
    evidence = [
        {
            "sha256": d.sha256,
            "size": d.size,
            "title": d.title,
            "original_name": d.original_name,
            "content_type": d.content_type,
            "uploaded_by": str(d.uploaded_by),
            "uploaded_at": _dt(d.uploaded_at),
            "internal_to": codes.get(d.internal_bureau_id),
        }
        for d in documents
    ] + [
        {
            "sha256": e.sha256,
            "size": e.size,
            "title": e.title,
            "original_name": e.original_name,
            "content_type": e.content_type,
            "uploaded_by": e.uploaded_by_name,
            "uploaded_at": _dt(e.uploaded_at),
            "internal_to": codes.get(e.internal_bureau_id),
        }
        for e in external
    ]
    evidence.sort(key=lambda item: (item["uploaded_at"], item["sha256"], item["original_name"]))
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _dt(timezone.now()),
        "exported_by_bureau": codes.get(viewer.bureau_id),
        "case": {
            "exchange_id": str(exchange.exchange_id),
            "external_id": exchange.external_id
            or f"{case.lead_bureau.code}/{case.number or '-'}/{exchange.exchange_id}",
            "number": case.number,
            "title": case.title,
            "summary": case.summary,
            "category": case.category.code,
            "status": case.status,
            "lead_bureau": case.lead_bureau.code,
            "created_at": _dt(case.created_at),
            "opened_at": _dt(case.opened_at),
            "closed_at": _dt(case.closed_at),
            "participants": sorted(
                ({"bureau": p.bureau.code, "team": p.team.name_zh} for p in participants),
                key=lambda p: p["bureau"],
            ),
        },
        "parties": [
            {name: getattr(party, name) for name in PARTY_FIELDS}
            for party in case.parties.order_by("added_at", "id")
        ],
        "requests": _export_requests(case, viewer, scope, codes),
        "timeline": [
            {
                "kind": entry.kind,
                "actor": entry.params.get("actor") or (str(entry.actor) if entry.actor_id else ""),
                "params": {key: value for key, value in entry.params.items() if key != "actor"},
                "created_at": _dt(entry.created_at),
                "internal_to": codes.get(entry.internal_bureau_id),
            }
            for entry in case.timeline.filter(scope).select_related("actor").order_by("created_at", "id")
        ],
        "evidence": evidence,
    }


def _export_requests(case: JointCase, viewer: User, scope, codes: dict) -> list[dict]:
    visible_docs = Document.objects.filter(document_scope(viewer))
    visible_external = ExternalEvidence.objects.filter(scope)
    requests = visible_requests(viewer).filter(case=case).order_by("created_at", "id")
    request_docs = _hashes(visible_docs, "assistance_requests", requests)
    request_external = _hashes(visible_external, "requests", requests)
    responses = Response.objects.filter(request__case=case).order_by("created_at", "id")
    response_docs = _hashes(visible_docs, "responses", responses)
    response_external = _hashes(visible_external, "responses", responses)
    answers: dict[int, list] = {}
    for response in responses:
        answers.setdefault(response.request_id, []).append(
            {
                "body": response.body,
                "created_at": _dt(response.created_at),
                "documents": sorted(
                    response_docs.get(response.pk, []) + response_external.get(response.pk, [])
                ),
            }
        )
    return [
        {
            "request_type": r.request_type,
            "title": r.title,
            "items": r.items,
            "requesting_bureau": codes[r.requesting_bureau_id],
            "requested_bureau": codes[r.requested_bureau_id],
            "time_limit_days": r.time_limit_days,
            "status": r.status,
            "created_at": _dt(r.created_at),
            "submitted_at": _dt(r.submitted_at),
            "sent_at": _dt(r.sent_at),
            "due_date": _date(r.due_date),
            "answered_at": _dt(r.answered_at),
            "completed_at": _dt(r.completed_at),
            "return_comment": r.return_comment,
            "decline_reason": r.decline_reason,
            "documents": sorted(request_docs.get(r.pk, []) + request_external.get(r.pk, [])),
            "responses": answers.get(r.pk, []),
        }
        for r in requests
    ]


def _hashes(items, relation: str, owners) -> dict[int, list[str]]:
    """{owner pk: [sha256, …]} of the visible items linked to the owners through `relation`."""
    found: dict[int, list[str]] = {}
    rows = items.filter(**{f"{relation}__in": owners}).values_list(f"{relation}__pk", "sha256")
    for owner_pk, sha256 in rows:
        found.setdefault(owner_pk, []).append(sha256)
    return found


# --- validation and hashing ---------------------------------------------------------------------


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate_document(document) -> None:
    """Raise ExchangeFormatError naming every place where the document breaks the JSON Schema."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    problems = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    if problems:
        raise ExchangeFormatError(
            [
                f"{'/'.join(str(p) for p in error.absolute_path) or '(document)'}: {error.message}"
                for error in problems[:20]
            ]
        )


def _canonical_hash(value) -> str:
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def section_hashes(document: dict) -> dict[str, str]:
    return {name: _canonical_hash(document[name]) for name in SECTIONS}


# --- import -------------------------------------------------------------------------------------


def import_case(*, document, actor: User) -> ImportResult:
    """Import a case from an exchange document; see the module docstring.

    Checks the document against the schema (ExchangeFormatError, a ValidationError), the importer's right
    (PermissionDenied: an officer or leader of a team, or an administrator, of a participating bureau) and
    the names it uses (WorkflowError: an unknown bureau, team or category). The case is created with the
    same grants as a case created in the portal (participating teams' leaders; the importer when on a
    participating team); parties are validated like any other (ValidationError). Safe under concurrent
    imports of the same document: the unique exchange id lets one create, the other finds it.
    """
    validate_document(document)
    bureaus = _bureaus(document)
    if not permissions.can_import_case(
        actor, {bureaus[p["bureau"]].pk for p in document["case"]["participants"]}
    ):
        raise PermissionDenied(_("You can import only cases your bureau takes part in."))
    exchange_id = uuid.UUID(document["case"]["exchange_id"])
    hashes = section_hashes(document)
    existing = CaseExchange.objects.filter(exchange_id=exchange_id).select_related("case").first()
    if existing is not None:
        return _compare(existing, hashes, actor)
    try:
        with transaction.atomic():
            case = _create(document, actor, bureaus)
            CaseExchange.objects.create(
                case=case,
                exchange_id=exchange_id,
                external_id=document["case"]["external_id"],
                imported=True,
                imported_by=actor,
                content_hash=_canonical_hash(hashes),
                section_hashes=hashes,
            )
            audit(
                actor=actor,
                action="case.import",
                obj=case,
                case_id=case.pk,
                detail={"external_id": document["case"]["external_id"], "exchange_id": str(exchange_id)},
            )
    except IntegrityError:
        existing = CaseExchange.objects.filter(exchange_id=exchange_id).select_related("case").first()
        if existing is None:
            raise
        return _compare(existing, hashes, actor)
    return ImportResult("created", case)


def _compare(existing: CaseExchange, hashes: dict, actor: User) -> ImportResult:
    if existing.imported:
        stored = existing.section_hashes
    else:  # a case of this portal coming back: compare with what the importer's bureau would export
        stored = section_hashes(export_case(existing.case, viewer=actor))
    differences = [name for name in SECTIONS if stored.get(name) != hashes[name]]
    return ImportResult("conflict" if differences else "unchanged", existing.case, differences)


def _bureaus(document: dict) -> dict[str, Bureau]:
    case = document["case"]
    codes = {case["lead_bureau"], *(p["bureau"] for p in case["participants"])}
    for request in document["requests"]:
        codes |= {request["requesting_bureau"], request["requested_bureau"]}
    codes |= {
        item["internal_to"] for item in document["timeline"] + document["evidence"] if item.get("internal_to")
    }
    found = {bureau.code: bureau for bureau in Bureau.objects.filter(code__in=codes)}
    if missing := sorted(codes - set(found)):
        raise WorkflowError(_("Unknown bureau: %(codes)s.") % {"codes": ", ".join(missing)})
    return found


def _parse_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _create(document: dict, actor: User, bureaus: dict[str, Bureau]) -> JointCase:
    data = document["case"]
    category = Category.objects.filter(code=data["category"]).first()
    if category is None:
        raise WorkflowError(_("Unknown category: %(code)s.") % {"code": data["category"]})
    teams: dict[str, Team] = {}
    for participant in data["participants"]:
        team = Team.objects.filter(bureau=bureaus[participant["bureau"]], name_zh=participant["team"]).first()
        if team is None:
            raise WorkflowError(
                _("Unknown team %(team)s of %(bureau)s.")
                % {"team": participant["team"], "bureau": participant["bureau"]}
            )
        teams[participant["bureau"]] = team
    if data["lead_bureau"] not in teams:
        raise WorkflowError(_("The lead bureau must take part in the case."))

    case = JointCase.objects.create(
        number=data["number"],
        title=data["title"],
        summary=data["summary"],
        category=category,
        lead_bureau=bureaus[data["lead_bureau"]],
        status=data["status"],
        created_by=actor,
        opened_at=_parse_dt(data["opened_at"]),
        closed_at=_parse_dt(data["closed_at"]),
    )
    JointCase.objects.filter(pk=case.pk).update(created_at=_parse_dt(data["created_at"]))
    for code, team in teams.items():
        CaseParticipant.objects.create(case=case, bureau=bureaus[code], team=team)
        case_services.grant_view(case, team=team)
    if actor.team_id in {team.pk for team in teams.values()}:
        CaseMember.objects.create(case=case, user=actor, added_by=actor)
        case_services.grant_view(case, user=actor)

    for fields in document["parties"]:
        party = Party(case=case, added_by=actor, **{name: fields.get(name, "") for name in PARTY_FIELDS})
        party.full_clean()
        party.save()

    evidence: dict[str, list[ExternalEvidence]] = {}
    for item in document["evidence"]:
        row = ExternalEvidence.objects.create(
            case=case,
            sha256=item["sha256"],
            size=item["size"],
            title=item["title"],
            original_name=item["original_name"],
            content_type=item["content_type"],
            uploaded_by_name=item["uploaded_by"],
            uploaded_at=_parse_dt(item["uploaded_at"]),
            internal_bureau=bureaus.get(item.get("internal_to") or ""),
        )
        evidence.setdefault(item["sha256"], []).append(row)

    def linked(hashes: list[str]) -> list[ExternalEvidence]:
        return [row for sha256 in hashes for row in evidence.get(sha256, [])[:1]]

    for item in document["requests"]:
        request = AssistanceRequest.objects.create(
            case=case,
            request_type=item["request_type"],
            title=item["title"],
            items=item["items"],
            requesting_bureau=bureaus[item["requesting_bureau"]],
            requesting_team=_team_of(teams, item["requesting_bureau"]),
            requested_bureau=bureaus[item["requested_bureau"]],
            requested_team=_team_of(teams, item["requested_bureau"]),
            time_limit_days=item["time_limit_days"],
            status=item["status"],
            created_by=actor,
            submitted_at=_parse_dt(item["submitted_at"]),
            sent_at=_parse_dt(item["sent_at"]),
            due_date=date.fromisoformat(item["due_date"]) if item["due_date"] else None,
            answered_at=_parse_dt(item["answered_at"]),
            completed_at=_parse_dt(item["completed_at"]),
            return_comment=item["return_comment"],
            decline_reason=item["decline_reason"],
        )
        AssistanceRequest.objects.filter(pk=request.pk).update(created_at=_parse_dt(item["created_at"]))
        request.external_evidence.add(*linked(item["documents"]))
        for answer in item["responses"]:
            response = Response.objects.create(request=request, body=answer["body"], created_by=actor)
            Response.objects.filter(pk=response.pk).update(created_at=_parse_dt(answer["created_at"]))
            response.external_evidence.add(*linked(answer["documents"]))

    unknown = sorted({item["kind"] for item in document["timeline"]} - set(TIMELINE_MESSAGES))
    if unknown:
        raise WorkflowError(_("Unknown timeline entry kind: %(kinds)s.") % {"kinds": ", ".join(unknown)})
    entries = TimelineEntry.objects.bulk_create(
        TimelineEntry(
            case=case,
            actor=None,
            kind=item["kind"],
            params={**item["params"], **({"actor": item["actor"]} if item["actor"] else {})},
            internal_bureau=bureaus.get(item.get("internal_to") or ""),
        )
        for item in document["timeline"]
    )
    for entry, item in zip(entries, document["timeline"], strict=True):
        entry.created_at = _parse_dt(item["created_at"])
    TimelineEntry.objects.bulk_update(entries, ["created_at"])
    return case


def _team_of(teams: dict[str, Team], code: str) -> Team:
    if code not in teams:
        raise WorkflowError(_("Requests can only be between bureaus taking part in the case."))
    return teams[code]


def visible_imported_case(user: User, result: ImportResult) -> int | None:
    """The case's id when the importer may see it (a conflict must not reveal a case otherwise)."""
    return result.case.pk if visible_cases(user).filter(pk=result.case.pk).exists() else None
