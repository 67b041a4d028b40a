"""Forms of the oversight pages. They check input; the rules live in courses.assignments.

The completion report's filters are `oversight.serializers.ReportFilterSerializer` (one for
the API and the dashboard); the audit page's are `AuditFilterForm` here; the roster upload
form is `lms.forms.RosterUploadForm`.
"""

from datetime import date

from django import forms

from courses.assignments import (
    MAX_RECERTIFICATION_MONTHS,
    MIN_RECERTIFICATION_MONTHS,
    validate_due_date,
    validate_recertification_months,
)
from courses.models import CurriculumPage
from lms.errors import DomainError
from lms.forms import IdChoiceField
from lms.models import Person, Unit
from lms.scoping import oversees_whole_agency, viewer_person
from oversight.reports import units_for_oversight


class TargetKind:
    AGENCY = "agency"
    UNIT = "unit"
    PERSON = "person"


class UnitChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.name  # all of one agency, so the agency name would only repeat


class PersonChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.display_name} ({obj.badge_number})" if obj.badge_number else obj.display_name


class AssignmentChangeForm(forms.Form):
    """What may change on an assignment: its due date and recertification interval."""

    due_date = forms.DateField(
        label="Due date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the due date.",
            "invalid": "Enter a date such as 2027-03-01.",
        },
    )
    recertification_months = forms.IntegerField(
        label="Recertify every (months)",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=(
            f"From {MIN_RECERTIFICATION_MONTHS} to {MAX_RECERTIFICATION_MONTHS}. Leave empty "
            "if certificates do not expire."
        ),
        error_messages={"invalid": "Enter a whole number of months, such as 12."},
    )

    # Service error fields → form fields; anything else becomes a form-wide error.
    SERVICE_FIELDS = {
        "due_date": "due_date",
        "recertification_months": "recertification_months",
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_due_date(self):
        return self._checked("due_date", validate_due_date)

    def clean_recertification_months(self):
        return self._checked("recertification_months", validate_recertification_months)

    def _checked(self, name: str, validate):
        value = self.cleaned_data.get(name)
        try:
            validate(value)
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return value

    def add_service_error(self, error: DomainError) -> None:
        """Show a service's refusal on the field it concerns (or above the form)."""
        self.add_error(self.SERVICE_FIELDS.get(error.field or ""), error.message)


class AssignmentForm(AssignmentChangeForm):
    """A new assignment: a live curriculum for the viewer's agency, one unit or one person.

    Both the unit and the person lists are always shown (the page works without JavaScript);
    the chosen target kind decides which one is used. The lists hold the units and people the
    viewer oversees; a viewer limited to some units is not offered the whole agency.
    """

    curriculum = IdChoiceField(
        label="Curriculum",
        queryset=CurriculumPage.objects.none(),
        empty_label="Choose a curriculum",
        error_messages={
            "required": "Choose a curriculum.",
            "invalid_choice": "Choose a curriculum from the list.",
        },
    )
    target_kind = forms.ChoiceField(
        label="Assign to",
        widget=forms.RadioSelect,
        choices=[
            (TargetKind.AGENCY, "Everyone in the agency"),
            (TargetKind.UNIT, "One unit"),
            (TargetKind.PERSON, "One person"),
        ],
        error_messages={
            "required": "Choose who the curriculum is for.",
            "invalid_choice": "Choose the agency, a unit or a person.",
        },
    )
    unit = UnitChoiceField(
        label="Unit",
        queryset=None,
        required=False,
        empty_label="Choose a unit",
        help_text="Used when assigning to one unit.",
        error_messages={"invalid_choice": "Choose a unit from the list."},
    )
    person = PersonChoiceField(
        label="Person",
        queryset=None,
        required=False,
        empty_label="Choose a person",
        help_text="Used when assigning to one person.",
        error_messages={"invalid_choice": "Choose a person from the list."},
    )

    field_order = [
        "curriculum",
        "target_kind",
        "unit",
        "person",
        "due_date",
        "recertification_months",
    ]
    SERVICE_FIELDS = {
        **AssignmentChangeForm.SERVICE_FIELDS,
        "curriculum": "curriculum",
        "target": "target_kind",
        "agency": "target_kind",
        "unit": "unit",
        "person": "person",
    }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        viewer = viewer_person(user)
        self.agency = viewer.agency if viewer else None
        self.fields["curriculum"].queryset = CurriculumPage.objects.live().order_by("title")
        if not oversees_whole_agency(user):
            target_kind = self.fields["target_kind"]
            target_kind.choices = [c for c in target_kind.choices if c[0] != TargetKind.AGENCY]
        self.fields["unit"].queryset = units_for_oversight(user).order_by("name")
        self.fields["person"].queryset = (
            Person.objects.visible_to(user)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "badge_number")
        )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("target_kind")
        if kind == TargetKind.UNIT and not cleaned.get("unit") and "unit" not in self.errors:
            self.add_error("unit", "Choose the unit to assign the curriculum to.")
        if kind == TargetKind.PERSON and not cleaned.get("person") and "person" not in self.errors:
            self.add_error("person", "Choose the person to assign the curriculum to.")
        return cleaned

    def target(self) -> dict:
        """The chosen target as keyword arguments for `assignment_create`."""
        kind = self.cleaned_data["target_kind"]
        if kind == TargetKind.UNIT:
            return {"unit": self.cleaned_data["unit"]}
        if kind == TargetKind.PERSON:
            return {"person": self.cleaned_data["person"]}
        return {"agency": self.agency}


