"""Content publication enters the audit trail, however it is published (admin, workflow, API)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token
from wagtail.log_actions import get_active_log_context
from wagtail.models import Page
from wagtail.signals import (
    page_published,
    page_unpublished,
    post_page_move,
    published,
    unpublished,
)

from assessments.models import Attempt, SurveyResponse
from courses.models import (
    Assignment,
    Certificate,
    CurriculumCompletion,
    LessonProgress,
    ModuleCompletion,
    TrainingRecord,
)
from lms.audit import Action, record_event
from lms.auth_backends import load_user
from lms.models import Agency, Person, Unit
from lms.page_cache import agency_changed, content_changed, user_changed
from lms.scoping import viewer_person


def _publisher(revision):
    """Who published: the admin user acting now (a coordinator approving in the review
    workflow publishes a trainer's revision), else the revision's author."""
    return get_active_log_context().user or getattr(revision, "user", None)


@receiver(page_published, dispatch_uid="audit_content_published")
def audit_content_published(sender, instance, revision=None, **kwargs):
    user = _publisher(revision)
    record_event(
        action=Action.CONTENT_PUBLISHED,
        actor=user,
        obj=instance,
        data={"revision": revision.pk if revision else None, "url_path": instance.url_path},
    )


@receiver(published, dispatch_uid="audit_snippet_published")
def audit_snippet_published(sender, instance, revision=None, **kwargs):
    """Quizzes and surveys: publishing one changes what learners are served next."""
    if isinstance(instance, Page):  # pages are recorded above, with their path
        return
    record_event(
        action=Action.CONTENT_PUBLISHED,
        actor=_publisher(revision),
        obj=instance,
        data={"revision": revision.pk if revision else None},
    )


# --- The page cache (lms/page_cache.py): what changes a cached page renews its version ---------


@receiver(page_published, dispatch_uid="page_cache_page_published")
@receiver(page_unpublished, dispatch_uid="page_cache_page_unpublished")
@receiver(post_page_move, dispatch_uid="page_cache_page_moved")
@receiver(published, dispatch_uid="page_cache_published")
@receiver(unpublished, dispatch_uid="page_cache_unpublished")
@receiver(post_save, sender=Assignment, dispatch_uid="page_cache_assignment_saved")
@receiver(post_delete, sender=Assignment, dispatch_uid="page_cache_assignment_deleted")
@receiver(post_save, sender=Unit, dispatch_uid="page_cache_unit_saved")
@receiver(post_delete, sender=Unit, dispatch_uid="page_cache_unit_deleted")
@receiver(post_save, sender=Agency, dispatch_uid="page_cache_agency_saved")
@receiver(post_delete, sender=Token, dispatch_uid="page_cache_token_deleted")
def content_changed_on_commit(sender, **kwargs):
    """Pages, quizzes, surveys, assignments, agencies and units: what the pages are made of;
    and a revoked API token, whose user lms.auth_backends keeps under the content version."""
    transaction.on_commit(content_changed)


@receiver(post_delete, dispatch_uid="page_cache_page_deleted")
def page_deleted(sender, instance=None, **kwargs):
    if isinstance(instance, Page):
        transaction.on_commit(content_changed)


PERSON_FACTS = (LessonProgress, ModuleCompletion, CurriculumCompletion, Certificate, TrainingRecord)
USER_FACTS = (Attempt, SurveyResponse)


def _renew_on_commit(user_id, agency_id, *, account: bool = False) -> None:
    """The user's own pages (and with `account`, what is kept about the account) and their
    agency's oversight pages."""

    def renew():
        user_changed(user_id, account=account)
        agency_changed(agency_id)

    transaction.on_commit(renew)


def person_fact_changed(sender, instance, **kwargs):
    person = Person.objects.filter(pk=instance.person_id).values_list("user_id", "agency_id")
    _renew_on_commit(*(person.first() or (None, None)))


def user_fact_changed(sender, instance, **kwargs):
    """An attempt or a survey answer: the user's person comes from this worker's cache."""
    person = viewer_person(load_user(instance.user_id))
    _renew_on_commit(instance.user_id, person.agency_id if person else None)


def person_changed(sender, instance, **kwargs):
    _renew_on_commit(instance.user_id, instance.agency_id, account=True)


def account_changed(sender, instance, **kwargs):
    agency_id = Person.objects.filter(user_id=instance.pk).values_list("agency_id", flat=True)
    _renew_on_commit(instance.pk, agency_id.first(), account=True)


def _account_changed_on_commit(user_id) -> None:
    transaction.on_commit(lambda: user_changed(user_id, account=True))


for _model in PERSON_FACTS:
    post_save.connect(person_fact_changed, sender=_model, dispatch_uid=f"page_cache_{_model}")
    post_delete.connect(person_fact_changed, sender=_model, dispatch_uid=f"page_cache_d{_model}")
for _model in USER_FACTS:
    post_save.connect(user_fact_changed, sender=_model, dispatch_uid=f"page_cache_{_model}")
    post_delete.connect(user_fact_changed, sender=_model, dispatch_uid=f"page_cache_d{_model}")
post_save.connect(person_changed, sender=Person, dispatch_uid="page_cache_person")
post_delete.connect(person_changed, sender=Person, dispatch_uid="page_cache_d_person")
post_save.connect(account_changed, sender=get_user_model(), dispatch_uid="page_cache_user")
post_delete.connect(account_changed, sender=get_user_model(), dispatch_uid="page_cache_d_user")


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="page_cache_groups")
@receiver(m2m_changed, sender=Person.oversight_units.through, dispatch_uid="page_cache_units")
def access_changed(sender, instance, reverse=False, **kwargs):
    """A user's groups and a person's oversight units decide what they see; changed from the
    other side (a group's members, a unit's overseers): renew everything."""
    if kwargs.get("action", "").startswith("post_"):
        if reverse:
            transaction.on_commit(content_changed)
        else:
            _account_changed_on_commit(getattr(instance, "user_id", instance.pk))
