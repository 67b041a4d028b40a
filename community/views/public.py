"""Public pages, no account: an agency's transparency page and an event's survey.

Every page looks the event or agency up through community.selectors (only agencies whose page
is on: anything else is 404) and renders in the language the address names (community.i18n).
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from assessments.form_answers import survey_answers_from_form
from assessments.models import SurveyItem
from community import browser, services
from community.i18n import LANGUAGE_NAMES, SCALE_LABELS, chart_text, other_language
from community.models import CommunityEvent, Phase, Role
from community.selectors import public_agencies, public_events
from community.transparency import PUBLIC_PAGE_SECONDS, transparency
from lms.errors import DomainError, ErrorCode
from lms.page_cache import cache_for_anonymous
from lms.throttles import PageThrottle, too_many_requests
from oversight.charts import survey_shift_svg

THROTTLE_SCOPE = "community_response"
STATUS_FOR_CODE = {ErrorCode.INVALID: 400, ErrorCode.CONFLICT: 409, ErrorCode.NOT_FOUND: 404}


def _url(name: str, language: str, **kwargs) -> str:
    return reverse(f"{name}-es" if language == "es" else name, kwargs=kwargs)


def _languages(name: str, language: str, **kwargs) -> dict:
    other = other_language(language)
    return {
        "language": language,
        "other_language": other,
        "other_language_name": LANGUAGE_NAMES[other],
        "other_language_url": _url(name, other, **kwargs),
    }


@require_GET
def agency_page(request, slug: str, language: str = "en"):
    """The agency's public page: training in aggregate, events and their survey shifts. Served
    to anonymous visitors from the page cache for up to PUBLIC_PAGE_SECONDS."""
    agency = get_object_or_404(public_agencies(), slug=slug)
    with translation.override(language):
        data = transparency(agency=agency, language=language)
        text = chart_text()
        held = [
            {
                "item": item,
                "chart": survey_shift_svg(item.results, text=text, ids=f"shift-{i}")
                if item.results is not None and not item.results.suppressed
                else None,
            }
            for i, item in enumerate(data.held)
        ]
        response = render(
            request,
            "community/agency_page.html",
            {
                "data": data,
                "held": held,
                "scale": SCALE_LABELS,
                **_languages("community-agency", language, slug=slug),
            },
        )
    return cache_for_anonymous(response, PUBLIC_PAGE_SECONDS)


def _event_or_404(event_id: int) -> CommunityEvent:
    return get_object_or_404(public_events().select_related("survey"), pk=event_id)


def _phase_for(event: CommunityEvent, phase: str | None) -> str | None:
    """The phase the page is about: the one asked for, or the only one open now."""
    if phase is not None:
        return phase
    open_phases = event.open_phases
    return open_phases[0] if len(open_phases) == 1 else None


@require_http_methods(["GET", "HEAD", "POST"])
def event_survey(request, event_id: int, language: str = "en"):
    """The survey of the open phase (or of `?phase=`), in `language`; POST records an answer
    or shows what was wrong, with 400 / 409 and nothing stored."""
    event = _event_or_404(event_id)
    phase = request.GET.get("phase") or None
    if phase is not None and phase not in Phase.values:
        raise Http404("No such phase.")
    phase = _phase_for(event, phase)
    with translation.override(language):
        context = {
            "event": event,
            "title": event.title_in(language),
            "phase": phase,
            "phase_label": Phase(phase).label if phase else "",
            "min_group": settings.SURVEY_MIN_GROUP_SIZE,
            "scale": SCALE_LABELS,
            "roles": Role.choices,
            "comment_max_length": services.COMMENT_MAX_LENGTH,
            "agency_url": _url("community-agency", language, slug=event.agency.slug),
            **_languages("community-survey", language, event_id=event.pk),
        }
        if phase is None or not event.phase_open(phase) or event.survey_id is None:
            context["open_phases"] = [(p, Phase(p).label) for p in event.open_phases]
            return render(request, "community/survey_closed.html", context)
        items = list(
            SurveyItem.objects.filter(survey_id=event.survey_id).order_by("sort_order", "pk")
        )
        if browser.answered(request, event.pk, phase):
            return render(request, "community/survey_done.html", context, status=200)
        status, error, chosen = 200, None, {}
        if request.method == "POST":
            throttle = PageThrottle(THROTTLE_SCOPE)
            if not throttle.allow_request(request, None):
                return too_many_requests(request, throttle)
            answers, _comments = survey_answers_from_form(
                request.POST,
                items=[{"id": item.pk, "allow_comment": False} for item in items],
            )
            try:
                services.response_submit(
                    event=event,
                    phase=phase,
                    answers=answers,
                    role=request.POST.get("role", ""),
                    code=request.POST.get("code", "") if event.uses_codes else None,
                    comment=request.POST.get("comment", ""),
                )
            except DomainError as refused:
                status, error = STATUS_FOR_CODE[refused.code], refused
                chosen = {str(k): str(v) for k, v in answers.items()}
            else:
                done = redirect(_url("community-survey-thanks", language, event_id=event.pk))
                browser.mark_answered(request, done, event.pk, phase, path="/e/")
                return done
        context |= {
            "error": error,
            "role_chosen": request.POST.get("role", ""),
            "comment": request.POST.get("comment", ""),
            "items": [
                {
                    "id": item.pk,
                    "number": number,
                    "text": item.text_in(language),
                    "chosen": chosen.get(str(item.pk), ""),
                }
                for number, item in enumerate(items, start=1)
            ],
        }
        return render(request, "community/survey_form.html", context, status=status)


@require_GET
def survey_thanks(request, event_id: int, language: str = "en"):
    event = _event_or_404(event_id)
    with translation.override(language):
        return render(
            request,
            "community/survey_thanks.html",
            {
                "event": event,
                "title": event.title_in(language),
                "agency_url": _url("community-agency", language, slug=event.agency.slug),
                **_languages("community-survey-thanks", language, event_id=event.pk),
            },
        )
