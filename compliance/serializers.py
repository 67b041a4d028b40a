"""The compliance API's shapes (API.md, "Compliance") and its input, for the API and the pages
alike."""

from datetime import date
from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from compliance.cycles import Status
from compliance.services import MAX_ENTRY_HOURS
from lms.converters import ID_MAX_DIGITS

EARLIEST = date(1950, 1, 1)


def hours_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=7, decimal_places=2, coerce_to_string=False, **kwargs
    )


class RuleSetRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CategoryLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    required_hours = hours_field()
    earned_hours = hours_field()


class CycleSerializer(serializers.Serializer):
    start = serializers.DateField(source="cycle.start")
    end = serializers.DateField(source="cycle.end")
    deadline = serializers.DateField()
    status = serializers.ChoiceField(choices=Status.ALL)
    required_hours = hours_field()
    earned_hours = hours_field()
    pending_hours = hours_field()
    categories = CategoryLineSerializer(many=True)


class MyComplianceSerializer(serializers.Serializer):
    rule_set = RuleSetRefSerializer(allow_null=True)
    cycles = CycleSerializer(many=True, source="standings")


class TrainingRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    source = serializers.ChoiceField(choices=["internal", "external"])
    title = serializers.CharField()
    provider = serializers.CharField()
    completed_on = serializers.DateField()
    hours = hours_field()
    categories = serializers.ListField(child=serializers.CharField(), source="category_codes")
    status = serializers.ChoiceField(choices=["approved", "pending", "rejected"])
    course_number = serializers.CharField()


class CategoryCodesField(serializers.ListField):
    """A list of category codes whose errors read as a flat list of messages (the API's
    `{"field": ["message"]}` shape), each naming the position of the bad code."""

    child = serializers.CharField(max_length=40)

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError(
                [
                    f"Item {int(index) + 1}: {message}"
                    for index, messages in error.detail.items()
                    for message in messages
                ]
            ) from None


class TrainingEntryInputSerializer(serializers.Serializer):
    """An external training as an officer submits it (JSON, or multipart with `evidence`).
    Shapes only; the rule set's part (its categories, evidence it requires) is the service's."""

    title = serializers.CharField(max_length=200)
    provider = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    course_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    started_on = serializers.DateField(required=False, allow_null=True)
    completed_on = serializers.DateField()
    hours = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.25"),
        max_value=MAX_ENTRY_HOURS,
        coerce_to_string=False,
    )
    categories = CategoryCodesField(max_length=20, required=False)
    evidence = serializers.FileField(required=False, allow_empty_file=True, max_length=200)

    def validate_completed_on(self, value: date) -> date:
        if value > timezone.localdate():
            raise serializers.ValidationError("Not in the future.")
        if value < EARLIEST:
            raise serializers.ValidationError("Not before 1950.")
        return value

    def validate(self, attrs: dict) -> dict:
        started = attrs.get("started_on")
        if started and started > attrs["completed_on"]:
            raise serializers.ValidationError({"started_on": ["Not after the completion date."]})
        if started and started < EARLIEST:
            raise serializers.ValidationError({"started_on": ["Not before 1950."]})
        return attrs


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class IdField(serializers.IntegerField):
    """An id in a query string: 1 to 18 ASCII digits."""

    def to_internal_value(self, data) -> int:
        text = str(data)
        if not (text.isascii() and text.isdigit() and len(text) <= ID_MAX_DIGITS):
            self.fail("invalid")
        return int(text)


class ComplianceFilterSerializer(serializers.Serializer):
    unit = IdField(required=False, error_messages={"invalid": "Must be a unit id."})
    status = serializers.ChoiceField(
        choices=Status.ALL,
        required=False,
        error_messages={"invalid_choice": f"Must be one of: {', '.join(Status.ALL)}."},
    )


class DateRangeSerializer(serializers.Serializer):
    """The state-reporting CSV's date range: at most ten years, start before end."""

    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs: dict) -> dict:
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": ["Not before the start date."]})
        if (attrs["end"] - attrs["start"]).days > 3660:
            raise serializers.ValidationError({"end": ["At most ten years after the start."]})
        return attrs


class ComplianceRowSerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    name = serializers.CharField()
    badge_number = serializers.CharField()
    unit = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.ALL)
    required_hours = hours_field()
    earned_hours = hours_field()
    deadline = serializers.DateField()


class ComplianceReportPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ComplianceRowSerializer(many=True)
