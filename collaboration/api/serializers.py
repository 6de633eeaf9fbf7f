"""What the API shows of assistance requests. Writes go through collaboration.services."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.api.serializers import BureauRefSerializer, DocumentSerializer
from portal.models import Bureau, User

from ..models import AssistanceRequest, RequestType, Response


class PersonRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name"]
        read_only_fields = fields


class RequestSerializer(serializers.ModelSerializer):
    """A row of a request list."""

    case_number = serializers.CharField(source="case.number", read_only=True)
    requesting_bureau = BureauRefSerializer(read_only=True)
    requested_bureau = BureauRefSerializer(read_only=True)
    created_by = PersonRefSerializer(read_only=True)
    assignee = PersonRefSerializer(read_only=True, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = AssistanceRequest
        fields = [
            "id",
            "case",
            "case_number",
            "request_type",
            "title",
            "status",
            "status_display",
            "requesting_bureau",
            "requested_bureau",
            "requesting_team",
            "requested_team",
            "time_limit_days",
            "created_by",
            "assignee",
            "created_at",
            "updated_at",
            "submitted_at",
            "sent_at",
            "due_date",
            "answered_at",
            "completed_at",
        ]
        read_only_fields = fields


class ResponseSerializer(serializers.ModelSerializer):
    created_by = PersonRefSerializer(read_only=True)
    documents = serializers.SerializerMethodField()

    class Meta:
        model = Response
        fields = ["id", "body", "created_by", "created_at", "documents"]
        read_only_fields = fields

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, response) -> list:
        return DocumentSerializer(response.visible_documents, many=True).data


class RequestDetailSerializer(RequestSerializer):
    """The request with its items, the leaders' comments, its documents and answers (as the caller's bureau
    may see them)."""

    documents = serializers.SerializerMethodField()
    responses = serializers.SerializerMethodField()

    class Meta(RequestSerializer.Meta):
        fields = [
            *RequestSerializer.Meta.fields,
            "items",
            "return_comment",
            "decline_reason",
            "documents",
            "responses",
        ]
        read_only_fields = fields

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, request) -> list:
        return DocumentSerializer(self.context.get("documents", []), many=True).data

    @extend_schema_field(ResponseSerializer(many=True))
    def get_responses(self, request) -> list:
        return ResponseSerializer(self.context.get("responses", []), many=True).data


class RequestCreateSerializer(serializers.Serializer):
    requested_bureau = serializers.SlugRelatedField(slug_field="code", queryset=Bureau.objects.all())
    request_type = serializers.ChoiceField(choices=RequestType.choices)
    title = serializers.CharField(max_length=200)
    items = serializers.CharField()
    time_limit_days = serializers.IntegerField(min_value=1, max_value=90, required=False)


class RequestUpdateSerializer(serializers.Serializer):
    request_type = serializers.ChoiceField(choices=RequestType.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    items = serializers.CharField(required=False)
    time_limit_days = serializers.IntegerField(min_value=1, max_value=90, required=False)


class ApproveSerializer(serializers.Serializer):
    time_limit_days = serializers.IntegerField(min_value=1, max_value=90, required=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class AcceptSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(help_text="The id of an active officer of the requested team.")


class AnswerSerializer(serializers.Serializer):
    body = serializers.CharField()
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class AttachSerializer(serializers.Serializer):
    file = serializers.FileField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
