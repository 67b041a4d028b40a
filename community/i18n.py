"""The respondent's language: English or Spanish, chosen by the address (`/es/` at the end of a
page's path, `?lang=es` on the API), never guessed from the browser, so a cached page is the
same for everyone who asks for it."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.charts import ShiftChartText

LANGUAGES = ("en", "es")
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
SCALE_LABELS = [
    (1, gettext_lazy("Strongly disagree")),
    (2, gettext_lazy("Disagree")),
    (3, gettext_lazy("Neither agree nor disagree")),
    (4, gettext_lazy("Agree")),
    (5, gettext_lazy("Strongly agree")),
]


def language_of(value) -> str:
    return value if value in LANGUAGES else "en"


def other_language(language: str) -> str:
    return "en" if language == "es" else "es"


def chart_text() -> ShiftChartText:
    """The shift chart's words in the active language, for an event (not a training)."""
    return ShiftChartText(
        before=_("Before the event"),
        after=_("After"),
        disagree=_("Strongly disagree"),
        agree=_("Strongly agree"),
        hidden=_("hidden: too few answers"),
        title=_("Average agreement per statement, before and after the event"),
        desc=_(
            "For each statement, the average answer on a scale from 1 (strongly disagree) to 5 "
            "(strongly agree) before the event (hollow dot) and after it (filled dot), with the "
            "change at the end of the row; the table gives the same figures."
        ),
        row=_(
            "Statement {number}: {statement} Before: {pre} (n={pre_n}). After: {post} "
            "(n={post_n}). Shift: {shift}."
        ),
        hidden_row=_("Statement {number}: {statement} (hidden: too few answers)"),
    )
