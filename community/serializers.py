"""The shapes of API.md "Public community". Answers are validated by community.services (the same
rule as the survey page); these serializers document the shapes and write the output."""

from rest_framework import serializers

from community.models import EventKind, EventStatus, Phase, Role


class ModuleFigureSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    percent_complete = serializers.IntegerField(min_value=0, max_value=100)


class TrainingSerializer(serializers.Serializer):
    officers_assigned = serializers.IntegerField()
    officers_certified = serializers.IntegerField()
    curriculum = serializers.CharField(allow_null=True)
    modules = ModuleFigureSerializer(many=True)


class PublicEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EventKind.choices)
    title = serializers.CharField()
    date = serializers.DateField()
    status = serializers.ChoiceField(choices=EventStatus.choices)
    place = serializers.CharField()
    partners = serializers.ListField(child=serializers.CharField())
    survey_url = serializers.CharField(allow_null=True)
    results_url = serializers.CharField(allow_null=True)


class PublicAgencySerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.SlugField()
    updated_at = serializers.DateTimeField()
    page_url = serializers.CharField()
    verify_url = serializers.CharField(help_text="Where anyone checks a certificate's code.")
    training = TrainingSerializer()
    events = PublicEventSerializer(many=True)


class StatementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class SurveySerializer(serializers.Serializer):
    event = serializers.IntegerField(help_text="The event's id.")
    title = serializers.CharField()
    phase = serializers.ChoiceField(choices=Phase.choices)
    open = serializers.BooleanField()
    uses_codes = serializers.BooleanField()
    roles = serializers.ListField(
        child=serializers.CharField(), help_text="The roles a respondent may give (`role`)."
    )
    statements = StatementSerializer(many=True)


class ResponseInSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=Phase.choices)
    answers = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5),
        help_text='{"<statement id>": 1-5}, every statement of the survey.',
    )
    role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True)
    code = serializers.CharField(
        required=False, help_text="The one-time code of the card, where the event uses codes."
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="Published only after moderation.",
    )


class ResponseOutSerializer(serializers.Serializer):
    event = serializers.IntegerField()
    phase = serializers.ChoiceField(choices=Phase.choices)
    received_at = serializers.DateTimeField()


class PhaseFigureSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    mean = serializers.FloatField(help_text="Reverse-worded statements are scored 6 - answer.")
    distribution = serializers.ListField(
        child=serializers.IntegerField(), help_text="Answers 1 to 5, as given."
    )


class StatementResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    reversed = serializers.BooleanField()
    pre = PhaseFigureSerializer(allow_null=True)
    post = PhaseFigureSerializer(allow_null=True)
    shift = serializers.FloatField(allow_null=True)


class RoleResultSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    statements = StatementResultSerializer(many=True)


class ResultsSerializer(serializers.Serializer):
    suppressed = serializers.BooleanField()
    min_group_size = serializers.IntegerField()
    respondents = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    statements = StatementResultSerializer(many=True)
    by_role = RoleResultSerializer(many=True)
    comments = serializers.ListField(child=serializers.CharField())
