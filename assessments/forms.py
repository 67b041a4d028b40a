"""Admin validation of quizzes and surveys, with messages an author can act on."""

from django.core.exceptions import ValidationError
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm

from assessments.models import MIN_SURVEY_ITEMS, validate_question_choices


def _live_forms(formset):
    """The child forms that will be saved: not marked for deletion, not untouched extras.

    ClusterForm validates its child formsets only after the parent form's own clean(), so they
    are validated here first; until then no child form has `cleaned_data` (and asking whether
    one is deleted raises). Child forms are ClusterForms too: a question's choices are
    validated with it.
    """
    formset.is_valid()
    return [
        f
        for f in formset.forms
        if (f.has_changed() or f.instance.pk)
        and not (formset.can_delete and formset._should_delete_form(f))
    ]


# Hook name: functions `(quiz, lessons) -> list[str]` saying which of the posted questions'
# lessons a quiz may not name; `lessons` is [(question number, lesson page)]. The app that
# knows where a quiz is used (courses) registers one; this engine knows pages only by key.
QUESTION_LESSON_HOOK = "assessments_question_lesson_problems"


class QuizForm(WagtailAdminModelForm):
    """The quiz rules, and each question's choice rules (`validate_question_choices`); every
    question names the lesson that teaches it, a lesson of the quiz's module
    (QUESTION_LESSON_HOOK).

    They hold for every save, drafts included: the review workflow publishes the latest
    revision without validating it again, so no revision may hold a malformed question.
    """

    RANGE_MESSAGES = {
        "pass_mark": "The pass mark is a percentage: enter a number from 0 to 100.",
        "max_attempts": "Allow at least one attempt.",
        "questions_per_attempt": (
            "Draw at least one question, or leave this empty to serve the whole pool."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, message in self.RANGE_MESSAGES.items():
            if name in self.fields:  # the form field's own bound (>= 0) speaks the same way
                self.fields[name].error_messages.update(min_value=message, max_value=message)

    def clean_pass_mark(self):
        pass_mark = self.cleaned_data.get("pass_mark")
        if pass_mark is not None and not 0 <= pass_mark <= 100:
            raise ValidationError(self.RANGE_MESSAGES["pass_mark"])
        return pass_mark

    def clean_max_attempts(self):
        max_attempts = self.cleaned_data.get("max_attempts")
        if max_attempts is not None and max_attempts < 1:
            raise ValidationError(self.RANGE_MESSAGES["max_attempts"])
        return max_attempts

    def clean_questions_per_attempt(self):
        draw = self.cleaned_data.get("questions_per_attempt")
        if draw is not None and draw < 1:
            raise ValidationError(self.RANGE_MESSAGES["questions_per_attempt"])
        return draw

    def clean(self):
        cleaned = super().clean()
        questions = self.formsets.get("questions")
        if questions is None:
            return cleaned
        pool = 0
        lessons = []
        for number, question_form in enumerate(_live_forms(questions), start=1):
            pool += 1
            lesson = (question_form.cleaned_data or {}).get("lesson")
            if lesson is None:
                message = f"Question {number}: choose the lesson that teaches it."
                question_form.add_error("lesson", "Choose the lesson that teaches this question.")
                self.add_error(None, message)
            else:
                lessons.append((number, lesson))
            choices = _live_forms(question_form.formsets["choices"])
            try:
                validate_question_choices(
                    question_form.cleaned_data.get("kind"),
                    [bool(f.cleaned_data.get("is_correct")) for f in choices],
                    [(f.cleaned_data.get("text") or "").strip() for f in choices],
                )
            except ValidationError as error:
                message = f"Question {number}: {error.messages[0]}"
                question_form.add_error(None, message)
                self.add_error(None, message)
        for check in hooks.get_hooks(QUESTION_LESSON_HOOK):
            for message in check(self.instance, lessons):
                self.add_error(None, message)
        if pool == 0 and not self.is_deferred_validation:
            self.add_error(None, "A quiz needs at least one question.")
        draw = cleaned.get("questions_per_attempt")
        if draw and draw > pool:
            self.add_error(
                "questions_per_attempt",
                f"Cannot draw {draw} questions per attempt from a pool of {pool}: "
                "add questions or lower this number.",
            )
        return cleaned


class SurveyForm(WagtailAdminModelForm):
    """A survey needs at least three statements; statements already answered stay."""

    def clean(self):
        cleaned = super().clean()
        items = self.formsets.get("items")
        if items is None:
            return cleaned
        live = [f for f in _live_forms(items) if (f.cleaned_data or {}).get("statement")]
        if len(live) < MIN_SURVEY_ITEMS:
            self.add_error(None, f"A survey needs at least {MIN_SURVEY_ITEMS} statements.")
        for form in items.forms:
            item = form.instance
            removed = item.pk and items.can_delete and items._should_delete_form(form)
            if removed and item.answers.exists():
                self.add_error(
                    None,
                    f"“{item.statement}” has answers and cannot be removed; "
                    "it stays so reports keep their history.",
                )
        return cleaned
