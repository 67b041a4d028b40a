"""Content publication enters the audit trail, however it is published (admin, workflow, API).

(What a publication renews in the page cache is lms.page_cache.signal_handlers' own work.)
"""

from django.dispatch import receiver
from wagtail.log_actions import get_active_log_context
from wagtail.models import Page
from wagtail.signals import page_published, published

from lms.audit import Action, record_event


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
