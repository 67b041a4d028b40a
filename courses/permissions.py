"""Who may do what with training records. Querysets are scoped as well (defence in two layers)."""

from courses.models import Certificate
from courses.progress.selectors import curricula_visible_to
from lms import mfa
from lms.scoping import viewer_person


def request_can_download_certificate(request, certificate: Certificate) -> bool:
    """The holder, and command staff who oversee the holder. Another person's certificate is
    staff data: lms.mfa.staff_data_access raises CodeNeeded without a verified code, and
    audits a download through an API token."""
    person = viewer_person(request.user)
    if person is None:
        return False
    if certificate.person_id == person.pk:
        return True
    if not Certificate.objects.visible_to(request.user).filter(pk=certificate.pk).exists():
        return False
    mfa.staff_data_access(request)
    return True


def user_can_view_training_page(user, page) -> bool:
    """Learners see pages of curricula assigned to them; authors (admin access) see all."""
    if user.has_perm("wagtailadmin.access_admin"):
        return True
    return any(page.path.startswith(c.path) for c in curricula_visible_to(user))
