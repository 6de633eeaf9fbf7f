"""Reads of the cases app. Every list starts from the one access policy."""

from datetime import datetime

from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404

from portal.models import User

from .models import CaseNote, CaseParticipant, Document, EvidencePackage, JointCase, Party, TimelineEntry
from .permissions import access_case, bureau_scope, document_scope, visible_cases


def case_list(user: User) -> QuerySet[JointCase]:
    return visible_cases(user).select_related("category", "lead_bureau").order_by("-updated_at", "-id")


def case_detail(user: User, case_id: int) -> JointCase:
    return access_case(
        user, case_id, visible_cases(user).select_related("category", "lead_bureau", "created_by")
    )


def documents_of_case(case: JointCase, user: User) -> QuerySet[Document]:
    """The case's documents the user's bureau may see, oldest first, with what the list shows of each."""
    return (
        case.documents.filter(document_scope(user))
        .select_related("uploaded_by", "superseded_by")
        .order_by("uploaded_at", "id")
    )


def timeline_of_case(case: JointCase, user: User) -> QuerySet[TimelineEntry]:
    return case.timeline.filter(bureau_scope(user)).select_related("actor").order_by("created_at", "id")


def notes_of_case(case: JointCase, user: User) -> QuerySet[CaseNote]:
    return (
        case.notes.filter(bureau_scope(user))
        .select_related("author", "internal_bureau")
        .order_by("created_at", "id")
    )


def visible_documents(user: User, documents: QuerySet[Document]) -> QuerySet[Document]:
    """Narrow any document queryset (a request's, a response's) to what the user's bureau may see."""
    return documents.filter(document_scope(user)).select_related("superseded_by")


def access_document(user: User, case_id: int, document_id: int) -> Document:
    """A document of a visible case, not internal to another bureau; otherwise 404."""
    case = access_case(user, case_id)
    return get_object_or_404(
        Document.objects.filter(document_scope(user)).select_related(
            "case", "uploaded_by", "withdrawn_by", "supersedes", "superseded_by", "internal_bureau"
        ),
        case=case,
        pk=document_id,
    )


def versions_of(document: Document, user: User) -> QuerySet[Document]:
    """Every version of the document's evidence, first to last (one query, through `first_version`)."""
    lineage = document.lineage_id
    return (
        Document.objects.filter(Q(pk=lineage) | Q(first_version_id=lineage))
        .filter(document_scope(user))
        .select_related("uploaded_by")
        .order_by("version", "id")
    )


def earlier_copies(document: Document, user: User) -> QuerySet[Document]:
    """Other documents of the same case with the same content, among those the user may see."""
    return (
        Document.objects.filter(document_scope(user), case_id=document.case_id, sha256=document.sha256)
        .exclude(pk=document.pk)
        .order_by("uploaded_at", "id")
    )


def documents_for_package(case: JointCase, user: User, ids: list[int] | None = None) -> list[Document]:
    """The documents a package of the case may hold for this user: visible ones, all or those chosen."""
    documents = documents_of_case(case, user).select_related("withdrawn_by", "internal_bureau", "supersedes")
    if ids is not None:
        documents = documents.filter(pk__in=ids)
    return list(documents)


def version_chains(documents: list[Document], user: User) -> dict[int, list[dict]]:
    """For each document, its versions from the first up to itself: [{version, id, sha256}, …]. One query."""
    lineages = {document.lineage_id for document in documents}
    rows = (
        Document.objects.filter(Q(pk__in=lineages) | Q(first_version_id__in=lineages))
        .filter(document_scope(user))
        .order_by("version", "id")
        .values("id", "version", "sha256", "first_version_id")
    )
    by_lineage: dict[int, list[dict]] = {}
    for row in rows:
        link = {"version": row["version"], "id": row["id"], "sha256": row["sha256"]}
        by_lineage.setdefault(row["first_version_id"] or row["id"], []).append(link)
    return {
        document.pk: [
            link for link in by_lineage.get(document.lineage_id, []) if link["version"] <= document.version
        ]
        for document in documents
    }


def visible_packages(user: User) -> QuerySet[EvidencePackage]:
    """Packages whose every document the user may see (so a package never reveals a hidden document)."""
    hidden = Document.objects.exclude(document_scope(user))
    return EvidencePackage.objects.filter(bureau_scope(user)).exclude(documents__in=hidden)


