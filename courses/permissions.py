"""Who may do what with training records. Querysets are scoped as well (defence in two layers)."""

from courses.models import Certificate
from courses.progress.selectors import curricula_visible_to
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
