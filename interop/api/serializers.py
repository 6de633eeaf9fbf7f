from rest_framework import serializers


class ExchangeDocumentSerializer(serializers.Serializer):
    """A case in the exchange format, version 1; its full JSON Schema is docs/exchange/case-v1.schema.json."""

    format = serializers.CharField()
    version = serializers.IntegerField()
    exported_at = serializers.DateTimeField()
    exported_by_bureau = serializers.CharField(allow_null=True)
    case = serializers.DictField()
    parties = serializers.ListField(child=serializers.DictField())
    requests = serializers.ListField(child=serializers.DictField())
    timeline = serializers.ListField(child=serializers.DictField())
    evidence = serializers.ListField(child=serializers.DictField())


class ImportResultSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["created", "unchanged", "conflict"])
    case = serializers.IntegerField(allow_null=True, help_text="The case's id, when the caller may see it.")
    external_id = serializers.CharField()
    differences = serializers.ListField(child=serializers.CharField())


class FormatErrorSerializer(serializers.Serializer):
    errors = serializers.ListField(child=serializers.CharField())
