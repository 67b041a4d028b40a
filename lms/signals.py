"""Audit receivers for sign-in, failed sign-in and lockout (the auth and django-axes signals are
the only place they surface); a new sign-in also starts the session idle clock."""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import Signal, receiver

from lms.audit import Action, client_ip, record_event
from lms.middleware import start_idle_clock
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
    if request is not None and hasattr(request, "session"):
        start_idle_clock(request.session)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def audit_sign_in_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    record_event(
        action=Action.SIGN_IN_FAILED,
        actor_username=username,
        ip_address=client_ip(request),
        **_person_fields(username),
    )


def _person_fields(username: str) -> dict:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).select_related("person").first()
    person = viewer_person(user) if user else None
    return {
        "agency_id": person.agency_id if person else None,
        "person_id": person.pk if person else None,
    }


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def audit_locked_out(sender, request, username, ip_address, **kwargs):
    """django-axes refused a sign-in: too many failures for this account or address."""
    username = str(username or "")[:150]
    record_event(
        action=Action.ACCOUNT_LOCKED_OUT,
        actor_username=username,
        ip_address=ip_address or client_ip(request),
        data={"failure_limit": settings.AXES_FAILURE_LIMIT},
        **_person_fields(username),
    )


# Sent by writes of people that send no model signals (the roster import's bulk writes), in
# their transaction: `person_ids` added or changed, `before` {person id: {"agency_id",
# "unit_id", "category"}} of those whose placement may have changed. What counts people
# (courses.progress.tally) listens; lms knows nothing of it.
people_changed = Signal()