def packages_of_case(case: JointCase, user: User) -> QuerySet[EvidencePackage]:
    return (
        visible_packages(user).filter(case=case).select_related("created_by").order_by("-created_at", "-id")
    )


def access_package(user: User, case_id: int, package_id: int) -> EvidencePackage:
    """A package of a visible case holding only documents the user may see; otherwise 404."""
    case = access_case(user, case_id)
    return get_object_or_404(
        visible_packages(user).filter(case=case).select_related("case", "created_by"), pk=package_id
    )


def hidden_from_partners(case: JointCase, actor: User, documents: list[Document]) -> bool:
    """Whether some of these documents are out of sight of another bureau of the case (internal to the
    actor's bureau, or attached to a request not sent yet): a package of them stays within the bureau."""
    ids = [document.pk for document in documents]
    for bureau_id in case.participants.exclude(bureau_id=actor.bureau_id).values_list("bureau_id", flat=True):
        partner = User(bureau_id=bureau_id)  # the policy asked about the bureau, not a person
        if Document.objects.filter(pk__in=ids).exclude(document_scope(partner)).exists():
            return True
    return False


def package_documents(package: EvidencePackage) -> dict[int, Document]:
    """The sealed documents of a package by id (the package was reached through `access_package`)."""
    documents = Document.objects.filter(pk__in=package.documents.values("pk")).select_related(
        "uploaded_by", "superseded_by"
    )
    return {document.pk: document for document in documents}


class VisibleSeals:
    """The seal book of the verification page: only what the user may see, so verification never confirms
    or names anything internal to another bureau or outside the user's cases."""

    def __init__(self, user: User):
        self.user = user
        self.cases = visible_cases(user).values("pk")

    def package_with_manifest(self, sha256: str) -> EvidencePackage | None:
        return self._packages().filter(manifest_sha256=sha256).first()

    def package(self, package_id: int) -> EvidencePackage | None:
        return self._packages().filter(pk=package_id).first()

    def documents(self, ids: list[int]) -> dict[int, Document]:
        return {document.pk: document for document in self._documents().filter(pk__in=ids)}

    def documents_with_hash(self, sha256: str) -> list[Document]:
        return list(self._documents().filter(sha256=sha256).select_related("case", "uploaded_by")[:50])

    def _packages(self) -> QuerySet[EvidencePackage]:
        return visible_packages(self.user).filter(case__in=self.cases).select_related("case", "created_by")

    def _documents(self) -> QuerySet[Document]:
        return Document.objects.filter(document_scope(self.user), case__in=self.cases).order_by(
            "uploaded_at", "id"
        )


class AllSeals(VisibleSeals):
    """Every seal, for the server-side command `verify_package` run by an operator."""

    def __init__(self):
        self.user = None

    def _packages(self) -> QuerySet[EvidencePackage]:
        return EvidencePackage.objects.select_related("case", "created_by")

    def _documents(self) -> QuerySet[Document]:
        return Document.objects.order_by("uploaded_at", "id")


def documents_due_for_check(*, checked_before: datetime, limit: int) -> list[dict]:
    """The integrity sweep's next batch: documents never checked, then those checked longest ago.

    Two index range scans on (integrity_checked_at, id), so the cost does not grow with the table.
    """
    fields = ("id", "file", "sha256", "size", "integrity")
    never = list(
        Document.objects.filter(integrity_checked_at__isnull=True).order_by("id").values(*fields)[:limit]
    )
    if len(never) == limit:
        return never
    stale = (
        Document.objects.filter(integrity_checked_at__lt=checked_before)
        .order_by("integrity_checked_at", "id")
        .values(*fields)[: limit - len(never)]
    )
    return never + list(stale)


def access_party(user: User, case_id: int, party_id: int) -> Party:
    case = access_case(user, case_id)
    return get_object_or_404(Party.objects.select_related("case"), case=case, pk=party_id)


def closures_awaiting_my_approval(user: User) -> QuerySet[JointCase]:
    """Cases whose closure waits for this leader: the leader of the lead bureau's team on the case."""
    if user.role != User.Role.LEADER or not user.team_id:
        return JointCase.objects.none()
    lead_team_cases = CaseParticipant.objects.filter(
        team_id=user.team_id, bureau_id=F("case__lead_bureau_id")
    )
    return (
        visible_cases(user)
        .filter(status=JointCase.Status.CLOSURE_PENDING, id__in=lead_team_cases.values("case_id"))
        .select_related("category", "lead_bureau")
        .order_by("updated_at", "id")
    )
