"""Reads of the cases app. Every list starts from the one access policy."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from portal.models import User

from .models import CaseNote, Document, JointCase, Party, TimelineEntry
from .permissions import access_case, bureau_scope, visible_cases


def case_list(user: User) -> QuerySet[JointCase]:
    return visible_cases(user).select_related("category", "lead_bureau").order_by("-updated_at", "-id")


def case_detail(user: User, case_id: int) -> JointCase:
    return access_case(
        user, case_id, visible_cases(user).select_related("category", "lead_bureau", "created_by")
    )


def documents_of_case(case: JointCase, user: User) -> QuerySet[Document]:
    return (
        case.documents.filter(bureau_scope(user)).select_related("uploaded_by").order_by("uploaded_at", "id")
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
    return documents.filter(bureau_scope(user))


def access_document(user: User, case_id: int, document_id: int) -> Document:
    """A document of a visible case, not internal to another bureau; otherwise 404."""
    case = access_case(user, case_id)
    return get_object_or_404(
        Document.objects.filter(bureau_scope(user)).select_related("case"), case=case, pk=document_id
    )


def access_party(user: User, case_id: int, party_id: int) -> Party:
    case = access_case(user, case_id)
    return get_object_or_404(Party.objects.select_related("case"), case=case, pk=party_id)
