"""The assistance-request API: thin views over collaboration.permissions/selectors and services.

A request is visible exactly when its case is (404 otherwise); each transition is the same service
function the request page calls, so the same leader, assignee and state rules answer (403 / 409).
"""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from cases.api.serializers import DocumentSerializer
from cases.models import Document
from cases.permissions import can_work_on, require
from cases.selectors import case_detail, visible_documents
from portal.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from portal.models import User

from .. import permissions, selectors, services
from ..models import AssistanceRequest
from .filters import RequestFilter
from .serializers import (
    AcceptSerializer,
    AnswerSerializer,
    ApproveSerializer,
    AttachSerializer,
    ReasonSerializer,
    RequestCreateSerializer,
    RequestDetailSerializer,
    RequestSerializer,
    RequestUpdateSerializer,
)

TAG = "assistance requests"
ROWS = ("case", "requesting_bureau", "requested_bureau", "created_by", "assignee")


def request_detail_data(request, assistance_request: AssistanceRequest) -> dict:
    """The request as the caller's bureau may see it (documents internal to another bureau left out)."""
    user = request.user
    assistance_request = (
        permissions.visible_requests(user).select_related(*ROWS).get(pk=assistance_request.pk)
    )
    documents = visible_documents(user, assistance_request.documents.select_related("uploaded_by"))
    responses = assistance_request.responses.select_related("created_by").prefetch_related(
        Prefetch(
            "documents",
            queryset=visible_documents(user, Document.objects.select_related("uploaded_by")),
            to_attr="visible_documents",
        )
    )
    context = {"request": request, "documents": documents, "responses": responses}
    return RequestDetailSerializer(assistance_request, context=context).data


class RequestListView(ListAPIView):
    serializer_class = RequestSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = RequestFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AssistanceRequest.objects.none()
        return (
            permissions.visible_requests(self.request.user)
            .select_related(*ROWS)
            .order_by("-updated_at", "-id")
        )

    @extend_schema(tags=[TAG], summary="Requests of every case the caller may see")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CaseRequestListView(ListAPIView):
    serializer_class = RequestSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AssistanceRequest.objects.none()
        case = case_detail(self.request.user, self.kwargs["case_pk"])
        return selectors.requests_of_case(case, self.request.user)

    @extend_schema(tags=[TAG], summary="Requests of one case")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        summary="Draft a request to another bureau taking part in the case",
        request=RequestCreateSerializer,
        responses={201: RequestDetailSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request, case_pk: int):
        case = case_detail(request.user, case_pk)
        require(can_work_on(request.user, case))
        serializer = RequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.request_create(case=case, actor=request.user, **serializer.validated_data)
        return Response(request_detail_data(request, created), status=status.HTTP_201_CREATED)


class RequestDetailView(GenericAPIView):
    serializer_class = RequestDetailSerializer

    @extend_schema(tags=[TAG], summary="One request with its documents and answers")
    def get(self, request, pk: int):
        assistance_request = permissions.access_request(request.user, pk)
        return Response(request_detail_data(request, assistance_request))

    @extend_schema(
        tags=[TAG],
        summary="Edit a draft (requesting side)",
        request=RequestUpdateSerializer,
        responses=RequestDetailSerializer,
    )
    def patch(self, request, pk: int):
        assistance_request = permissions.access_request(request.user, pk)
        require(permissions.can_edit_draft(request.user, assistance_request))
        serializer = RequestUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.request_update(request=assistance_request, actor=request.user, **serializer.validated_data)
        return Response(request_detail_data(request, assistance_request))


class RequestAttachView(GenericAPIView):
    serializer_class = DocumentSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=[TAG],
        summary="Attach a file to a draft request (sealed as a document of the case)",
        request={"multipart/form-data": AttachSerializer},
        responses={201: DocumentSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request, pk: int):
        assistance_request = permissions.access_request(request.user, pk)
        require(permissions.can_edit_draft(request.user, assistance_request))
        serializer = AttachSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.request_attach_document(
            request=assistance_request,
            actor=request.user,
            uploaded_file=serializer.validated_data["file"],
            title=serializer.validated_data["title"],
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class RequestStepView(GenericAPIView):
    """One workflow step: the body (if any) is validated, then the service decides."""

    serializer_class = RequestDetailSerializer
    body = None  # the serializer of the step's body, if it has one

    def run(self, assistance_request, actor, data):
        raise NotImplementedError

    @idempotent
    def post(self, request, pk: int):
        assistance_request = permissions.access_request(request.user, pk)
        data = {}
        if self.body is not None:
            serializer = self.body(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        self.run(assistance_request, request.user, data)
        return Response(request_detail_data(request, assistance_request))


def _document(view, summary: str):
    def post(self, request, pk: int):  # a function of its own: the schema decorator marks the function
        return RequestStepView.post(self, request, pk)

    view.post = extend_schema(
        tags=[TAG],
        summary=summary,
        request=view.body,
        responses={200: RequestDetailSerializer, 409: OpenApiResponse(description="The step is refused now")},
        parameters=[IDEMPOTENCY_PARAMETER],
    )(post)
    return view


class RequestSubmitView(RequestStepView):
    def run(self, req, actor, data):
        services.request_submit(request=req, actor=actor)


class RequestApproveView(RequestStepView):
    body = ApproveSerializer

    def run(self, req, actor, data):
        services.request_approve(request=req, actor=actor, time_limit_days=data.get("time_limit_days"))


class RequestReturnView(RequestStepView):
    body = ReasonSerializer

    def run(self, req, actor, data):
        services.request_return(request=req, actor=actor, comment=data["reason"])


class RequestAcceptView(RequestStepView):
    body = AcceptSerializer

    def run(self, req, actor, data):
        assignee = User.objects.filter(pk=data["assignee"]).first()
        if assignee is None:
            raise serializers.ValidationError({"assignee": [_("Choose an active officer of your own team.")]})
        services.request_accept(request=req, actor=actor, assignee=assignee)


class RequestDeclineView(RequestStepView):
    body = ReasonSerializer

    def run(self, req, actor, data):
        services.request_decline(request=req, actor=actor, reason=data["reason"])


class RequestStartView(RequestStepView):
    def run(self, req, actor, data):
        services.request_start(request=req, actor=actor)


class RequestAnswerView(RequestStepView):
    body = AnswerSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def run(self, req, actor, data):
        services.request_answer(request=req, actor=actor, body=data["body"], files=data.get("files") or ())


class RequestCompleteView(RequestStepView):
    def run(self, req, actor, data):
        services.request_complete(request=req, actor=actor)


_document(RequestSubmitView, "Submit the draft to the requesting team's leaders")
_document(RequestApproveView, "Approve and send (requesting team leader); due date in working days")
_document(RequestReturnView, "Return to draft with a comment (requesting team leader)")
_document(RequestAcceptView, "Accept and assign an officer (requested team leader)")
_document(RequestDeclineView, "Decline with a reason (requested team leader)")
_document(RequestStartView, "Start work (assigned officer)")
_document(RequestAnswerView, "Answer, optionally with files (assigned officer)")
_document(RequestCompleteView, "Confirm the answer (requesting side)")
