"""The roster upload form (the oversight roster page, oversight/views/roster.py)."""

from django import forms
from django.core.validators import FileExtensionValidator


class RosterUploadForm(forms.Form):
    """One roster CSV; its contents are checked by lms.roster.import_roster."""

    file = forms.FileField(
        label="Roster file (CSV)",
        validators=[FileExtensionValidator(["csv"], message="Choose a .csv file.")],
    )
