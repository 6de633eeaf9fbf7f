from rest_framework import serializers

from portal.models import ApiClient, Notification, User


class NotificationSerializer(serializers.ModelSerializer):
    message = serializers.CharField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "params", "url", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(read_only=True)


class MeSerializer(serializers.ModelSerializer):
    bureau = serializers.CharField(source="bureau.code", read_only=True, allow_null=True, default=None)
    team = serializers.IntegerField(source="team_id", read_only=True, allow_null=True)
    client = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "role", "bureau", "team", "language", "client"]
        read_only_fields = fields

    def get_client(self, user) -> dict | None:
        client = self.context.get("client")
        if not isinstance(client, ApiClient):
            return None
        return {"name": client.name, "kind": client.kind, "scope": client.scope}
