"""The agency boundary. Every oversight read is scoped here, and nowhere else.

A viewer with `lms.view_agency_records` (command staff, coordinators, agency admins)
reads their own agency, narrowed to their oversight units when they have any.
Everyone else reads nothing. Who the caller is, as a person, is decided here too:
`viewer_person` (or None) and `require_person` (or 403), used by every app.
"""

from typing import TYPE_CHECKING

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import QuerySet

if TYPE_CHECKING:  # lms.models imports this module
    from lms.models import Person

RECORDS_PERMISSION = "lms.view_agency_records"


def viewer_person(user) -> "Person | None":
    """The user's Person, or None (anonymous, or an account with no person such as a superuser)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.person
    except ObjectDoesNotExist:
        return None


def require_person(user) -> "Person":
    """The caller's Person, for doors that act as a person (learner pages and endpoints,
    oversight pages). An account without one is refused: Django's PermissionDenied, which
    pages and the API (DRF) alike answer with 403, "This account has no training profile."
    Reads that merely show a person's own things use `viewer_person` and show nothing."""
    person = viewer_person(user)
    if person is None:
        raise PermissionDenied("This account has no training profile.")
    return person


def oversight_agency_id(user) -> int | None:
    """The agency whose records the user may read, or None."""
    person = viewer_person(user)
    if person is None or not user.has_perm(RECORDS_PERMISSION):
        return None
    return person.agency_id


def scope_by_agency(queryset: QuerySet, user, agency_field: str) -> QuerySet:
    """Rows whose `agency_field` is the viewer's oversight agency."""
    agency_id = oversight_agency_id(user)
    if agency_id is None:
        return queryset.none()
    return queryset.filter(**{agency_field: agency_id})


def scope_people(queryset: QuerySet, user, prefix: str = "") -> QuerySet:
    """Rows about people the viewer may oversee; `prefix` is the path to the Person."""
    scoped = scope_by_agency(queryset, user, f"{prefix}agency_id")
    person = viewer_person(user)
    if person is None:
        return scoped
    unit_ids = list(person.oversight_units.values_list("pk", flat=True))
    return scoped.filter(**{f"{prefix}unit_id__in": unit_ids}) if unit_ids else scoped
