"""Who may do what with training records. Querysets are scoped as well (defence in two layers)."""

from wagtail.models import GroupPagePermission

from courses.models import Certificate
from courses.progress.selectors import curricula_visible_to
from lms import roles
from lms.scoping import viewer_person


def user_can_download_certificate(user, certificate: Certificate) -> bool:
    """The holder, and command staff who oversee the holder."""
    person = viewer_person(user)
    if person is None:
        return False
    if certificate.person_id == person.pk:
        return True
    return Certificate.objects.visible_to(user).filter(pk=certificate.pk).exists()


def user_can_view_training_page(user, page) -> bool:
    """Learners see pages of curricula assigned to them; authors (admin access) see all."""
    if user.has_perm("wagtailadmin.access_admin"):
        return True
    return any(page.path.startswith(c.path) for c in curricula_visible_to(user))


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
