"""Admin validation of a quiz and its question pool, with messages an author can act on."""

from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

from assessments.models import validate_question_choices


def _live_forms(formset):
    return [
        f
        for f in formset.forms
        if f.has_changed() or f.instance.pk
        if not (formset.can_delete and formset._should_delete_form(f))
    ]


class QuizForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        questions = self.formsets.get("questions")
        if questions is None:
            return cleaned
        pool = 0
        for number, question_form in enumerate(_live_forms(questions), start=1):
            if not hasattr(question_form, "cleaned_data"):
                continue
            pool += 1
            choices = question_form.formsets.get("choices")
            live = [f for f in _live_forms(choices) if hasattr(f, "cleaned_data")]
            try:
                validate_question_choices(
                    question_form.cleaned_data.get("kind"),
                    [bool(f.cleaned_data.get("is_correct")) for f in live],
                    [(f.cleaned_data.get("text") or "").strip() for f in live],
                )
            except ValidationError as error:
                question_form.add_error(None, f"Question {number}: {error.messages[0]}")
                self.add_error(None, f"Question {number}: {error.messages[0]}")
        draw = cleaned.get("questions_per_attempt")
        if draw and draw > pool:
            self.add_error(
                "questions_per_attempt",
                f"Cannot draw {draw} questions from a pool of {pool}.",
            )
        return cleaned
