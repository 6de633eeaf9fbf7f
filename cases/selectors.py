"""Reads of the cases app. Every list starts from the one access policy."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from portal.models import User

from .models import Document, JointCase, TimelineEntry
from .permissions import access_case, visible_cases


def case_list(user: User) -> QuerySet[JointCase]:
    return visible_cases(user).select_related("category", "lead_bureau").order_by("-updated_at", "-id")


def case_detail(user: User, case_id: int) -> JointCase:
    return access_case(
        user, case_id, visible_cases(user).select_related("category", "lead_bureau", "created_by")
    )


def documents_of_case(case: JointCase) -> QuerySet[Document]:
    return case.documents.select_related("uploaded_by").order_by("uploaded_at", "id")


def timeline_of_case(case: JointCase) -> QuerySet[TimelineEntry]:
    return case.timeline.select_related("actor").order_by("created_at", "id")


def access_document(user: User, case_id: int, document_id: int) -> Document:
    case = access_case(user, case_id)
    return get_object_or_404(Document.objects.select_related("case"), case=case, pk=document_id)
