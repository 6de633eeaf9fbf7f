"""API views of the shared platform: who am I, notifications, the schema and its documentation."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from portal import services
from portal.models import Notification

from .serializers import MarkReadSerializer, MeSerializer, NotificationSerializer

TAG = "platform"


class MeView(GenericAPIView):
    serializer_class = MeSerializer

    @extend_schema(tags=[TAG], summary="The account the call acts as (and the client, for a token)")
    def get(self, request):
        return Response(MeSerializer(request.user, context={"client": request.auth}).data)


class NotificationListView(ListAPIView):
    serializer_class = NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        queryset = Notification.objects.filter(recipient=self.request.user).order_by("-created_at", "-id")
        if self.request.query_params.get("unread") in ("1", "true"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(
        tags=[TAG],
        summary="The caller's notifications, newest first",
        parameters=[OpenApiParameter("unread", bool, description="Only unread notifications")],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationReadView(GenericAPIView):
    serializer_class = MarkReadSerializer

    @extend_schema(tags=[TAG], summary="Mark one notification read", request=None)
    def post(self, request, pk: int):
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        return Response(
            {"marked": services.mark_notifications_read(user=request.user, ids=[notification.pk])}
        )


class NotificationReadAllView(GenericAPIView):
    serializer_class = MarkReadSerializer

    @extend_schema(tags=[TAG], summary="Mark every notification read", request=None)
    def post(self, request):
        return Response({"marked": services.mark_notifications_read(user=request.user)})


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, public like the documentation (it describes the API, it holds no data): no
    credentials are read, so a revoked token does not stop a system from reading the schema."""

    authentication_classes = []
    permission_classes = [AllowAny]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from local static files; its init script is a URL of its own (CSP: no inline script)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    url_name = "api:schema"
    template_name = "portal/api_docs.html"
