"""The completion report's rows and pages (API.md, command staff section)."""

from rest_framework import serializers


class CompletionRowSerializer(serializers.Serializer):
    """One person in the completion report (API.md, command staff section)."""

    person_id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="display_name")
    badge_number = serializers.CharField()
    unit = serializers.CharField(source="unit.name", default=None, allow_null=True)
    unit_id = serializers.IntegerField(allow_null=True)
    personnel_category = serializers.CharField()
    status = serializers.CharField()
    modules_completed = serializers.IntegerField()
    modules_total = serializers.SerializerMethodField()
    completed_at = serializers.DateTimeField(allow_null=True)
    certificate_code = serializers.CharField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()

    def get_modules_total(self, row) -> int:
        return self.context["modules_total"]


class CompletionReportPageSerializer(serializers.Serializer):
    """A page of the completion report, as PageNumberPagination answers (for the schema)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CompletionRowSerializer(many=True)
