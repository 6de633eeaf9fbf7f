"""The exchange API: a case out in the exchange format, a case in from it."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from cases.selectors import case_detail
from portal.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from portal.services import audit
from portal.web import client_ip

from .. import services
from ..exchange import ExchangeFormatError, export_case, visible_imported_case
from .serializers import ExchangeDocumentSerializer, FormatErrorSerializer, ImportResultSerializer

TAG = "exchange"


class CaseExportView(GenericAPIView):
    serializer_class = ExchangeDocumentSerializer

    @extend_schema(tags=[TAG], summary="The case in the exchange format, as the caller's bureau may see it")
    def get(self, request, pk: int):
        case = case_detail(request.user, pk)
        document = export_case(case, viewer=request.user)
        audit(
            actor=request.user, action="case.export", obj=case, case_id=case.pk, ip_address=client_ip(request)
        )
        return Response(document)


class CaseImportView(GenericAPIView):
    serializer_class = ImportResultSerializer
    parser_classes = [JSONParser]

    @extend_schema(
        tags=[TAG],
        summary="Import a case from the exchange format (idempotent; conflicts are reported, not written)",
        request=ExchangeDocumentSerializer,
        responses={
            201: ImportResultSerializer,
            200: ImportResultSerializer,
            409: ImportResultSerializer,
            400: OpenApiResponse(FormatErrorSerializer, description="The document breaks the schema"),
        },
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request):
        try:
            result = services.case_import(actor=request.user, document=request.data)
        except ExchangeFormatError as error:
            return Response({"errors": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        code = {"created": 201, "unchanged": 200, "conflict": 409}[result.outcome]
        body = {
            "outcome": result.outcome,
            "case": visible_imported_case(request.user, result),
            "external_id": request.data["case"]["external_id"],
            "differences": result.differences,
        }
        return Response(body, status=code)
