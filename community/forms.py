"""Forms of the staff pages. They check the shape of the input; community.services holds the
rules."""

from django import forms

from assessments.models import Survey
from community.models import CommunityEvent
from community.services import CODES_PER_BATCH

PAPER_SIZES = [("a4", "A4"), ("letter", "US Letter")]


class EventForm(forms.ModelForm):
    class Meta:
        model = CommunityEvent
        fields = [
            "kind",
            "title",
            "title_es",
            "date",
            "place",
            "partners",
            "facilitator",
            "description",
            "survey",
            "status",
            "listed",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = Survey.objects.filter(live=True).order_by("title")
        self.fields["survey"].help_text = (
            "The statements participants answer before and after (a published survey). "
            "It cannot change once anyone has answered."
        )


class ConsentForm(forms.Form):
    count = forms.IntegerField(
        label="Parental consent forms collected", min_value=0, max_value=10_000
    )


class CodesForm(forms.Form):
    count = forms.IntegerField(
        label="How many cards", min_value=1, max_value=CODES_PER_BATCH, initial=30
    )
    paper = forms.ChoiceField(label="Paper", choices=PAPER_SIZES, initial="letter")


class PaperForm(forms.Form):
    paper = forms.ChoiceField(choices=PAPER_SIZES, required=False)
    phase = forms.ChoiceField(choices=[("", ""), ("pre", "pre"), ("post", "post")], required=False)
