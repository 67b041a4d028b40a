"""Form pieces shared by the apps above: the roster upload form (the oversight roster page,
oversight/views/roster.py) and a choice of one object by its id."""

from django import forms
from django.core.validators import FileExtensionValidator

from lms.converters import ID_MAX_DIGITS


class IdChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose posted value must look like an id (1 to 18 ASCII digits)
    before it is looked up: anything else is "not one of the choices". Django's own field
    sends any integer to the database, and SQLite cannot bind one past 64 bits (a 500)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value)
        if not (text.isascii() and text.isdigit() and len(text) <= ID_MAX_DIGITS):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": text[:40]},
            )
        return super().to_python(text)


class RosterUploadForm(forms.Form):
    """One roster CSV; its contents are checked by lms.roster.import_roster."""

    file = forms.FileField(
        label="Roster file (CSV)",
        validators=[FileExtensionValidator(["csv"], message="Choose a .csv file.")],
    )
