"""What a scenario form posts: the walk it shows, the step, the choice taken (0-based)."""

from django import forms

from courses.branching import MAX_CHOICES
from courses.models import ScenarioPath

RUN_MAX = 32767  # a PositiveSmallIntegerField on every database


class ScenarioRestartForm(forms.Form):
    run = forms.IntegerField(min_value=1, max_value=RUN_MAX)


class ScenarioChoiceForm(ScenarioRestartForm):
    step = forms.CharField(max_length=ScenarioPath._meta.get_field("at_step").max_length)
    choice = forms.IntegerField(
        min_value=0,
        max_value=MAX_CHOICES - 1,
        error_messages={"required": "Choose what you would do."},
    )


def first_error(form: forms.Form) -> tuple[str, str]:
    """The first invalid field and its message, for a 400 that names the place."""
    field, errors = next(iter(form.errors.items()))
    return field, errors[0]
