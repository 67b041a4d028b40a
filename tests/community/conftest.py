"""Community fixtures: a published survey of three statements (the third reverse-worded, the
first with a Spanish translation), an event of agency A using it, and agency A's public page
switched on (agency B's stays off)."""

import datetime

import pytest
from django.core.cache import caches

from community import services
from community.models import CommunityEvent, EventKind, TransparencyPage
from tests.factories import make_survey


@pytest.fixture
def community_survey(db):
    survey = make_survey(items=3, title="Community perceptions")
    items = list(survey.items.order_by("sort_order", "pk"))
    items[0].statement_es = "Confío en la policía."
    items[0].save()
    items[2].reversed = True
    items[2].save()
    return survey


@pytest.fixture
def page_on(agency_a):
    return TransparencyPage.objects.create(agency=agency_a, enabled=True)


@pytest.fixture
def make_event(agency_a, community_survey):
    def make(agency=None, **fields) -> CommunityEvent:
        values = {
            "agency": agency or agency_a,
            "kind": EventKind.FORUM,
            "title": "Neighborhood forum",
            "date": datetime.date(2026, 5, 1),
            "place": "Library",
            "survey": community_survey,
            **fields,
        }
        return CommunityEvent.objects.create(**values)

    return make


@pytest.fixture
def event(make_event, page_on):
    """An event of agency A (page on) whose before survey is open, without codes."""
    return make_event(status="open", pre_open=True)


@pytest.fixture
def statement_ids(community_survey) -> list[str]:
    items = community_survey.items.order_by("sort_order", "pk")
    return [str(pk) for pk in items.values_list("pk", flat=True)]


def answers(ids, *values) -> dict[str, int]:
    values = values or (4,) * len(ids)
    return dict(zip(ids, values, strict=True))


def respond(event, phase, n, ids, values=None, role=""):
    """n responses through the service (opening the phase for them if needed)."""
    was_open = event.phase_open(phase)
    setattr(event, f"{phase}_open", True)
    for _ in range(n):
        services.response_submit(
            event=event, phase=phase, answers=answers(ids, *(values or ())), role=role
        )
    setattr(event, f"{phase}_open", was_open)


@pytest.fixture
def rate_limit_on(shared_cache_on):
    caches["shared"].clear()
    yield


@pytest.fixture
def page_cache_on(shared_cache_on):
    """The page cache on (as tests/lms/conftest.py has it)."""
    for alias in ("default", "memo"):
        caches[alias].clear()
