"""API shapes of API.md. Output serializers read the selector dataclasses; nothing here grades."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lms.sanitize import clean_html, clean_text


class AuthorTextField(serializers.CharField):
    """Plain text an author typed (a title, a choice), made safe to drop into HTML.

    Every author string the API returns is HTML-safe: rich fields (prompts, explanations)
    are sanitised HTML, plain fields like this one are text with no tags and `&`, `<`, `>`
    escaped, the same form choice texts are stored in.
    """

    def to_representation(self, value) -> str:
        return clean_text(super().to_representation(value))


class AuthorHtmlField(serializers.CharField):
    """Author HTML (a prompt, an explanation) through the allow-list again on the way out,
    as templates do: snapshots are sanitised when taken, and rendering does not trust that."""

    def to_representation(self, value) -> str:
        return clean_html(super().to_representation(value))


class LessonSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = AuthorTextField()


class QuizSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    pass_mark = serializers.IntegerField()
    max_attempts = serializers.IntegerField()


class ModuleOutlineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="page.pk")
    number = serializers.IntegerField(source="page.number")
    title = AuthorTextField(source="page.title")
    lessons = LessonSummarySerializer(many=True)
    quiz = QuizSummarySerializer(allow_null=True)


class CurriculumOutlineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="page.pk")
    title = AuthorTextField(source="page.title")
    slug = serializers.CharField(source="page.slug")
    modules = ModuleOutlineSerializer(many=True)


class ModuleProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="outline.page.pk")
    lessons_completed = serializers.IntegerField()
    lessons_total = serializers.IntegerField()
    quiz_passed = serializers.BooleanField()
    best_score = serializers.IntegerField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)


class CurriculumProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="outline.page.pk")
    percent_complete = serializers.IntegerField()
    completed_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    modules = ModuleProgressSerializer(many=True)


class ProgressSerializer(serializers.Serializer):
    curricula = CurriculumProgressSerializer(many=True)


class LessonCompletionSerializer(serializers.Serializer):
    lesson = serializers.IntegerField(source="lesson_id")
    completed_at = serializers.DateTimeField()


class ServedChoiceSerializer(serializers.Serializer):
    """A choice as served: its id and text, never whether it is correct."""

    id = serializers.IntegerField()
    text = AuthorTextField()


class ServedQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    prompt = AuthorHtmlField()
    choices = ServedChoiceSerializer(many=True)


def _or_none(represent, value):
    """As a serializer treats a field: None stays None."""
    return None if value is None else represent(value)


def _html(value) -> str:
    return clean_html(str(value))  # AuthorHtmlField


def _text(value) -> str:
    return clean_text(str(value))  # AuthorTextField


_WHEN = serializers.DateTimeField()


class AttemptSerializer(serializers.Serializer):
    """An attempt as served. The declared fields are the schema; `to_representation` gives
    what they would (tests/api/test_attempts.py compares the two) without DRF's per-field
    work for every question and choice of every start."""

    id = serializers.IntegerField(source="pk")
    number = serializers.IntegerField()
    questions = ServedQuestionSerializer(many=True)
    started_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance):
        when = _WHEN.to_representation
        return {
            "id": _or_none(int, instance.pk),
            "number": _or_none(int, instance.number),
            "questions": [
                {
                    "id": _or_none(int, question["id"]),
                    "kind": _or_none(str, question["kind"]),
                    "prompt": _or_none(_html, question["prompt"]),
                    "choices": [
                        {
                            "id": _or_none(int, choice["id"]),
                            "text": _or_none(_text, choice["text"]),
                        }
                        for choice in question["choices"]
                    ],
                }
                for question in instance.questions
            ],
            "started_at": _or_none(when, instance.started_at),
            "expires_at": _or_none(when, instance.expires_at),
        }


class SubmitSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text='{"<question id>": [<choice id>, ...]}',
    )


class ReviewedChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = AuthorTextField()
    chosen = serializers.BooleanField()
    correct = serializers.BooleanField()
    feedback = AuthorTextField()


class QuestionResultSerializer(serializers.Serializer):
    """One question of a result. `explanation`, `correct_choice_ids`, `chosen` and `choices`
    appear only in a full review (assessments.review); a limited one has `id`, `correct` and
    `lesson_id` alone."""

    FULL_ONLY = ("explanation", "correct_choice_ids", "chosen", "choices")

    id = serializers.IntegerField()
    correct = serializers.BooleanField()
    lesson_id = serializers.IntegerField(allow_null=True)
    explanation = AuthorHtmlField(required=False, help_text="Full review only.")
    correct_choice_ids = serializers.ListField(
        source="correct_choices",
        child=serializers.IntegerField(),
        required=False,
        help_text="Full review only.",
    )
    chosen = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Full review only."
    )
    choices = ReviewedChoiceSerializer(many=True, required=False, help_text="Full review only.")

    def to_representation(self, instance):
        if self.context.get("review") == "full":
            return super().to_representation(instance)
        return {
            "id": instance.id,
            "correct": instance.correct,
            "lesson_id": instance.lesson_id,
        }


class AttemptResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    score = serializers.IntegerField()
    passed = serializers.BooleanField()
    correct_count = serializers.IntegerField()
    total = serializers.IntegerField()
    attempts_left = serializers.IntegerField()
    review = serializers.ChoiceField(choices=["full", "limited"])
    questions = serializers.SerializerMethodField()

    @extend_schema_field(QuestionResultSerializer(many=True))
    def get_questions(self, review) -> list[dict]:
        return QuestionResultSerializer(
            review.questions, many=True, context={"review": review.review}
        ).data


class CertificateSerializer(serializers.Serializer):
    code = serializers.CharField()
    serial = serializers.CharField()
    curriculum = AuthorTextField(source="curriculum_title")
    status = serializers.CharField()
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    pdf_url = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()
    credential_url = serializers.SerializerMethodField()

    def get_pdf_url(self, certificate) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api-certificate-pdf", args=[certificate.code])
        )

    def get_verify_url(self, certificate) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("certificate-verify", args=[certificate.code])
        )

    def get_credential_url(self, certificate) -> str:
        """The Open Badges 3.0 credential, application/vc+jwt, for the holder only."""
        return self.context["request"].build_absolute_uri(
            reverse("api-certificate-credential", args=[certificate.code])
        )


class PublicCertificateSerializer(serializers.Serializer):
    status = serializers.CharField()
    holder_name = serializers.CharField()
    curriculum = AuthorTextField(source="curriculum_title")
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