ACTOR_MAX_LENGTH = 150  # a username's length: a longer filter is cut, not refused


class StrippedChoiceField(forms.ChoiceField):
    def to_python(self, value) -> str:
        return super().to_python(value).strip()


class DayField(forms.DateField):
    """A day as YYYY-MM-DD; the error names the value and says that the filter was left out."""

    def to_python(self, value) -> date | None:
        text = (value or "").strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise forms.ValidationError(
                f"“{text}” is not a date (YYYY-MM-DD); “{self.label}” was ignored.",
                code="invalid",
            ) from None


class AuditFilterForm(forms.Form):
    """The audit page's filters from the query string.

    A bad value is reported on its field and left out; the other filters still apply
    (`filters`). `actions` are the action codes that may be chosen.
    """

    action = StrippedChoiceField(
        required=False,
        error_messages={"invalid_choice": "Not a recorded action; this filter was ignored."},
    )
    actor = forms.CharField(
        required=False,
        error_messages={
            "null_characters_not_allowed": "A username has no null characters; "
            "this filter was ignored."
        },
    )
    person = forms.RegexField(
        r"\A[0-9]{1,18}\Z",  # ASCII digits, and within a bigint
        strip=True,
        required=False,
        error_messages={"invalid": "A person id is a whole number; this filter was ignored."},
    )

    def __init__(self, data, *, actions: set[str]):
        super().__init__(data)
        self.fields["action"].choices = [("", ""), *((action, action) for action in actions)]
        # Not attributes above: `from` is a Python keyword, and both are named as in the URL.
        self.fields["from"] = DayField(label="From", required=False)
        self.fields["to"] = DayField(label="To", required=False)

    def clean_actor(self) -> str:
        return self.cleaned_data["actor"][:ACTOR_MAX_LENGTH]

    def clean_person(self) -> int | None:
        return int(self.cleaned_data["person"]) if self.cleaned_data["person"] else None

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and end < start:
            self.add_error("to", "This is before the “From” date, so no event can match.")
            cleaned["to"] = end  # both dates still apply: the list is rightly empty
        return cleaned

    @property
    def filters(self) -> dict:
        """The filters that apply: each valid value, and nothing for a bad one."""
        self.is_valid()  # validates once; a field reported as bad is absent from cleaned_data
        cleaned = self.cleaned_data
        return {
            "action": cleaned.get("action", ""),
            "actor": cleaned.get("actor", ""),
            "person": cleaned.get("person"),
            "from": cleaned.get("from"),
            "to": cleaned.get("to"),
        }

    @property
    def field_errors(self) -> dict[str, str]:
        """The first message of each field reported as bad."""
        return {name: errors[0] for name, errors in self.errors.items()}
