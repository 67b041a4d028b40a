"""Who may export and import whole curricula."""

from django.db.models import QuerySet
from wagtail.models import GroupPagePermission

from lms import roles
from lms.models import Agency
from lms.scoping import viewer_person


def user_can_exchange_curricula(user) -> bool:
    """Coordinators, groups that may publish the whole site (a page permission on the root or
    a home page) and superusers export and import whole curricula: an import publishes pages
    and quizzes at once, past the review workflow, and an export holds every answer key."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user.groups.filter(name=roles.COORDINATOR).exists():
        return True
    return GroupPagePermission.objects.filter(
        group__user=user, permission__codename="publish_page", page__depth__lte=2
    ).exists()


def user_can_read_item_analysis(user) -> bool:
    """Trainers, coordinators and superusers read the item analysis of quizzes."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        user.is_superuser
        or user.groups.filter(name__in=[roles.TRAINER, roles.COORDINATOR]).exists()
    )


def item_analysis_agencies(user) -> QuerySet[Agency]:
    """The agencies whose attempts the user's item analysis counts: their own agency, for an
    account with a training profile (an agency's trainers see their agency's figures, never
    another agency's); every agency for a site-wide author without one (superusers)."""
    person = viewer_person(user)
    agencies = Agency.objects.order_by("name")
    return agencies.filter(pk=person.agency_id) if person else agencies
