"""The completion report's filters, rows and pages (API.md, command staff section)."""

from rest_framework import serializers

from lms.converters import ID_MAX_DIGITS
from lms.errors import DomainError, ErrorCode
from lms.models import PersonnelCategory
from oversight.reports import (
    ReportFilters,
    Status,
    curricula_for_oversight,
    units_for_oversight,
)


class IdField(serializers.IntegerField):
    """An id in a query string: 1 to 18 ASCII digits ("²" is a digit to Python, not an id;
    a longer number is past the ids' 64-bit type, and SQLite cannot even compare it)."""

    def to_internal_value(self, data) -> int:
        text = str(data)
        if not (text.isascii() and text.isdigit() and len(text) <= ID_MAX_DIGITS):
            self.fail("invalid")
        return int(text)


def _one_of(values) -> dict[str, str]:
    return {"invalid_choice": f"Must be one of: {', '.join(values)}."}


class ReportFilterSerializer(serializers.Serializer):
    """The completion report's filters, for the API and the dashboard alike.

    Needs `context={"viewer": user}`. A malformed value fails validation naming its field
    (400); an id outside the viewer's scope raises DomainError NOT_FOUND (404, never
    confirming that it exists), as does a viewer with no curriculum assigned. A blank value
    is the same as an absent one; no curriculum means the first assigned in the agency.
    `validated_data` is a `ReportFilters`.
    """

    curriculum = IdField(required=False, error_messages={"invalid": "Must be a curriculum id."})
    unit = IdField(required=False, error_messages={"invalid": "Must be a unit id."})
    status = serializers.ChoiceField(
        choices=Status.ALL, required=False, error_messages=_one_of(Status.ALL)
    )
    category = serializers.ChoiceField(
        choices=PersonnelCategory.values,
        required=False,
        error_messages=_one_of(PersonnelCategory.values),
    )

    def validate(self, attrs: dict) -> ReportFilters:
        viewer = self.context["viewer"]
        curricula = curricula_for_oversight(viewer)
        if "curriculum" in attrs:
            curriculum = curricula.filter(pk=attrs["curriculum"]).first()
            if curriculum is None:
                raise DomainError(ErrorCode.NOT_FOUND, "No such curriculum.")
        else:
            curriculum = curricula.first()
            if curriculum is None:
                raise DomainError(ErrorCode.NOT_FOUND, "No curriculum is assigned in your agency.")
        unit = None
        if "unit" in attrs:
            unit = units_for_oversight(viewer).filter(pk=attrs["unit"]).first()
            if unit is None:
                raise DomainError(ErrorCode.NOT_FOUND, "No such unit.")
        return ReportFilters(
            curriculum=curriculum,
            unit=unit,
            status=attrs.get("status"),
            category=attrs.get("category"),
        )


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


class CsvOptionsSerializer(serializers.Serializer):
    """The CSV download's own query options (beside the report filters)."""

    bom = serializers.BooleanField(
        required=False,
        default=False,
        error_messages={"invalid": "Must be 1 or 0 (true or false)."},
    )
