"""The staff pages' forms: waivers, extensions, an officer's dates, module mapping, exports.
(External training is submitted through `serializers.TrainingEntryInputSerializer`, the API's
own input, so the page and the API refuse the same things.)"""

from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone

from compliance.serializers import EARLIEST

REASON = forms.CharField(
    max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), help_text="Required; audited."
)


class DateInput(forms.DateInput):
    input_type = "date"


class WaiverForm(forms.Form):
    category = forms.ChoiceField(required=False, help_text="Empty: the total hours.")
    hours = forms.DecimalField(
        required=False,
        min_value=Decimal("0.25"),
        max_value=Decimal("200"),
        decimal_places=2,
        help_text="Empty: waive the requirement entirely.",
    )
    reason = REASON

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Total hours"), *choices]


class ExtensionForm(forms.Form):
    deadline = forms.DateField(widget=DateInput)
    reason = REASON


class ProfileForm(forms.Form):
    state_id = forms.CharField(
        label="State certification or licence number", max_length=60, required=False
    )
    certified_on = forms.DateField(required=False, widget=DateInput)
    licence_expires_on = forms.DateField(required=False, widget=DateInput)
    hired_on = forms.DateField(required=False, widget=DateInput)

    def clean(self):
        cleaned = super().clean()
        for name in ("certified_on", "licence_expires_on", "hired_on"):
            value = cleaned.get(name)
            if value and value < EARLIEST:
                self.add_error(name, "Not before 1950.")
        for name in ("certified_on", "hired_on"):
            value = cleaned.get(name)
            if value and value > timezone.localdate():
                self.add_error(name, "Not in the future.")
        return cleaned


class ReasonForm(forms.Form):
    reason = REASON


class DeclarationForm(forms.Form):
    year = forms.IntegerField(min_value=2000)

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError("Not a future year.")
        return year


class StateCsvForm(forms.Form):
    start = forms.DateField(widget=DateInput)
    end = forms.DateField(widget=DateInput)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", "Not before the start date.")
        elif start and end and (end - start).days > 3660:
            self.add_error("end", "At most ten years after the start.")
        return cleaned


def this_year_range() -> tuple[date, date]:
    today = timezone.localdate()
    return date(today.year, 1, 1), today
