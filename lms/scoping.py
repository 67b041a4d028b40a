"""The oversight boundary. Every oversight read is scoped here, and nowhere else.

A viewer with `lms.view_agency_records` (command staff, coordinators, agency admins)
reads their own agency, narrowed to their oversight units when they have any (a person's
`oversight_units`; none means the whole agency). Everyone else reads nothing. Each kind of
row has one function here that says what such a viewer reaches:

* people and rows about one person (`scope_people`): people of the viewer's units;
* units (`scope_units`): the viewer's units;
* rows aimed at the agency, one unit or one person, such as assignments (`scope_targets`):
  those aimed at the viewer's units or their people, and, to read only, those aimed at the
  whole agency (they reach the viewer's people too);
* audit events (`scope_events`): events about the viewer's people, events aimed at one of
  the viewer's units (assignment events name their target), and events the viewer caused;
  not agency-wide events such as another viewer's exports or a roster import.

Reports of aggregates only, that name no person (how often each scenario choice was taken),
are read by authors too, who have no record access: `scope_aggregates` keeps them to the
viewer's own agency.

Who the caller is, as a person, is decided here too: `viewer_person` (or None) and
`require_person` (or 403), used by every app.
"""

from typing import TYPE_CHECKING

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Q, QuerySet

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


def oversight_unit_ids(user) -> list[int] | None:
    """The units the viewer's oversight is limited to; None when it covers the whole agency
    (or the viewer oversees nothing at all: then `oversight_agency_id` is None)."""
    person = viewer_person(user)
    if person is None:
        return None
    return list(person.oversight_units.values_list("pk", flat=True)) or None


def oversees_whole_agency(user) -> bool:
    """A record viewer whose oversight is not limited to some units."""
    return oversight_agency_id(user) is not None and oversight_unit_ids(user) is None


def scope_by_agency(queryset: QuerySet, user, agency_field: str) -> QuerySet:
    """Rows whose `agency_field` is the viewer's oversight agency (no unit narrowing: only for
    rows that belong to the agency as a whole)."""
    agency_id = oversight_agency_id(user)
    if agency_id is None:
        return queryset.none()
    return queryset.filter(**{agency_field: agency_id})


def scope_people(queryset: QuerySet, user, prefix: str = "") -> QuerySet:
    """Rows about people the viewer may oversee; `prefix` is the path to the Person."""
    scoped = scope_by_agency(queryset, user, f"{prefix}agency_id")
    unit_ids = oversight_unit_ids(user)
    return scoped.filter(**{f"{prefix}unit_id__in": unit_ids}) if unit_ids else scoped


def scope_units(queryset: QuerySet, user) -> QuerySet:
    """Units the viewer may oversee (a queryset of `lms.Unit`)."""
    scoped = scope_by_agency(queryset, user, "agency_id")
    unit_ids = oversight_unit_ids(user)
    return scoped.filter(pk__in=unit_ids) if unit_ids else scoped


def scope_targets(queryset: QuerySet, user, *, agency_wide: bool = True) -> QuerySet:
    """Rows aimed at exactly one of `agency`, `unit` or `person` (assignments) in the viewer's
    reach. A unit-limited viewer reaches rows aimed at their units or their people, and rows
    aimed at the whole agency only with `agency_wide` (reading: yes; changing: no, since a
    change would reach other units' people too). A whole-agency viewer reaches all three."""
    agency_id = oversight_agency_id(user)
    if agency_id is None:
        return queryset.none()
    unit_ids = oversight_unit_ids(user)
    if unit_ids is None:
        reach = Q(agency_id=agency_id) | Q(unit__agency_id=agency_id)
        reach |= Q(person__agency_id=agency_id)
    else:
        reach = Q(unit__agency_id=agency_id, unit_id__in=unit_ids)
        reach |= Q(person__agency_id=agency_id, person__unit_id__in=unit_ids)
        if agency_wide:
            reach |= Q(agency_id=agency_id)
    return queryset.filter(reach)


def scope_events(queryset: QuerySet, user, *, people: QuerySet) -> QuerySet:
    """Audit events (plain ids, no foreign keys) of the viewer's agency that the viewer may
    read; `people` is the Person queryset to narrow (passed in: this module imports no
    models). See the module docstring for what a unit-limited viewer reads."""
    scoped = scope_by_agency(queryset, user, "agency_id")
    unit_ids = oversight_unit_ids(user)
    if unit_ids is None:
        return scoped
    return scoped.filter(
        Q(person_id__in=scope_people(people, user).values("pk"))
        | Q(data__target__kind="unit", data__target__id__in=unit_ids)
        | Q(actor_id=user.pk)
    )


def scope_aggregates(queryset: QuerySet, user, prefix: str = "") -> QuerySet:
    """Rows about people that a report counts without naming anyone: the viewer's own agency
    (narrowed to their oversight units when they have some); a superuser without a person,
    every agency; anyone else, nothing. Whether the viewer may see the report at all is a
    permission of the report's own."""
    person = viewer_person(user)
    if person is None:
        return queryset if getattr(user, "is_superuser", False) else queryset.none()
    scoped = queryset.filter(**{f"{prefix}agency_id": person.agency_id})
    unit_ids = oversight_unit_ids(user)
    return scoped.filter(**{f"{prefix}unit_id__in": unit_ids}) if unit_ids else scoped
