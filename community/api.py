"""API.md "Public community": no authentication, only agencies whose page is on (else 404)."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.models import SurveyItem
from community import browser, services
from community import serializers as s
from community.i18n import LANGUAGES
from community.models import CommentStatus, Phase, Role
from community.results import GroupResult, event_results
from community.selectors import public_agencies, public_events
from community.transparency import PUBLIC_PAGE_SECONDS, transparency
from lms.api_schema import error_responses
from lms.errors import DomainError, ErrorCode
from lms.page_cache import cache_for_anonymous
from lms.throttles import ScopedRateThrottle

API_COOKIE_PATH = "/api/v1/public/events/"
LANG = OpenApiParameter("lang", str, enum=list(LANGUAGES), required=False)


def _language(request) -> str:
    language = request.query_params.get("lang", "en")
    if language not in LANGUAGES:
        raise DomainError(ErrorCode.INVALID, "Choose en or es.", field="lang")
    return language


class PublicView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class PublicAgencyView(PublicView):
    @extend_schema(auth=[], responses={200: s.PublicAgencySerializer, **error_responses(404)})
    def get(self, request, slug: str):
        agency = get_object_or_404(public_agencies(), slug=slug)
        data = transparency(agency=agency)
        body = {
            "name": agency.name,
            "slug": agency.slug,
            "updated_at": data.updated_at,
            "page_url": reverse("community-agency", kwargs={"slug": agency.slug}),
            "verify_url": reverse("certificate-lookup"),
            "training": {
                "officers_assigned": data.officers_assigned,
                "officers_certified": data.officers_certified,
                "curriculum": data.curriculum.title if data.curriculum else None,
                "modules": [
                    {"number": m.number, "title": m.title, "percent_complete": m.percent_complete}
                    for m in data.modules
                ],
            },
            "events": [
                {
                    "id": e.event.pk,
                    "kind": e.event.kind,
                    "title": e.title,
                    "date": e.event.date,
                    "status": e.event.status,
                    "place": e.event.place,
                    "partners": e.event.partner_list,
                    "survey_url": reverse("community-survey", kwargs={"event_id": e.event.pk})
                    if e.event.survey_id
                    else None,
                    "results_url": reverse("api-community-results", kwargs={"event_id": e.event.pk})
                    if e.event.survey_id
                    else None,
                }
                for e in data.events
            ],
        }
        response = Response(s.PublicAgencySerializer(body).data)
        return cache_for_anonymous(response, PUBLIC_PAGE_SECONDS)


class PublicSurveyView(PublicView):
    @extend_schema(
        auth=[],
        parameters=[OpenApiParameter("phase", str, enum=Phase.values, required=False), LANG],
        responses={200: s.SurveySerializer, **error_responses(400, 404)},
    )
    def get(self, request, event_id: int):
        event = get_object_or_404(public_events(), pk=event_id)
        language = _language(request)
        phase = request.query_params.get("phase") or (
            event.open_phases[0] if len(event.open_phases) == 1 else None
        )
        if phase not in Phase.values:
            raise DomainError(ErrorCode.INVALID, "Choose pre or post.", field="phase")
        items = SurveyItem.objects.filter(survey_id=event.survey_id).order_by("sort_order", "pk")
        body = {
            "event": event.pk,
            "title": event.title_in(language),
            "phase": phase,
            "open": event.survey_id is not None and event.phase_open(phase),
            "uses_codes": event.uses_codes,
            "roles": Role.values,
            "statements": [
                {"id": item.pk, "text": item.text_in(language)}
                for item in (items if event.survey_id else [])
            ],
        }
        return Response(s.SurveySerializer(body).data)


class PublicResponseView(PublicView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "community_response"

    @extend_schema(
        auth=[],
        request=s.ResponseInSerializer,
        responses={
            201: s.ResponseOutSerializer,
            **error_responses(400, 404, 409, 415, 429),
        },
    )
    def post(self, request, event_id: int):
        event = get_object_or_404(public_events(), pk=event_id)
        data = request.data
        if not isinstance(data, dict):
            raise DomainError(ErrorCode.INVALID, "Send a JSON object.")
        phase = data.get("phase")
        if phase in Phase.values and browser.answered(request, event.pk, phase):
            raise DomainError(ErrorCode.CONFLICT, "This browser has already answered this survey.")
        response_row = services.response_submit(
            event=event,
            phase=phase,
            answers=data.get("answers"),
            role=data.get("role") or "",
            code=data.get("code"),
            comment=data.get("comment") or "",
        )
        response = Response(
            {"event": event.pk, "phase": phase, "received_at": response_row.submitted_at},
            status=status.HTTP_201_CREATED,
        )
        browser.mark_answered(request, response, event.pk, phase, path=API_COOKIE_PATH)
        return response


def _figures(dist, mean) -> dict | None:
    if dist is None:
        return None
    return {"n": dist.n, "mean": round(mean, 3), "distribution": list(dist.counts)}


def _statements(group: GroupResult) -> list[dict]:
    return [
        {
            "id": st.item_id,
            "text": st.text,
            "reversed": st.reversed,
            "pre": _figures(st.pre, st.pre_mean),
            "post": _figures(st.post, st.post_mean),
            "shift": round(st.shift, 3) if st.shift is not None else None,
        }
        for st in group.statements
    ]


class PublicResultsView(PublicView):
    @extend_schema(
        auth=[],
        parameters=[LANG],
        responses={200: s.ResultsSerializer, **error_responses(400, 404)},
    )
    def get(self, request, event_id: int):
        event = get_object_or_404(public_events(), pk=event_id)
        language = _language(request)
        results = event_results(
            [event], min_group=settings.SURVEY_MIN_GROUP_SIZE, language=language
        )[event.pk]
        comments = event.comments.filter(status=CommentStatus.PUBLISHED).values_list(
            "text", flat=True
        )
        body = {
            "suppressed": results.suppressed,
            "min_group_size": results.min_group,
            "respondents": {"pre": results.everyone.pre_n, "post": results.everyone.post_n},
            "statements": _statements(results.everyone),
            "by_role": [
                {"role": group.key, "statements": _statements(group)} for group in results.roles
            ],
            "comments": list(comments),
        }
        return Response(s.ResultsSerializer(body).data)
