"""Content publication enters the audit trail, however it is published (admin, workflow, API)."""

from django.dispatch import receiver
from wagtail.signals import page_published

from lms.audit import Action, record_event


@receiver(page_published, dispatch_uid="audit_content_published")
def audit_content_published(sender, instance, revision=None, **kwargs):
    user = getattr(revision, "user", None)
    record_event(
        action=Action.CONTENT_PUBLISHED,
        actor=user,
        obj=instance,
        data={"revision": revision.pk if revision else None, "url_path": instance.url_path},
    )
