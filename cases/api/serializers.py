"""What the API shows of cases and writes into them. Reads only; every write goes through cases.services."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.models import Bureau, Team

from ..models import Category, Document, JointCase, Party, TimelineEntry


class BureauRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Bureau
        fields = ["id", "code", "name"]


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name"]


class CaseSerializer(serializers.ModelSerializer):
    """A row of the case list."""

    category = CategoryRefSerializer(read_only=True)
    lead_bureau = BureauRefSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = JointCase
        fields = [
            "id",
            "number",
            "title",
            "status",
            "status_display",
            "category",
            "lead_bureau",
            "created_at",
            "updated_at",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = fields


class ParticipantSerializer(serializers.Serializer):
    bureau = BureauRefSerializer(read_only=True)
    team_id = serializers.IntegerField(read_only=True)
    team = serializers.CharField(source="team.name", read_only=True)


class CaseDetailSerializer(CaseSerializer):
    """The case with its summary, participating bureaus and what the caller may do with it."""

    participants = serializers.SerializerMethodField()
    allowed = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "summary", "participants", "allowed"]
        read_only_fields = fields

    @extend_schema_field(ParticipantSerializer(many=True))
    def get_participants(self, case) -> list:
        return ParticipantSerializer(self.context.get("participants", []), many=True).data

    def get_allowed(self, case) -> dict[str, bool]:
        return self.context.get("allowed", {})


class CaseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField()
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(is_active=True)
    )
    partner_teams = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Team.objects.filter(bureau__is_active=True), allow_empty=False
    )


class CaseUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(required=False)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(is_active=True), required=False
    )


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField()


class PartySerializer(serializers.ModelSerializer):
    """A party as lists show it: an individual's identity number masked."""

    id_number = serializers.CharField(source="masked_id_number", read_only=True)

    class Meta:
        model = Party
        fields = [
            "id",
            "kind",
            "name",
            "uscc",
            "id_number",
            "platform",
            "platform_account_id",
            "address",
            "notes",
            "added_at",
        ]
        read_only_fields = fields


class PartyDetailSerializer(PartySerializer):
    """The one place that shows the full identity number; every read of it is audited."""

    id_number = serializers.CharField(read_only=True)


class PartyCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Party.Kind.choices)
    name = serializers.CharField(max_length=200)
    uscc = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    platform = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    platform_account_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class DocumentSerializer(serializers.ModelSerializer):
    """A sealed document: its seal (hash, size, uploader, server time) and where to download it."""

    uploaded_by = serializers.CharField(source="uploaded_by.__str__", read_only=True)
    internal = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "original_name",
            "sha256",
            "size",
            "content_type",
            "uploaded_by",
            "uploaded_at",
            "internal",
            "download_url",
        ]
        read_only_fields = fields

    def get_internal(self, document) -> bool:
        return document.internal_bureau_id is not None

    def get_download_url(self, document) -> str:
        return reverse("api:document-download", args=[document.case_id, document.pk])


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    internal = serializers.BooleanField(required=False, default=False)


class TimelineEntrySerializer(serializers.ModelSerializer):
    message = serializers.CharField(read_only=True)
    actor = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = ["id", "kind", "message", "actor", "created_at"]
        read_only_fields = fields

    def get_actor(self, entry) -> str:
        return entry.params.get("actor") or (str(entry.actor) if entry.actor_id else "")
