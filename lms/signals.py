"""Sign-in events for the audit trail (Django's auth signals are the only place they surface)."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from lms.audit import Action, client_ip, record_event
from lms.scoping import viewer_person


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def audit_sign_in(sender, request, user, **kwargs):
    person = viewer_person(user)
    record_event(
        action=Action.SIGN_IN,
        actor=user,
        agency_id=person.agency_id if person else None,
        person_id=person.pk if person else None,
        ip_address=client_ip(request),
    )


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def audit_sign_in_failed(sender, credentials, request=None, **kwargs):
    from django.contrib.auth import get_user_model

    username = str(credentials.get("username", ""))[:150]
    user = get_user_model().objects.filter(username=username).select_related("person").first()
    person = viewer_person(user) if user else None
    record_event(
        action=Action.SIGN_IN_FAILED,
        actor_username=username,
        agency_id=person.agency_id if person else None,
        person_id=person.pk if person else None,
        ip_address=client_ip(request),
    )
