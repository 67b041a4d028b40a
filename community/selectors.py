"""Reads of community events: the staff's (scoped to their agency by lms.scoping) and the
public's (only agencies whose page is on)."""

from django.db.models import QuerySet

from community.models import CommunityEvent, TransparencyPage
from lms.models import Agency
from lms.scoping import scope_by_agency


def events_for_staff(user) -> QuerySet[CommunityEvent]:
    """The events of the viewer's agency (events belong to the agency as a whole)."""
    return scope_by_agency(CommunityEvent.objects.all(), user, "agency_id").select_related("survey")


def public_agencies() -> QuerySet[Agency]:
    """Agencies whose public page command staff have switched on."""
    on = TransparencyPage.objects.filter(enabled=True).values("agency_id")
    return Agency.objects.filter(pk__in=on)


def public_events() -> QuerySet[CommunityEvent]:
    """Events answerable and visible in public: their agency's page is on. Every public path
    (survey, responses, results) looks events up here, so a page switched off answers 404."""
    return CommunityEvent.objects.filter(agency__in=public_agencies()).select_related("agency")


def public_page_enabled(agency) -> bool:
    return TransparencyPage.objects.filter(agency=agency, enabled=True).exists()
