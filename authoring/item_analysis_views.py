"""The item analysis report in the Wagtail admin, for trainers and coordinators: how each
question performs per quiz revision (assessments.item_analysis), filtered by agency, dates
and quiz, on a page and as CSV."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from assessments.item_analysis import (
    FLAG_LABELS,
    MIN_SERVED_FOR_FLAGS,
    item_analysis,
)
from assessments.models import Quiz
from authoring.permissions import item_analysis_agencies, user_can_read_item_analysis
from lms.csv_export import csv_lines
from lms.forms import IdChoiceField

CSV_COLUMNS = [
    "quiz_id",
    "quiz",
    "revision_id",
    "revision_created_at",
    "question_id",
    "question",
    "level",
    "served",
    "correct",
    "facility",
    "discrimination",
    "flags",
    "choice_id",
    "choice",
    "choice_correct",
    "picks",
    "pick_rate",
]


class ItemAnalysisFilterForm(forms.Form):
    """The report's filters; every one optional. Bad values answer 400 naming the field."""

    agency = IdChoiceField(queryset=None, required=False, empty_label="All my agencies")
    quiz = IdChoiceField(
        queryset=Quiz.objects.order_by("title"), required=False, empty_label="All quizzes"
    )
    since = forms.DateField(required=False, label="Submitted from", help_text="YYYY-MM-DD")
    until = forms.DateField(required=False, label="Submitted until", help_text="YYYY-MM-DD")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = item_analysis_agencies(user)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date comes before the start date.")
        return cleaned

    def report(self) -> list:
        data = self.cleaned_data
        if data.get("agency"):
            agency_ids = [data["agency"].pk]
        else:
            agency_ids = list(self.fields["agency"].queryset.values_list("pk", flat=True))
        return item_analysis(
            agency_ids=agency_ids,
            since=data.get("since"),
            until=data.get("until"),
            quiz_ids=[data["quiz"].pk] if data.get("quiz") else None,
        )


def _form(request) -> ItemAnalysisFilterForm:
    if not user_can_read_item_analysis(request.user):
        raise PermissionDenied("Only trainers and coordinators read the item analysis.")
    return ItemAnalysisFilterForm(request.GET or None, user=request.user)


@require_GET
def item_analysis_report(request):
    form = _form(request)
    valid = form.is_valid() if form.is_bound else True
    if not form.is_bound:
        form.cleaned_data = {}
    stats = form.report() if valid else []
    return TemplateResponse(
        request,
        "authoring/admin/item_analysis.html",
        {
            "form": form,
            "stats": stats,
            "flag_labels": FLAG_LABELS,
            "min_served": MIN_SERVED_FOR_FLAGS,
            "query": request.GET.urlencode(),
        },
        status=200 if valid else 400,
    )


def _rows(stats):
    for stat in stats:
        for choice in stat.choices or [None]:
            yield [
                stat.quiz_id,
                stat.quiz_title,
                stat.revision_id or "",
                stat.revision_at.isoformat() if stat.revision_at else "",
                stat.question_id,
                stat.prompt,
                stat.level or "",
                stat.served,
                stat.correct,
                f"{stat.facility:.3f}",
                "" if stat.discrimination is None else f"{stat.discrimination:.3f}",
                " ".join(stat.flags),
                choice.choice_id if choice else "",
                choice.text if choice else "",
                "" if choice is None or choice.correct is None else str(choice.correct).lower(),
                choice.picks if choice else "",
                f"{choice.rate:.3f}" if choice else "",
            ]


@require_GET
def item_analysis_csv(request):
    form = _form(request)
    if form.is_bound and not form.is_valid():
        return TemplateResponse(
            request,
            "authoring/admin/item_analysis.html",
            {"form": form, "stats": [], "flag_labels": FLAG_LABELS},
            status=400,
        )
    if not form.is_bound:
        form.cleaned_data = {}
    stats = form.report()
    response = StreamingHttpResponse(
        csv_lines(CSV_COLUMNS, _rows(stats), byte_order_mark=request.GET.get("bom") == "1"),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="item-analysis.csv"'
    return response
