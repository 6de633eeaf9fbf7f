"""The cases API: thin views over cases.selectors (reads) and cases.services (writes).

No rule lives here: visibility comes from the selectors (404 outside the policy), rights from the
services (403), refusals of a step from the services (WorkflowError → 409). Lists are paginated and
cost a fixed number of queries whatever the number of rows.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from cases.evidence import storage
from cases.evidence.views import attachment_response
from portal.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from portal.services import audit
from portal.web import client_ip

from .. import permissions, selectors, services
from ..filters import CaseFilter
from ..models import CaseParticipant, Document, Party, TimelineEntry
from .serializers import (
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    CaseUpdateSerializer,
    CommentSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    PartyCreateSerializer,
    PartyDetailSerializer,
    PartySerializer,
    TimelineEntrySerializer,
)

TAG = "cases"


def case_detail_data(request, case) -> dict:
    """The detail of a case for the caller: participants and what the policy lets them do."""
    case = selectors.case_detail(request.user, case.pk)
    participants = CaseParticipant.objects.filter(case=case).select_related("bureau", "team").order_by("id")
    user = request.user
    allowed = {
        "work": permissions.can_work_on(user, case),
        "manage": permissions.can_manage_case(user, case),
        "approve_closure": permissions.can_approve_closure(user, case),
    }
    context = {"request": request, "allowed": allowed, "participants": participants}
    return CaseDetailSerializer(case, context=context).data


def _fake(view) -> bool:
    """True while drf-spectacular inspects the view to write the schema (there is no real request)."""
    return getattr(view, "swagger_fake_view", False)


class CaseListView(ListAPIView):
    serializer_class = CaseSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter

    def get_queryset(self):
        return selectors.case_list(self.request.user)

    @extend_schema(tags=[TAG], summary="Cases the caller may see")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        summary="Create a draft case led by the caller's bureau",
        request=CaseCreateSerializer,
        responses={201: CaseDetailSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request):
        serializer = CaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = services.case_create(
            actor=request.user,
            title=data["title"],
            summary=data["summary"],
            category=data["category"],
            partner_teams=list(data["partner_teams"]),
        )
        return Response(case_detail_data(request, case), status=status.HTTP_201_CREATED)


class CaseDetailView(GenericAPIView):
    serializer_class = CaseDetailSerializer

    @extend_schema(tags=[TAG], summary="One case (its reading is audited)")
    def get(self, request, pk: int):
        case = selectors.case_detail(request.user, pk)
        audit(
            actor=request.user, action="case.view", obj=case, case_id=case.pk, ip_address=client_ip(request)
        )
        return Response(case_detail_data(request, case))

    @extend_schema(
        tags=[TAG],
        summary="Edit the case's description",
        request=CaseUpdateSerializer,
        responses=CaseDetailSerializer,
    )
    def patch(self, request, pk: int):
        case = selectors.case_detail(request.user, pk)
        permissions.require(permissions.can_manage_case(request.user, case))
        serializer = CaseUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = {"title": case.title, "summary": case.summary, "category": case.category}
        fields.update(serializer.validated_data)
        case = services.case_update(case=case, actor=request.user, **fields)
        return Response(case_detail_data(request, case))


class CaseStepView(GenericAPIView):
    """One step of the case workflow; the service checks the right and the state."""

    serializer_class = CaseDetailSerializer
    service = None

    @idempotent
    def post(self, request, pk: int):
        case = selectors.case_detail(request.user, pk)
        case = type(self).service(case=case, actor=request.user)
        return Response(case_detail_data(request, case))


def _step_view(service, summary: str):
    view = type(
        f"Case{service.__name__.title().replace('_', '')}View",
        (CaseStepView,),
        {"service": staticmethod(service), "__doc__": summary},
    )

    def post(self, request, pk: int):  # a function of its own: the schema decorator marks the function
        return CaseStepView.post(self, request, pk)

    view.post = extend_schema(
        tags=[TAG],
        summary=summary,
        request=None,
        responses={200: CaseDetailSerializer, 409: OpenApiResponse(description="The step is refused now")},
        parameters=[IDEMPOTENCY_PARAMETER],
    )(post)
    return view


CaseOpenView = _step_view(services.case_open, "Open the case (立案) and issue its number")
CaseInvestigateView = _step_view(services.case_start_investigation, "Start the investigation")
CaseRequestClosureView = _step_view(services.case_request_closure, "Ask the lead team's leaders to close")
CaseApproveClosureView = _step_view(services.case_approve_closure, "Approve the closure (lead team leader)")


class CaseRefuseClosureView(GenericAPIView):
    serializer_class = CommentSerializer

    @extend_schema(
        tags=[TAG],
        summary="Refuse the closure, with a reason (lead team leader)",
        request=CommentSerializer,
        responses={200: CaseDetailSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request, pk: int):
        case = selectors.case_detail(request.user, pk)
        serializer = CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = services.case_refuse_closure(
            case=case, actor=request.user, comment=serializer.validated_data["comment"]
        )
        return Response(case_detail_data(request, case))


class PartyListView(ListAPIView):
    serializer_class = PartySerializer

    def get_queryset(self):
        if _fake(self):
            return Party.objects.none()
        case = selectors.case_detail(self.request.user, self.kwargs["pk"])
        return case.parties.order_by("added_at", "id")

    @extend_schema(tags=[TAG], summary="Parties of a case (identity numbers masked)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        summary="Add a party (codes are validated: 400 with field errors)",
        request=PartyCreateSerializer,
        responses={201: PartyDetailSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request, pk: int):
        case = selectors.case_detail(request.user, pk)
        permissions.require(permissions.can_work_on(request.user, case))
        serializer = PartyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        party = services.party_add(case=case, actor=request.user, **serializer.validated_data)
        return Response(PartyDetailSerializer(party).data, status=status.HTTP_201_CREATED)


class PartyDetailView(GenericAPIView):
    serializer_class = PartyDetailSerializer

    @extend_schema(tags=[TAG], summary="One party with the full identity number (audited)")
    def get(self, request, pk: int, party_pk: int):
        party = selectors.access_party(request.user, pk, party_pk)
        if party.id_number:
            audit(
                actor=request.user,
                action="party.view_identity",
                obj=party,
                case_id=party.case_id,
                ip_address=client_ip(request),
            )
        return Response(PartyDetailSerializer(party).data)


class DocumentListView(ListAPIView):
    serializer_class = DocumentSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if _fake(self):
            return Document.objects.none()
        case = selectors.case_detail(self.request.user, self.kwargs["pk"])
        return selectors.documents_of_case(case, self.request.user)

    @extend_schema(tags=[TAG], summary="Documents of a case the caller's bureau may see")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        summary="Upload a file: it is hashed while it streams in and sealed like in the browser",
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request, pk: int):
        case = selectors.case_detail(request.user, pk)
        permissions.require(permissions.can_work_on(request.user, case))
        serializer = DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = services.document_upload(
            case=case,
            actor=request.user,
            uploaded_file=data["file"],
            title=data["title"],
            internal=data["internal"],
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDetailView(GenericAPIView):
    serializer_class = DocumentSerializer

    @extend_schema(tags=[TAG], summary="A document's seal")
    def get(self, request, pk: int, document_pk: int):
        document = selectors.access_document(request.user, pk, document_pk)
        return Response(DocumentSerializer(document).data)


class DocumentDownloadView(GenericAPIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=[TAG],
        summary="Download the sealed bytes (always an attachment; audited)",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk: int, document_pk: int):
        document = selectors.access_document(request.user, pk, document_pk)
        try:
            stream = storage.open_blob(document.file.name)
        except FileNotFoundError:
            raise Http404(
                _("The stored file of this document is missing; the administrators are alerted.")
            ) from None
        return attachment_response(request, document, stream)


class TimelineView(ListAPIView):
    serializer_class = TimelineEntrySerializer

    def get_queryset(self):
        if _fake(self):
            return TimelineEntry.objects.none()
        case = selectors.case_detail(self.request.user, self.kwargs["pk"])
        return selectors.timeline_of_case(case, self.request.user)

    @extend_schema(tags=[TAG], summary="The case's 办理记录, oldest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
