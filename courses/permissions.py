"""Who may do what with training records. Querysets are scoped as well (defence in two layers)."""

from django.contrib.contenttypes.models import ContentType
from wagtail.models import Page, ReferenceIndex

from courses.models import Certificate, HomePage, LearnerPage
from courses.progress.selectors import visible_curricula
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


def request_can_get_credential(request, certificate: Certificate) -> bool:
    """The holder only: a credential is the officer's to carry and share (API.md). Anyone
    else, command staff included, is told the certificate does not exist."""
    person = viewer_person(request.user)
    return person is not None and certificate.person_id == person.pk


def user_can_view_training_page(user, page) -> bool:
    """Learners see pages of curricula assigned to them; authors (admin access) see all."""
    if user.has_perm("wagtailadmin.access_admin"):
        return True
    return any(page.path.startswith(c.path) for c in visible_curricula(user))


def user_can_view_document(user, document) -> bool:
    """Wagtail documents (/documents/<id>/<name>) follow the pages that link them: anyone may
    fetch one linked from a live home page, a signed-in user one linked from a training page
    they may see (learners: of a curriculum assigned to them); authors (admin access) may
    fetch every document, linked or not. Links are found in Wagtail's reference index, which
    Wagtail keeps as pages are saved."""
    if user.is_authenticated and user.has_perm("wagtailadmin.access_admin"):
        return True
    linking = ReferenceIndex.get_references_to(document).filter(
        base_content_type=ContentType.objects.get_for_model(Page)
    )
    page_ids = [int(pk) for pk in linking.values_list("object_id", flat=True)]
    for page in Page.objects.live().filter(pk__in=page_ids).specific():
        if isinstance(page, HomePage):
            return True
        if (
            user.is_authenticated
            and isinstance(page, LearnerPage)
            and user_can_view_training_page(user, page)
        ):
            return True
    return False


def user_can_view_scenario_report(user) -> bool:
    """Trainers and coordinators (and superusers): how often each scenario choice was taken,
    in aggregate, for learners of their own agency (lms.scoping.scope_aggregates)."""
    return bool(user.is_authenticated and user.has_perm("courses.view_scenario_report"))
